"""The OS keychain, where Intuit tokens and client secrets live (via keyring).

In a frozen (PyInstaller) app keyring's backend discovery through entry points
fails silently, so the backend is chosen explicitly there. Where no keychain
exists (a headless Linux box) SyncDesk says so before anything starts: it never
falls back to writing secrets in plain text.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

import keyring
import platformdirs
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringError, PasswordDeleteError

from app.hints import Action, Hint, Hinted
from app.logs import register_secret
from app.qbo.tokens import TokenSet

SERVICE = "SyncDesk QuickBooks"


class NoKeychain(Hinted):
    """No usable OS keychain; the message says what to install (with hints)."""


class PassphraseNeeded(NoKeychain):
    """The secrets are in the encrypted file and no passphrase was given to unlock it."""


def configure_frozen_backend() -> None:
    """Pick the platform's keychain explicitly when running from a bundle; where this
    machine has none that works (no Secret Service on a Linux box), keyring's "fail"
    backend, so that SyncDesk says there is no keychain instead of failing later."""
    if not getattr(sys, "frozen", False):
        return
    backend: KeyringBackend
    if sys.platform == "darwin":
        from keyring.backends import macOS

        backend = macOS.Keyring()
    elif sys.platform == "win32":
        from keyring.backends import Windows

        backend = Windows.WinVaultKeyring()
    else:
        from keyring.backends import SecretService

        backend = SecretService.Keyring()
    why = _unusable_because(backend)
    if why:
        _TRIED[:] = [f"{type(backend).__module__}.{type(backend).__name__}: {why}"]
    keyring.set_keyring(fail.Keyring() if why else backend)


#: The platform keychain a bundle tried and could not use, with why (for the self-test).
_TRIED: list[str] = []


def _unusable_because(backend: KeyringBackend) -> str:
    """Why ``backend`` does not work on this machine ("" when it does)."""
    try:
        return "" if backend.priority > 0 else "not available"
    except Exception as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


ENCRYPTED_FILE = "encrypted-file"
PASSPHRASE_VARIABLE = "SYNCDESK_KEYRING_PASSPHRASE"


def _usable(backend: KeyringBackend) -> bool:
    """Whether ``backend`` works on this machine: keyring backends raise from ``priority``
    when what they need is missing (no D-Bus Secret Service, no macOS Security API)."""
    return not _unusable_because(backend)


def _is_os_keychain(backend: KeyringBackend) -> bool:
    """A real keychain: not a file keyring (SyncDesk's encrypted file or one from a
    ``keyrings.*`` add-on), not fail/null."""
    module = type(backend).__module__
    if _is_encrypted_file(backend) or module.startswith("keyrings.") or \
            module.endswith((".fail", ".null", ".chainer")):
        return False
    return _usable(backend)


def _is_encrypted_file(backend: KeyringBackend) -> bool:
    return bool(getattr(backend, "syncdesk_encrypted_file", False))


#: What keyring used before an encrypted file took its place (the OS keychain, or the
#: "fail" backend where there is none): a team's company key is looked for there too.
_DISPLACED: list[KeyringBackend] = []


def _use(backend: KeyringBackend) -> None:
    """Make ``backend`` keyring's, remembering the OS keychain an encrypted file displaces."""
    current = keyring.get_keyring()
    if _is_encrypted_file(backend) and not _is_encrypted_file(current):
        _DISPLACED[:] = [current]
    keyring.set_keyring(backend)


def os_keychain() -> KeyringBackend | None:
    """This computer's OS keychain when it is usable here (None where there is none),
    even while a connection's secrets are read from the encrypted file."""
    backend = keyring.get_keyring()
    if _is_encrypted_file(backend):
        backend = _DISPLACED[0] if _DISPLACED else fail.Keyring()
    if isinstance(backend, ChainerBackend):
        backend = next((b for b in backend.backends if _is_os_keychain(b)), fail.Keyring())
    return backend if _is_os_keychain(backend) else None


def use_os_keychain() -> None:
    """Read and write secrets in the OS keychain again after an encrypted file (a window
    opens one company after another; only some keep their secrets in the file)."""
    if _is_encrypted_file(keyring.get_keyring()) and _DISPLACED:
        keyring.set_keyring(_DISPLACED[0])


def backend_words() -> str:
    """Which keychain this SyncDesk uses, in words (for the self-test's line)."""
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if _is_os_keychain(backend):
        return f"OS keychain {name}"
    return f"no OS keychain here ({'; '.join(_TRIED) or 'keyring found none'})"


def configure_backend() -> None:
    """Use the OS keychain only: never a plaintext or passphrase file picked by keyring.

    keyring's default chains every backend it finds, file keyrings included (the
    opt-in encrypted file is switched on explicitly by ``use_encrypted_file``).
    """
    configure_frozen_backend()
    backend = keyring.get_keyring()
    if not isinstance(backend, ChainerBackend):
        return
    trusted = [b for b in backend.backends if _is_os_keychain(b)]
    keyring.set_keyring(trusted[0] if trusted else fail.Keyring())


def require_keychain() -> None:
    """Raise ``NoKeychain`` unless a real keychain backend is usable."""
    configure_backend()
    use_os_keychain()
    backend = keyring.get_keyring()
    if not _is_os_keychain(backend):
        raise NoKeychain(
            "No OS keychain is available, so SyncDesk cannot keep QuickBooks sign-in tokens "
            "safely and did not start connecting. Install and unlock one (Linux: GNOME "
            "Keyring or KWallet, which provide the Secret Service), then connect again — or "
            "connect with {0} to keep them in a file locked by a passphrase (asked for, or "
            f"taken from ${PASSPHRASE_VARIABLE}).", Hint.of(Action.ENCRYPTED_KEYRING))


def encrypted_file_path() -> Path:
    return Path(platformdirs.user_data_dir("SyncDesk", appauthor=False)) / "keyring.cfg"


# Unlocked encrypted files of this process, by file and passphrase (an HMAC under a key
# that lives and dies with the process: neither the passphrase nor a digest someone could
# test guesses against is kept, and nothing of it is ever written).
_UNLOCKED: dict[tuple[str, bytes], KeyringBackend] = {}
_UNLOCKED_LOCK = threading.Lock()
_PROCESS_KEY = os.urandom(32)


def derive_key(secret: bytes, salt: bytes, time_cost: int, memory_cost: int,
               parallelism: int, length: int = 16) -> bytes:
    """The encrypted file's Argon2id key derivation (slow on purpose: once per process)."""
    from argon2 import low_level

    return low_level.hash_secret_raw(secret=secret, salt=salt, time_cost=time_cost,
                                     memory_cost=memory_cost, parallelism=parallelism,
                                     hash_len=length, type=low_level.Type.ID)


def _one_key_file() -> KeyringBackend:
    """keyrings.cryptfile's file (same format), deriving each key once per process.

    cryptfile derives an Argon2 key from the passphrase and a salt stored with every
    value, on every read and write: seconds per token read. This backend keeps the
    keys it derived (in memory, per salt) and writes new values with the salt of the
    file's password reference, whose key was derived when the file was unlocked, so
    a process derives one key however many tokens it reads or writes. AES-GCM with a
    fresh random nonce per value keeps one key per file safe.
    """
    from Crypto.Cipher import AES
    from keyrings.cryptfile.cryptfile import CryptFileKeyring
    from keyrings.cryptfile.file_base import encodebytes

    class OneKeyCryptFileKeyring(CryptFileKeyring):
        syncdesk_encrypted_file = True  # a file, never taken for the OS keychain

        def __init__(self) -> None:
            super().__init__()
            self._keys: dict[tuple[Any, ...], bytes] = {}
            self._salt: bytes | None = None  # the salt whose key encrypts new values

        def _create_cipher(self, password: str, salt: bytes, nonce: bytes | None = None
                           ) -> Any:
            slot = (bytes(salt), self.time_cost, self.memory_cost, self.parallelism)
            key = self._keys.get(slot)
            if key is None:
                key = derive_key(password.encode(self.password_encoding), bytes(salt),
                                 self.time_cost, self.memory_cost, self.parallelism)
                self._keys[slot] = key
                if self._salt is None:
                    self._salt = bytes(salt)
            return AES.new(key, self._get_mode(self.aesmode), nonce)

        def encrypt(self, password: bytes, assoc: bytes | None = None) -> bytes:
            salt = self._salt or os.urandom(16)
            cipher = self._create_cipher(self.keyring_key, salt)
            if assoc is not None:
                cipher.update(assoc)
            data, mac = cipher.encrypt_and_digest(password)
            parts = {"salt": salt, "data": data, "mac": mac, "nonce": cipher.nonce}
            return json.dumps({k: encodebytes(v).decode()[:-1] for k, v in parts.items()}
                              ).encode()

    return OneKeyCryptFileKeyring()


def use_encrypted_file(passphrase: str | None, path: Path | None = None) -> None:
    """Keep secrets in a passphrase-protected file (Argon2 key, AES-GCM) from now on.

    A wrong passphrase for an existing file is refused here, before anything is read.
    The file is unlocked once per process: later calls with the same file and
    passphrase reuse it, and its key is not derived again.
    """
    _use(unlock_file(passphrase, path))


def unlock_file(passphrase: str | None, path: Path | None = None) -> KeyringBackend:
    """The encrypted file unlocked with ``passphrase`` (made when there is none yet),
    without making it keyring's: ``PassphraseNeeded`` without one, ``NoKeychain`` for a
    wrong one."""
    if not passphrase or not passphrase.strip():
        raise PassphraseNeeded("The encrypted keyring needs its passphrase: type it when asked, or "
                         f"set ${PASSPHRASE_VARIABLE}.")
    file_path = str(Path(path or encrypted_file_path()).resolve())
    slot = (file_path, hmac.new(_PROCESS_KEY, passphrase.encode("utf-8"),
                                hashlib.sha256).digest())
    with _UNLOCKED_LOCK:
        backend = _UNLOCKED.get(slot)
        if backend is None or not Path(file_path).exists():
            backend = _file_at(file_path)
            Path(file_path).parent.mkdir(parents=True, exist_ok=True)
            try:
                backend.keyring_key = passphrase  # type: ignore[attr-defined]
            except ValueError:
                raise NoKeychain("That is not the passphrase of SyncDesk's encrypted keyring "
                                 f"({file_path}).") from None
            _UNLOCKED[slot] = backend
    register_secret(passphrase)
    return backend


def _file_at(file_path: str) -> KeyringBackend:
    backend = _one_key_file()
    backend.file_path = file_path  # type: ignore[attr-defined]
    return backend


def unlocked_file(path: Path | None = None) -> KeyringBackend | None:
    """The encrypted file as this process unlocked it (None: not unlocked, or gone)."""
    file_path = str(Path(path or encrypted_file_path()).resolve())
    with _UNLOCKED_LOCK:
        backend = next((b for (where, _), b in _UNLOCKED.items() if where == file_path), None)
    return backend if backend is not None and Path(file_path).exists() else None


def use_unlocked_file(path: Path | None = None) -> bool:
    """Use the encrypted file again if this process unlocked it before (a window asks for
    the passphrase once, not before every sync); False when it has not been unlocked."""
    backend = unlocked_file(path)
    if backend is None:
        return False
    _use(backend)
    return True


def file_has(name: str, path: Path | None = None) -> bool:
    """Whether the encrypted file has an entry ``name``, told without its passphrase: the
    file encrypts each value, not the names it is kept under."""
    import configparser

    from keyrings.cryptfile.escape import escape

    file_path = Path(path or encrypted_file_path())
    config = configparser.RawConfigParser()
    try:
        config.read(file_path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeError):
        return False
    return config.has_option(escape(SERVICE), escape(name))


def remove_from_file(name: str, path: Path | None = None) -> None:
    """Remove the encrypted file's entry ``name``, if it has one (no passphrase needed)."""
    file_path = Path(path or encrypted_file_path()).resolve()
    if file_has(name, file_path):
        with contextlib.suppress(PasswordDeleteError, KeyringError):
            _file_at(str(file_path)).delete_password(SERVICE, name)


def forget_unlocked() -> None:
    """Lock every encrypted file again, as at the start of a new run."""
    with _UNLOCKED_LOCK:
        _UNLOCKED.clear()


def _get(key: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, key)
    except KeyringError as exc:
        raise NoKeychain(f"the OS keychain refused to answer ({type(exc).__name__})") from None


def _set(key: str, value: str) -> None:
    try:
        keyring.set_password(SERVICE, key, value)
    except KeyringError as exc:
        raise NoKeychain(f"the OS keychain refused to store ({type(exc).__name__})") from None


def _delete(key: str) -> None:
    with contextlib.suppress(PasswordDeleteError, KeyringError):
        keyring.delete_password(SERVICE, key)


def get_client_secret(environment: str, client_id: str) -> str | None:
    return _get(f"{environment}:client-secret:{client_id}")


def set_client_secret(environment: str, client_id: str, secret: str) -> None:
    _set(f"{environment}:client-secret:{client_id}", secret)


def delete_client_secret(environment: str, client_id: str) -> None:
    _delete(f"{environment}:client-secret:{client_id}")


class KeyringTokenStore:
    """One connection's tokens in the OS keychain."""

    def __init__(self, environment: str, realm_id: str) -> None:
        self.key = f"{environment}:tokens:{realm_id}"

    def load(self) -> TokenSet | None:
        text = _get(self.key)
        return TokenSet.from_json(text) if text else None

    def save(self, tokens: TokenSet) -> None:
        _set(self.key, tokens.to_json())

    def clear(self) -> None:
        _delete(self.key)
