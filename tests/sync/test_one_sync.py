"""One sync at a time on a store (issue 10): a lease in the store that a crash releases."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, insert
from sqlmodel import select

from app.connection.service import ConnectRequest, connect
from app.operations.lookup import find_po
from app.qbo.oauth import follow_redirects
from app.sandbox.server import SandboxServer
from app.store.database import open_store, resolve_db_url
from app.store.models import QboObject, SyncLockRow
from app.store.types import utcnow
from app.sync.lock import SyncBusy, SyncLock
from app.sync.pull import remember
from tests.sync.conftest import make_po
from tests.sync.test_demo_company import _expected_states

ROOT = Path(__file__).resolve().parents[2]
LOCKS = SyncLockRow.__table__


def _sync_process(db: Path | str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "app", "--db", str(db), "sync"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _hold(store, host: str, pid: int, expires_in: timedelta) -> None:
    now = utcnow()
    with store.engine.begin() as conn:
        conn.execute(insert(LOCKS).values(name="sync", token="someone-else", host=host,
                                          pid=pid, acquired_at=now - timedelta(minutes=1),
                                          expires_at=now + expires_in))


def _lock_rows(store) -> list:
    with store.engine.connect() as conn:
        return conn.execute(select(LOCKS)).all()


def _dead_pid() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


# --- in one process ------------------------------------------------------------------------
def test_a_second_sync_is_refused_while_one_runs(store, engine, client, backend):
    """On a team store (PostgreSQL) syncs run side by side (tests/sync/test_team_sync.py);
    what holds the store alone there (a restore, a re-link, a fix) refuses them."""
    make_po(store)
    running = SyncLock(store)  # exclusive: a sync of a SQLite store, or a restore
    running.acquire()
    try:
        engine.lock_wait = 0.3
        with pytest.raises(SyncBusy, match="a sync is already running on this store"
                           if backend == "sqlite" else "restoring, re-linking or fixing"):
            engine.run()
        with store.session() as s:
            assert find_po(s, "PO-1").sync_state == "queued"
        assert client.count("PurchaseOrder") == 0
    finally:
        running.release()
    assert [o.sync_state for o in engine.run().outcomes] == ["synced"]
    assert _lock_rows(store) == []  # given back at the end


def test_the_lock_of_a_sync_that_died_on_this_machine_is_taken_over(store, engine, client):
    make_po(store)
    _hold(store, socket.gethostname(), _dead_pid(), timedelta(hours=1))
    assert [o.sync_state for o in engine.run().outcomes] == ["synced"]
    assert _lock_rows(store) == []


def test_a_lease_that_ran_out_is_taken_over_and_a_live_one_is_not(store, engine, client):
    make_po(store)
    engine.lock_wait = 0.3
    _hold(store, "another-machine", 4242, timedelta(minutes=5))
    with pytest.raises(SyncBusy, match="process 4242 on another-machine"):
        engine.run()
    with store.engine.begin() as conn:
        conn.execute(LOCKS.update().values(expires_at=utcnow() - timedelta(seconds=1)))
    assert [o.sync_state for o in engine.run().outcomes] == ["synced"]


def test_the_lease_is_renewed_while_the_sync_runs(store):
    lock = SyncLock(store, lease=timedelta(seconds=0.4))
    lock.acquire()
    try:
        first = _lock_rows(store)[0].expires_at
        deadline = time.monotonic() + 30
        while _lock_rows(store)[0].expires_at == first and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _lock_rows(store)[0].expires_at > first
        assert not lock.lost.is_set()
    finally:
        lock.release()


def test_a_holder_whose_lease_was_taken_over_knows_it(store):
    slow = SyncLock(store, lease=timedelta(seconds=30))
    slow.acquire()
    try:
        with store.engine.begin() as conn:  # its lease ran out and another sync took over
            conn.execute(LOCKS.update().values(token="the-new-holder"))
        assert slow.renew() is False and slow.lost.is_set()
    finally:
        slow.release()
    assert [r.token for r in _lock_rows(store)] == ["the-new-holder"]


def test_the_mirror_takes_a_row_another_writer_stored_first(store):
    """Team mode: two writers may store the same QuickBooks record; neither may crash."""
    vendor = {"Id": "58", "DisplayName": "Acme Supply", "Active": True, "SyncToken": "0"}
    raced: list[str] = []

    def another_writer(conn, cursor, statement, params, context, executemany):
        # Just before this writer's row goes in, another one stores the same record.
        if statement.startswith("INSERT INTO qbo_object") and not raced:
            raced.append(statement)
            with store.session() as theirs:
                theirs.add(QboObject(entity="Vendor", qbo_id="58", data=vendor))

    event.listen(store.engine, "before_cursor_execute", another_writer)
    try:
        with store.session() as mine:
            remember(mine, "Vendor", {**vendor, "SyncToken": "1"})
    finally:
        event.remove(store.engine, "before_cursor_execute", another_writer)
    assert raced
    with store.session() as s:
        [row] = s.exec(select(QboObject)).all()
        assert (row.qbo_id, row.data["SyncToken"]) == ("58", "1")


# --- syncdesk processes --------------------------------------------------------------------
@pytest.mark.slow
def test_a_killed_sync_does_not_keep_the_store_locked(store, sandbox, client, db_path):
    def slow_writes(ctx):
        if ctx.method == "POST" and ctx.path == "purchaseorder":
            time.sleep(0.3)
        return None

    sandbox.before_hooks.append(slow_writes)
    for n in range(1, 7):
        make_po(store, number=f"PO-{n}")
    proc = _sync_process(db_path)
    deadline = time.monotonic() + 120
    while not _lock_rows(store) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the sync must still be running when it is killed"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert [r.pid for r in _lock_rows(store)] == [proc.pid]  # it never gave the lock back
    again = _sync_process(db_path)
    _, err = again.communicate(timeout=180)
    assert again.returncode == 0, err
    assert "already running" not in err
    with store.session() as s:
        assert {find_po(s, f"PO-{n}").sync_state for n in range(1, 7)} == {"synced"}
    assert sorted(po["DocNumber"] for po in client.query_all("PurchaseOrder")) == [
        f"PO-{n}" for n in range(1, 7)]
    assert _lock_rows(store) == []


@pytest.mark.slow
@pytest.mark.parametrize("runs", [2, 3])
def test_syncs_started_together_end_like_one_sync(demo_db, cli, runs):
    with SandboxServer(seed="demo", throttle="off") as sandbox:
        db = demo_db
        store = open_store(resolve_db_url(str(db)))
        try:
            connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects,
                    timeout=10)
        finally:
            store.close()
        procs = []
        for _ in range(runs):
            procs.append(_sync_process(db))
            time.sleep(0.1)
        results = [(p.returncode, out, err) for p in procs
                   for out, err in [p.communicate(timeout=600)]]
        for code, _out, err in results:
            assert "Traceback" not in err and "IntegrityError" not in err, err
            assert code == 0 or (code == 1 and "a sync is already running" in err), err
        assert any(code == 0 for code, _, _ in results)
        _expected_states(cli, db)  # every document exactly where one sync leaves it
        with sandbox.company.lock:
            for entity in ("PurchaseOrder", "Bill"):
                notes = [o.get("PrivateNote", "") for o in sandbox.company.all(entity)
                         if str(o.get("PrivateNote", "")).startswith("SyncDesk ")]
                assert notes and len(notes) == len(set(notes)), entity  # nothing twice
            active = [v["DisplayName"] for v in sandbox.company.all("Vendor") if v["Active"]]
            assert len(active) == len(set(active))
        last = cli("--db", db, "sync")
        assert last.code == 0 and "Nothing to send." in last.out, last.out + last.err
