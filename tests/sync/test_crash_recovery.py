"""Killing the sync at random points never duplicates a document or loses an edit."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select

from app.operations import editing
from app.operations.settings import set_setting
from app.store.models import PurchaseOrder, SyncLogEntry
from tests.sync.conftest import make_po, marker

ROOT = Path(__file__).resolve().parents[2]
POS = 24


def start_sync(db: Path, stderr: int = subprocess.DEVNULL,
               batch_from: str | None = None) -> subprocess.Popen[str]:
    """``syncdesk sync`` in a process of its own (``batch_from``: $SYNCDESK_BATCH_FROM)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if batch_from is not None:
        env["SYNCDESK_BATCH_FROM"] = batch_from
    return subprocess.Popen([sys.executable, "-m", "app", "--db", str(db), "sync"],
                            stdout=subprocess.DEVNULL, stderr=stderr, text=True, env=env)


@pytest.mark.slow
def test_killed_syncs_leave_each_document_in_quickbooks_exactly_once(store, sandbox, client,
                                                                     db_path):
    """One create a document (batches off: tests/sync/test_batch_push.py kills those)."""
    rng = random.Random(7)
    # Every create and update takes a moment, so kills land while requests are in flight,
    # including after QuickBooks has done the work but before SyncDesk has heard back.
    def slow_writes(ctx):
        if ctx.method == "POST" and ctx.path in ("purchaseorder", "vendor"):
            time.sleep(0.08)
        return None

    sandbox.before_hooks.append(slow_writes)
    with store.session() as s:
        set_setting(s, "require_reapproval_after_edit", "off")
    for n in range(1, POS + 1):
        make_po(store, number=f"PO-{n:03d}")
    # First a kill at the worst moment, for certain: QuickBooks has created the third PO,
    # and SyncDesk dies before the answer reaches it.
    victim: dict[str, int] = {"pid": 0, "creates": 0}

    def kill_after_third_create(ctx, response):
        if ctx.method == "POST" and ctx.path == "purchaseorder" and victim["pid"]:
            victim["creates"] += 1
            if victim["creates"] == 3:
                os.kill(victim["pid"], signal.SIGKILL)
        return response

    sandbox.after_hooks.append(kill_after_third_create)
    proc = start_sync(db_path, batch_from="off")
    victim["pid"] = proc.pid
    proc.wait(timeout=120)
    victim["pid"] = 0
    assert proc.returncode == -signal.SIGKILL
    assert sandbox.company is not None and client.count("PurchaseOrder") == 3

    edits: dict[str, str] = {}
    kills = 1
    for round_no in range(6):
        proc = start_sync(db_path, batch_from="off")
        time.sleep(rng.uniform(1.2, 2.6))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        # a bookkeeper edits a document between runs; the edit must survive
        number = f"PO-{rng.randint(1, POS):03d}"
        memo = f"edit {round_no}"
        with store.session() as s:
            editing.edit_po(s, number, [("memo", memo)], "ann")
        edits[number] = memo
    assert kills >= 3, "the test must really kill syncs mid-way"
    for _ in range(3):  # let it finish
        proc = start_sync(db_path, subprocess.PIPE, batch_from="off")
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err

    in_qbo = list(client.query_all("PurchaseOrder"))
    numbers = sorted(po["DocNumber"] for po in in_qbo)
    assert numbers == [f"PO-{n:03d}" for n in range(1, POS + 1)], "each PO exactly once"
    assert client.count("Vendor") == 1
    by_number = {po["DocNumber"]: po for po in in_qbo}
    with store.session() as s:
        rows = {po.number: po for po in s.exec(select(PurchaseOrder))}
    for number, memo in edits.items():
        assert rows[number].memo == memo
        assert by_number[number]["PrivateNote"] == f"{marker(store, number)} · {memo}"
    assert {po.sync_state for po in rows.values()} == {"synced"}
    assert all(rows[n].qbo_id == by_number[n]["Id"] for n in rows)
    with store.session() as s:
        operations = [e.operation for e in s.exec(select(SyncLogEntry))]
    assert operations.count("adopt") >= 1  # the PO created before the first kill
    assert operations.count("create") + operations.count("adopt") == POS


