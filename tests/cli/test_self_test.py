"""``syncdesk --self-test`` (shared/DESIGN.md): a temporary store, the in-process sandbox,
one sync, the window offscreen without a display; one line; exit 0, or 1 with the step
that failed and why. The bundle runs the same code (build/bundle.py runs it there)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.commands import self_test as selftest
from app.commands.self_test import SelfTestFailed, run_self_test


@pytest.mark.slow
def test_the_self_test_passes_with_one_line(tmp_path: Path):
    """As a bundle runs it: a process of its own, no display, the user's folders elsewhere."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    done = subprocess.run([sys.executable, "-m", "app", "--self-test"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("self-test passed in ")
    assert "documents synced to the sandbox" in lines[0]
    assert "encrypted file keyring works" in lines[0]
    assert "window opened offscreen" in lines[0]
    assert "keychain" in lines[0]
    assert not list(tmp_path.glob("*.db"))  # its stores were temporary
    assert not (tmp_path / "config").exists()  # nor the window's layout: the user's is untouched
    assert "propagateSizeHints" not in done.stderr  # Qt's own words go to the log file


def test_a_failing_step_is_named_with_its_reason(capsys, monkeypatch):
    def window_fails(folder: Path) -> str:
        raise SelfTestFailed("the window closed with exit code 3")

    monkeypatch.setattr(selftest, "STEPS", (("window", window_fails),))
    assert run_self_test() == 1
    assert capsys.readouterr().out == \
        "self-test FAILED at window: the window closed with exit code 3\n"


def test_an_unexpected_error_is_reported_not_raised(capsys, monkeypatch):
    def store_breaks(folder: Path) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(selftest, "STEPS", (("store, sandbox and sync", store_breaks),))
    assert run_self_test() == 1
    assert capsys.readouterr().out == \
        "self-test FAILED at store, sandbox and sync: disk full\n"


def test_the_self_test_takes_no_command(cli):
    result = cli("--self-test", "status")
    assert result.code == 2 and "--self-test takes no command" in result.err


def test_the_version_is_pyprojects(cli):
    import tomllib

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    wanted = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    result = cli("--version")
    assert result.code == 0 and result.out == f"SyncDesk {wanted}\n"
