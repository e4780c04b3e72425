"""Team mode (issue 17): syncs of one PostgreSQL store run side by side, each document
sent once, a dead sync's documents finished by another (engines in this process; the
``syncdesk`` processes are in tests/sync/test_team_processes.py)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from app.connection.service import ConnectRequest, connect, open_client
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.store.lock import SyncBusy, SyncLock
from app.store.models import PurchaseOrder, Supplier, SyncClaimRow
from app.store.types import utcnow
from app.sync.engine import SyncEngine
from tests.qbo.conftest import FAST
from tests.sync.conftest import make_po
from tests.sync.test_batch_push import in_quickbooks, requests_seen, states

CLAIMS = SyncClaimRow.__table__


@pytest.fixture
def backend() -> str:
    """Team stores are PostgreSQL stores: these tests run there only."""
    return "postgresql"


def _claim(store, key: str, host: str, pid: int, expires_in: timedelta) -> None:
    now = utcnow()
    with store.engine.begin() as conn:
        conn.execute(insert(CLAIMS).values(key=key, token="another-sync", host=host, pid=pid,
                                           claimed_at=now, expires_at=now + expires_in))


def _claims(store) -> list:
    with store.engine.connect() as conn:
        return conn.execute(select(CLAIMS)).all()


def _po_id(store, number: str) -> int:
    from app.operations.lookup import find_po

    with store.session() as s:
        return find_po(s, number).id


def _dead_pid() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


def test_two_syncs_at_once_send_each_document_once_and_share_the_work(store, sandbox,
                                                                       client):
    with store.session() as s:
        s.add(Supplier(name="Zed Tools"))  # new to QuickBooks: one vendor, made once
    for n in range(1, 91):
        make_po(store, number=f"PO-{n:03d}", supplier="Zed Tools" if n % 3 else "Acme Supply")

    def slow_writes(ctx):  # each request takes a moment: the two runs overlap
        if ctx.method == "POST" and ctx.path.lower() in ("batch", "vendor"):
            time.sleep(0.2)
        return None

    sandbox.before_hooks.append(slow_writes)
    seen = requests_seen(sandbox)
    engines = [SyncEngine(store, client, actor="ann"),
               SyncEngine(store, open_client(store, Limits(), FAST), actor="bob")]
    reports: list = [None, None]
    start = threading.Barrier(2)

    def run(n: int) -> None:
        start.wait()
        reports[n] = engines[n].run()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert all(r is not None and r.stopped is None for r in reports)
    assert Counter(in_quickbooks(client)) == Counter(f"PO-{n:03d}" for n in range(1, 91))
    assert {state for state, _ in states(store).values()} == {"synced"}
    sent = [sum(1 for o in r.outcomes if o.action in ("create", "adopt")) for r in reports]
    assert sum(sent) == 90 and min(sent) > 0, sent  # each did part of the work, none twice
    vendors = [v["DisplayName"] for v in client.query_all("Vendor")]
    assert sorted(vendors) == ["Acme Supply", "Zed Tools"]
    assert seen["vendor"] == 2  # the second sync waited for the vendor, never asked again
    assert _claims(store) == []


def test_a_document_another_live_sync_holds_is_left_to_it_and_said_so(store, engine, client):
    make_po(store, number="PO-1")
    make_po(store, number="PO-2")
    _claim(store, f"po:{_po_id(store, 'PO-1')}", "another-machine", 4242,
           timedelta(minutes=5))
    seen: list[tuple[int, int]] = []
    engine.on_progress = lambda p: seen.append((p.done, p.total))
    report = engine.run()
    assert [(o.number, o.sync_state) for o in report.outcomes] == [("PO-2", "synced")]
    assert seen[-1] == (2, 2)  # the one left to the other sync counts as done
    assert report.elsewhere == ["PO-1"]
    assert report.elsewhere_words() == ("1 document was being sent by another SyncDesk, so "
                                        "this sync left it to it: PO-1.")
    assert states(store)["PO-1"] == ("queued", None)
    assert report.to_json()["elsewhere"] == ["PO-1"]
    with store.engine.begin() as conn:  # the other sync is done with it
        conn.execute(CLAIMS.delete())
    assert [o.number for o in engine.run().outcomes] == ["PO-1"]
    assert in_quickbooks(client) == ["PO-1", "PO-2"]



def test_the_command_line_says_what_was_left_to_another_syncdesk(store, client, cli, db_path):
    make_po(store, number="PO-1")
    _claim(store, f"po:{_po_id(store, 'PO-1')}", "another-machine", 4242,
           timedelta(minutes=5))
    done = cli("--db", db_path, "sync")
    assert done.code == 0, done.err
    assert "Nothing to send." not in done.out
    assert "1 document was being sent by another SyncDesk, so this sync left it to it: " \
        "PO-1." in done.out
    as_json = cli("--db", db_path, "sync", "--json")
    assert json.loads(as_json.out)["elsewhere"] == ["PO-1"]

def test_a_document_sent_meanwhile_by_another_sync_is_not_sent_again(store, engine, client,
                                                                     sandbox):
    """The run listed PO-2 as due; by the time it claims it, another sync has sent it."""
    make_po(store, number="PO-1")
    make_po(store, number="PO-2")
    other = SyncEngine(store, open_client(store, Limits(), FAST), actor="bob")
    done: list = []

    def the_other_sync_goes_first(ctx):
        # the run's first request (reading the lists) comes after it listed what is due
        if not done:
            done.append(None)
            done.append(other.run(pull=False, only=[_doc("PO-2", store)]))
        return None

    sandbox.before_hooks.append(the_other_sync_goes_first)
    report = engine.run(pull=False)
    assert [o.number for o in done[1].outcomes] == ["PO-2"]
    assert [o.number for o in report.outcomes] == ["PO-1"]
    assert report.done_elsewhere == ["PO-2"]
    assert "1 document was sent by another SyncDesk while this sync ran." in \
        report.elsewhere_words()
    assert in_quickbooks(client) == ["PO-1", "PO-2"]


def _doc(number: str, store):
    from app.domain.states import DocKind

    return (DocKind.PO, _po_id(store, number))


@pytest.mark.parametrize("holder", ["lease ran out", "process gone"])
def test_a_dead_syncs_document_is_taken_over_and_its_create_adopted(store, sandbox, client,
                                                                    holder):
    """A sync sent PO-1's create (QuickBooks made it, the answer was lost, and the look-up
    failed), then died holding its claim: the next sync takes the claim over and adopts
    what QuickBooks made; it never makes a second PO-1."""
    make_po(store, number="PO-1")
    sandbox.faults.add("lost", "purchaseorder", count=None)

    def look_ups_fail_once_made(ctx, response):
        if ctx.path.lower() == "purchaseorder":
            sandbox.faults.add("500", "query", count=None)
        return response

    sandbox.after_hooks.append(look_ups_fail_once_made)
    first = SyncEngine(store, client, actor="t").run()
    assert [o.sync_state for o in first.outcomes] == ["failed"]
    sandbox.faults.clear()
    sandbox.after_hooks.clear()
    assert in_quickbooks(client) == ["PO-1"]
    if holder == "lease ran out":
        _claim(store, f"po:{_po_id(store, 'PO-1')}", "another-machine", 4242,
               timedelta(seconds=-1))
    else:
        _claim(store, f"po:{_po_id(store, 'PO-1')}", socket.gethostname(), _dead_pid(),
               timedelta(hours=1))
    report = SyncEngine(store, client, actor="t").run()
    assert [(o.number, o.action, o.sync_state) for o in report.outcomes] == [
        ("PO-1", "adopt", "synced")]
    assert report.elsewhere == []
    assert in_quickbooks(client) == ["PO-1"]
    assert _claims(store) == []


def test_an_invoice_waits_while_another_sync_sends_its_po(store, engine):
    from tests.sync.conftest import bill_po

    make_po(store, number="PO-1")
    bill_po(store)
    _claim(store, f"po:{_po_id(store, 'PO-1')}", "another-machine", 4242,
           timedelta(minutes=5))
    report = engine.run()
    assert report.outcomes == [] and report.elsewhere == ["PO-1", "INV-1"]
    assert states(store)["INV-1"] == ("queued", None)  # not blocked: its PO is on its way


# --- what must never run beside a sync -----------------------------------------------------
def test_a_relink_is_refused_while_a_team_sync_runs(store, client, sandbox):
    running = SyncLock.for_sync(store)
    assert running.shared
    running.acquire()
    try:
        with pytest.raises(SyncBusy, match="a sync is already running on this store"):
            connect(store, ConnectRequest("local", sandbox.base_url, relink=True),
                    follow_redirects, timeout=10)
        beside = SyncLock.for_sync(store)  # another sync runs beside it
        beside.acquire(0)
        beside.release()
    finally:
        running.release()



# --- pulls beside pushes ----------------------------------------------------------------
def test_a_pull_that_read_a_po_before_another_sync_updated_it_flags_nothing(store, engine,
                                                                           client):
    """Sync B read PO-1 from QuickBooks; sync A then sent PO-1's edit. B applying what it
    read must not take A's own update for a change made in QuickBooks."""
    from app.operations import editing
    from app.operations.settings import set_setting
    from app.sync.pull import PullReport
    from app.sync.pull_documents import DocumentEffects

    make_po(store, number="PO-1")
    engine.run()
    with store.session() as s:
        qbo_id = s.get(PurchaseOrder, _po_id(store, "PO-1")).qbo_id
    read_by_b = client.read("PurchaseOrder", qbo_id)
    with store.session() as s:
        set_setting(s, "require_reapproval_after_edit", "off")
        editing.edit_po(s, "PO-1", [("memo", "Deliver to the back door")], "ann")
    assert [o.action for o in engine.run().outcomes] == ["update"]  # sync A
    with store.session() as s:
        token = s.get(PurchaseOrder, _po_id(store, "PO-1")).qbo_sync_token
        report = PullReport("cdc")
        DocumentEffects(s, "bob", utcnow(), report).apply("PurchaseOrder", [read_by_b])
    assert int(token) > int(read_by_b["SyncToken"])
    assert states(store)["PO-1"] == ("synced", None)
    with store.session() as s:
        po = s.get(PurchaseOrder, _po_id(store, "PO-1"))
        assert (po.qbo_sync_token, po.qbo_drift) == (token, None)
