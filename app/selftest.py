"""``syncdesk --self-test``: does this SyncDesk (a bundle above all) work end to end?

A bundle can lose what a source checkout has without noticing: the Alembic migrations
(data files), the sandbox, a keyring backend, a Qt plugin, the window's entry point. The
self-test uses each in the same executable: a temporary store created through the
migrations and filled with the demo company, the demo's QuickBooks served in-process,
one sync, the encrypted file keyring (a throwaway file), the OS keychain this SyncDesk
found (named, not used: it may be locked or absent), and the window opened on the demo
company (offscreen where there is no display) and closed again. It prints one line and
exits 0, or 1 with the step that failed and why; nothing outside a temporary folder is
touched (the window's remembered layout goes to a throwaway file too; the log still goes
to the usual log file).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from app.domain.states import SyncState
from app.qbo.keychain import backend_words

log = logging.getLogger("app.selftest")

WINDOW_OPEN_MS = 300  # how long the window stays open before the self-test closes it
# Read by the window (ui/launch.py, ui/window.py), which app/ never imports.
EXIT_AFTER = "SYNCDESK_GUI_EXIT_AFTER"
SETTINGS_FILE = "SYNCDESK_SETTINGS_FILE"


class SelfTestFailed(Exception):
    """One step did not work; its text names the step and the reason."""


def has_display() -> bool:
    """Whether a window can appear on a screen here (Linux needs X11 or Wayland)."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


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


def check_window(folder: Path) -> str:
    """The window on the demo company, shown and closed again (``syncdesk gui --demo``)."""
    from app.commands.gui import find_window

    launcher = find_window()
    if launcher is None:
        raise SelfTestFailed("the window is not installed (no syncdesk.window entry point)")
    where = "on screen"
    if not has_display() and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        where = "offscreen"
    # The window remembers its layout: in a throwaway file here, never the user's own.
    own = {name: os.environ.get(name) for name in (EXIT_AFTER, SETTINGS_FILE)}
    os.environ[EXIT_AFTER] = str(WINDOW_OPEN_MS)
    os.environ[SETTINGS_FILE] = str(folder / "settings.ini")
    try:
        code = launcher(["--demo", "--db", str(folder / "window.db")])
    finally:
        for name, value in own.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    if code != 0:
        raise SelfTestFailed(f"the window closed with exit code {code}")
    return f"window opened {where}"


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


STEPS: tuple[tuple[str, Callable[[Path], str]], ...] = (
    ("store, sandbox and sync", check_core),
    ("encrypted keyring", check_encrypted_keyring),
    ("window", check_window),
)


def run_self_test(window: bool = True) -> int:
    """Run every step; print one line; 0 when all passed, else 1."""
    started = time.perf_counter()
    done: list[str] = []
    with tempfile.TemporaryDirectory(prefix="syncdesk-self-test-") as temporary:
        folder = Path(temporary)
        for name, step in STEPS:
            if name == "window" and not window:
                continue
            try:
                done.append(step(folder))
            except Exception as exc:  # any failure is the self-test's answer, not a crash
                log.error("self-test step %r failed", name, exc_info=exc)
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                _say(f"self-test FAILED at {name}: {reason}")
                return 1
    done.append(backend_words())
    took = time.perf_counter() - started
    _say(f"self-test passed in {took:.1f} s: {'; '.join(done)}")
    return 0


def _say(line: str) -> None:
    """The result: on stdout, and in the log file (a windowed Windows program has no
    stdout; its exit code and the log tell)."""
    log.info("%s", line)
    if sys.stdout is not None:
        print(line, flush=True)
