"""What ``syncdesk --self-test`` checks below the window (app/commands/self_test.py):
the store through its migrations, the demo company's sandbox and one sync, the
encrypted file keyring, and which OS keychain this SyncDesk found.

Each check works in a folder it is given (a temporary one) and returns a few words for
the self-test's line, or raises ``SelfTestFailed`` with the reason.
"""

from __future__ import annotations

from pathlib import Path

from app.domain.states import SyncState
from app.qbo.keychain import backend_words


class SelfTestFailed(Exception):
    """One check did not work; its text says why."""


def check_core(folder: Path) -> str:
    """A store through the migrations, the demo company, its sandbox, one sync."""
    from app.services.demo import open_demo
    from app.store.database import current_revision, head_revision, make_engine

    demo = open_demo(str(folder / "self-test.db"))
    try:
        engine = make_engine(demo.services.location)
        try:
            revision = current_revision(engine)
        finally:
            engine.dispose()
        if revision != head_revision():
            raise SelfTestFailed(f"the new store is at schema {revision}, not the latest "
                                 f"({head_revision()}): the migrations are incomplete")
        report = demo.services.sync.run()
        if report.stopped:
            raise SelfTestFailed(f"the sync stopped: {report.stopped}")
        synced = report.count(SyncState.SYNCED.value)
        if synced == 0:
            raise SelfTestFailed("the sync sent nothing to the sandbox")
        status = demo.services.sync.status()
        if status.count(SyncState.SYNCED) < synced:
            raise SelfTestFailed("the store does not remember what the sync sent")
    finally:
        demo.close()
    return f"store at revision {revision}, {synced} documents synced to the sandbox"


def check_encrypted_keyring(folder: Path) -> str:
    """The opt-in encrypted file keyring (Argon2 and AES, native code a bundle must
    carry): a secret kept in a file in ``folder`` and read back; the keychain in use
    before is put back."""
    import secrets

    import keyring

    from app.qbo import keychain

    before = keyring.get_keyring()
    try:
        keychain.use_encrypted_file(secrets.token_urlsafe(16), folder / "keyring.cfg")
        keyring.set_password("SyncDesk self-test", "check", "kept and read back")
        if keyring.get_password("SyncDesk self-test", "check") != "kept and read back":
            raise SelfTestFailed("the encrypted keyring did not give back what it kept")
    finally:
        keyring.set_keyring(before)
        keychain.forget_unlocked()
    return "encrypted file keyring works"


def keychain_words() -> str:
    """The OS keychain this SyncDesk uses (or the one it tried, and why not)."""
    return backend_words()
