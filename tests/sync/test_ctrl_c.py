"""Ctrl-C during ``syncdesk sync``: the first stops after the document in flight and says
what went and what is left; a second stops at once. Both exit 130.

The sync runs as its own process against the real sandbox, which holds each PO create
until the test lets it go: SIGINT arrives while a document is surely in flight.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.connection.service import ConnectRequest, connect
from app.operations.lookup import find_po
from app.qbo.oauth import follow_redirects
from tests.sync.conftest import make_po

ROOT = Path(__file__).resolve().parents[2]
NUMBERS = ["PO-1", "PO-2", "PO-3"]
WAIT = 60  # seconds: only a hung test ever waits this long


@pytest.fixture
def held(store, sandbox, db_path):
    """Three queued POs; every PO create waits in the sandbox until ``release`` is set."""
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    for number in NUMBERS:
        make_po(store, number=number)
    entered, release = threading.Event(), threading.Event()

    def hold(ctx):
        if ctx.method == "POST" and ctx.path == "purchaseorder":
            entered.set()
            release.wait(WAIT)
        return None

    sandbox.before_hooks.append(hold)
    yield entered, release
    release.set()


def start_sync(db: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "app", "--db", str(db), "sync"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def read_until(proc: subprocess.Popen[str], text: str) -> list[str]:
    seen = []
    assert proc.stderr is not None
    for line in proc.stderr:
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"{text!r} never came; stderr: {''.join(seen)}")


def states(store) -> dict[str, str]:
    with store.session() as s:
        return {n: find_po(s, n).sync_state for n in NUMBERS}


def test_first_ctrl_c_stops_after_the_document_in_flight(held, store, db_path):
    entered, release = held
    proc = start_sync(db_path)
    try:
        assert entered.wait(WAIT), "the first PO create never reached the sandbox"
        proc.send_signal(signal.SIGINT)
        read_until(proc, "Stopping after the document in flight")
        release.set()
        out, err = proc.communicate(timeout=WAIT)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "PO-1 created." in out.splitlines()
    assert ("Cancelled: 1 document sent before it stopped; 2 documents left queued for the "
            "next sync: PO-2, PO-3.") in out
    assert states(store) == {"PO-1": "synced", "PO-2": "queued", "PO-3": "queued"}


def test_second_ctrl_c_stops_at_once(held, store, db_path):
    entered, release = held
    proc = start_sync(db_path)
    try:
        assert entered.wait(WAIT), "the first PO create never reached the sandbox"
        proc.send_signal(signal.SIGINT)
        read_until(proc, "Stopping after the document in flight")
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=WAIT)
    finally:
        release.set()
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "syncdesk: stopped at once (Ctrl-C twice)" in err
    assert states(store)["PO-2"] == "queued" and states(store)["PO-3"] == "queued"
