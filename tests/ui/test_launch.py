"""Launching the window the ways people do: ``syncdesk gui --demo``, ``python -m app gui``,
``syncdesk`` alone (issue 12). Each in its own process, offscreen, closed after it opened."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import build_parser
from app.commands.gui import find_window, window_argv
from app.domain.states import DocKind
from app.services.opening import open_company

LAUNCH_TIMEOUT = 180  # s: a generous bound for a cold start on a busy machine


def gui_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "QT_QPA_PLATFORM": "offscreen",
        "SYNCDESK_GUI_EXIT_AFTER": "300",
        "SYNCDESK_DB": str(tmp_path / "default-store.db"),
        # QSettings, the log file and the data folder all inside the test's folder
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_STATE_HOME": str(tmp_path / "xdg-state"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    })
    return env


def syncdesk() -> str:
    return str(Path(sys.executable).with_name("syncdesk"))


def test_the_window_is_found_through_its_entry_point():
    assert find_window() is not None


@pytest.mark.parametrize(("words", "argv"), [
    (["gui"], []),
    (["gui", "--demo"], ["--demo"]),
    (["--db", "c.db", "gui", "--demo"], ["--demo", "--db", "c.db"]),
    (["gui", "--db", "c.db"], ["--db", "c.db"]),
])
def test_gui_hands_its_own_arguments_to_the_window(words, argv):
    assert window_argv(build_parser().parse_args(words)) == argv


def test_syncdesk_gui_demo_opens_the_window_and_exits_when_it_closes(tmp_path, db_path):
    done = subprocess.run([syncdesk(), "gui", "--demo", "--db", str(db_path)],
                          env=gui_env(tmp_path), capture_output=True, text=True,
                          timeout=LAUNCH_TIMEOUT)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    with open_company(str(db_path), write=False) as services:  # the demo went there
        assert services.documents.count(DocKind.PO) > 0
    assert not (tmp_path / "default-store.db").exists()  # the demo never touches it


def test_python_m_app_gui_opens_the_window(tmp_path):
    done = subprocess.run([sys.executable, "-m", "app", "gui", "--demo"],
                          env=gui_env(tmp_path), capture_output=True, text=True,
                          timeout=LAUNCH_TIMEOUT)
    assert done.returncode == 0, done.stderr


def test_syncdesk_alone_opens_the_window_on_a_first_run(tmp_path):
    done = subprocess.run([syncdesk()], env=gui_env(tmp_path), capture_output=True,
                          text=True, timeout=LAUNCH_TIMEOUT)
    assert done.returncode == 0, done.stderr
    assert "name a command" not in done.stderr
    assert not (tmp_path / "default-store.db").exists()  # the first run only offers


def test_a_demo_into_a_full_store_is_refused_in_words(tmp_path, demo_db):
    done = subprocess.run([syncdesk(), "gui", "--demo", "--db", str(demo_db)],
                          env=gui_env(tmp_path), capture_output=True, text=True,
                          timeout=LAUNCH_TIMEOUT)
    assert done.returncode == 1
    assert "already holds documents" in done.stderr and "Traceback" not in done.stderr


def test_a_damaged_store_opens_the_window_on_its_page_and_says_so_on_stderr(tmp_path):
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"\x00\x13not a database, a half-copied file " * 200)
    before = damaged.read_bytes()
    done = subprocess.run([syncdesk(), "--db", str(damaged), "gui"], env=gui_env(tmp_path),
                          capture_output=True, text=True, timeout=LAUNCH_TIMEOUT)
    assert done.returncode == 0, done.stderr  # the window opened, then closed
    assert f"syncdesk: {damaged} is not a SyncDesk store" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert damaged.read_bytes() == before
    logs = list((tmp_path / "xdg-state").rglob("syncdesk.log"))
    assert logs and "Traceback" in logs[0].read_text(encoding="utf-8")
