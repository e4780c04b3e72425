"""Team mode (issue 17), done when: two ``syncdesk sync`` processes on one company at once,
on a real PostgreSQL server, against a sandbox with QuickBooks' limits on, 1,000 approved
POs: QuickBooks ends with exactly 1,000 POs, no 429 reached the user, and when one
process is killed mid-run the other finishes its work."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import col, select

from app.store.models import PurchaseOrder, SyncClaimRow, SyncLockRow, SyncLogEntry
from tests.bulk import add_approved_documents

ROOT = Path(__file__).resolve().parents[2]
POS = 1000

pytestmark = pytest.mark.slow


@pytest.fixture
def backend() -> str:
    """Team stores are PostgreSQL stores: these tests run there only."""
    return "postgresql"


def start_sync(db: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "app", "--db", db, "sync", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def pos_in_quickbooks(sandbox) -> Counter[str]:
    with sandbox.company.lock:
        return Counter(po["DocNumber"] for po in sandbox.company.all("PurchaseOrder"))


def rows(store, model) -> list:
    with store.engine.connect() as conn:
        return conn.execute(select(model.__table__)).all()


def sent_once_each(store) -> None:
    """Every PO synced, its create (or adoption) logged once."""
    with store.session() as s:
        states = Counter(s.execute(select(PurchaseOrder.sync_state)).scalars().all())
        made = Counter(e.doc_number for e in s.exec(select(SyncLogEntry).where(
            col(SyncLogEntry.operation).in_(("create", "adopt")))))
    assert states == {"synced": POS}
    assert len(made) == POS and set(made.values()) == {1}


def throttled(report: dict) -> list[str]:
    return [d["number"] for d in report["documents"] if d["problem"] == "throttled"]


def test_two_syncs_at_once_make_each_po_once_and_share_the_work(store, sandbox, client,
                                                                db_path):
    assert sandbox.throttling.enabled  # QuickBooks' limits: 500/min, 10 at once, 40 batches
    add_approved_documents(store, POS, by="ann")
    procs = [start_sync(str(db_path)), start_sync(str(db_path))]
    results = [(p.returncode, out, err) for p in procs for out, err in [p.communicate(300)]]
    reports = []
    for code, out, err in results:
        assert code == 0 and "Traceback" not in err, err[-3000:]
        report = json.loads(out)
        assert report["stopped"] is None and throttled(report) == [], report["stopped"]
        reports.append(report)
    made = [sum(1 for d in r["documents"] if d["action"] in ("create", "adopt"))
            for r in reports]
    print(f"\nPOs made by each process: {made}; the sandbox's 429s: "
          f"{dict(sandbox.throttling.refused)}")
    assert sum(made) == POS and min(made) > 0, made  # both did work, nothing twice
    assert pos_in_quickbooks(sandbox) == Counter(f"PO-{n:05d}" for n in range(POS))
    with sandbox.company.lock:
        assert sorted(v["DisplayName"] for v in sandbox.company.all("Vendor")) == [
            "Acme Supply", "O'Brien & Sons"]
    sent_once_each(store)
    assert rows(store, SyncClaimRow) == [] and rows(store, SyncLockRow) == []


def test_one_sync_killed_mid_run_and_the_other_finishes_its_work(store, sandbox, client,
                                                                 db_path):
    add_approved_documents(store, POS, by="ann")
    procs = [start_sync(str(db_path)), start_sync(str(db_path))]
    victim = procs[0]
    killed: list[int] = []

    def kill_once_some_are_in(ctx, response):
        # Right after QuickBooks made a batch, once some 300 POs are in: the killed
        # process may have a batch in flight whose answer it never hears.
        if ctx.method == "POST" and ctx.path.lower() == "batch" and not killed and \
                len(sandbox.company.all("PurchaseOrder")) >= 300:
            killed.append(len(sandbox.company.all("PurchaseOrder")))
            os.kill(victim.pid, signal.SIGKILL)
        return response

    sandbox.after_hooks.append(kill_once_some_are_in)
    victim.communicate(timeout=300)  # reaped at once: its process is gone from this machine
    assert victim.returncode == -signal.SIGKILL and killed, "it must be killed mid-run"
    out, err = procs[1].communicate(timeout=300)
    assert procs[1].returncode == 0 and "Traceback" not in err, err[-3000:]
    report = json.loads(out)
    assert report["stopped"] is None and throttled(report) == []
    print(f"\nkilled at {killed[0]} POs in QuickBooks; the survivor made "
          f"{sum(1 for d in report['documents'] if d['action'] == 'create')} and adopted "
          f"{sum(1 for d in report['documents'] if d['action'] == 'adopt')}; the sandbox's "
          f"429s: {dict(sandbox.throttling.refused)}")
    assert report["elsewhere"] == []  # nothing left to the dead one
    assert pos_in_quickbooks(sandbox) == Counter(f"PO-{n:05d}" for n in range(POS))
    sent_once_each(store)
    assert rows(store, SyncClaimRow) == []  # none stuck claimed
    assert [r.pid for r in rows(store, SyncLockRow)] == [victim.pid]  # until the next taker
