"""Where this computer keeps a team's company key: each computer's own choice.

The company key that opens a team store's shared connection (``app.connection.shared``)
goes, on each computer, to the OS keychain when one is usable there, else to SyncDesk's
encrypted keyring file (locked by a passphrase), whatever the member who connected
chose for theirs. Only that member's computer follows ``connect --encrypted-keyring``,
which keeps their new key in the file. A key is looked for in both places, so that one
kept in either (before each computer chose for itself, too) is found: the passphrase is
needed only when the key is in the file and not in the OS keychain, which the file tells
without it (it encrypts the values it keeps, not their names).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError

from app.logs import register_secret
from app.qbo import keychain

Passphrase = Callable[[], str | None]


def env_passphrase() -> str | None:
    return os.environ.get(keychain.PASSPHRASE_VARIABLE)


def _name(key_id: str) -> str:
    return f"company-key:{key_id}"


def _read(backend: KeyringBackend, key_id: str) -> str | None:
    try:
        text = backend.get_password(keychain.SERVICE, _name(key_id))
    except KeyringError as exc:
        raise keychain.NoKeychain(
            f"the OS keychain refused to answer ({type(exc).__name__})") from None
    register_secret(text)
    return text


def in_os_keychain(key_id: str) -> bool:
    """Whether this computer's OS keychain holds the key (False where it has none, or
    it does not answer)."""
    backend = keychain.os_keychain()
    try:
        return backend is not None and bool(_read(backend, key_id))
    except keychain.NoKeychain:
        return False


def get(key_id: str) -> str | None:
    """The key's text from the OS keychain (when usable) or else the encrypted file (when
    this run unlocked it); ``NoKeychain`` when neither has it and the keychain refused."""
    refused: keychain.NoKeychain | None = None
    for backend in (keychain.os_keychain(), keychain.unlocked_file()):
        if backend is None:
            continue
        try:
            text = _read(backend, key_id)
        except keychain.NoKeychain as exc:
            refused = exc
            continue
        if text:
            return text
    if refused is not None:
        raise refused
    return None


def put(key_id: str, text: str, *, in_file: bool) -> None:
    """Keep the key in the encrypted file (unlocked in this run, or by the environment's
    passphrase: else ``PassphraseNeeded``) or in the OS keychain (``NoKeychain`` where
    there is none)."""
    backend = (keychain.unlocked_file() or keychain.unlock_file(env_passphrase())) if in_file \
        else keychain.os_keychain()
    if backend is None:
        raise keychain.NoKeychain("No OS keychain is available here to keep the company key.")
    try:
        backend.set_password(keychain.SERVICE, _name(key_id), text)
    except KeyringError as exc:
        raise keychain.NoKeychain(
            f"the keychain refused to store ({type(exc).__name__})") from None


def delete(key_id: str) -> None:
    """Forget the key on this computer: from the OS keychain and from the encrypted file
    (no passphrase needed to remove an entry)."""
    backend = keychain.os_keychain()
    if backend is not None:
        with contextlib.suppress(KeyringError):  # not there, or no answer
            backend.delete_password(keychain.SERVICE, _name(key_id))
    keychain.remove_from_file(_name(key_id))


def only_in_file(key_id: str | None) -> bool:
    """Whether this computer needs the encrypted file for the key: it is there, and not in
    the OS keychain (there is none here, or the key was kept in the file)."""
    if not key_id:
        return False
    return keychain.file_has(_name(key_id)) and not in_os_keychain(key_id)


def _unlocked() -> bool:
    """Whether the file is unlocked in this run (a passphrase in the environment is used
    afresh instead: a wrong one is said, not hidden by an earlier unlock)."""
    return env_passphrase() is None and keychain.unlocked_file() is not None


def locked(key_id: str | None) -> bool:
    """Whether reading the key needs a passphrase not given yet: it is only in the file,
    which this run has not unlocked, and the environment has none."""
    return only_in_file(key_id) and env_passphrase() is None and \
        keychain.unlocked_file() is None


def unlock_for(key_id: str | None, passphrase: Passphrase | None) -> None:
    """Unlock the encrypted file when the key is only there (``passphrase`` is asked only
    then; default: the environment's): ``PassphraseNeeded`` without one."""
    if only_in_file(key_id) and not _unlocked():
        keychain.unlock_file((passphrase or env_passphrase)())


def home_for_new_key(passphrase: Passphrase | None) -> bool:
    """Where a key added on this computer goes: False for the OS keychain where one is
    usable; else True, the encrypted file, unlocked here (the passphrase asked for)."""
    if keychain.os_keychain() is not None:
        return False
    if not _unlocked():
        keychain.unlock_file((passphrase or env_passphrase)())
    return True
