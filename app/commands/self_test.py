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

from app.services.self_check import (
    SelfTestFailed,
    check_core,
    check_encrypted_keyring,
    keychain_words,
)

log = logging.getLogger("app.commands.self_test")

WINDOW_OPEN_MS = 300  # how long the window stays open before the self-test closes it
# Read by the window (ui/launch.py, ui/window.py), which app/ never imports.
EXIT_AFTER = "SYNCDESK_GUI_EXIT_AFTER"
SETTINGS_FILE = "SYNCDESK_SETTINGS_FILE"


def has_display() -> bool:
    """Whether a window can appear on a screen here (Linux needs X11 or Wayland)."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


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
    done.append(keychain_words())
    took = time.perf_counter() - started
    _say(f"self-test passed in {took:.1f} s: {'; '.join(done)}")
    return 0


def _say(line: str) -> None:
    """The result: on stdout, and in the log file (a windowed Windows program has no
    stdout; its exit code and the log tell)."""
    log.info("%s", line)
    if sys.stdout is not None:
        print(line, flush=True)
