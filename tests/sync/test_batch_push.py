"""New documents go to QuickBooks in batches of up to 30 (issue "Sync at scale"), exactly
once: a lost batch answer, a batch push killed mid-flight and a bad document in a batch
all end as a clean push does."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from app.connection.service import ConnectRequest, connect, open_client
from app.operations import editing
from app.operations.company import ensure_default_accounts
from app.operations.fields import LineValues
from app.operations.lookup import account_by_name
from app.operations.settings import set_setting
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.sandbox.server import SandboxServer
from app.store.database import open_store
from app.store.models import Invoice, PurchaseOrder, Supplier, SyncLogEntry
from app.sync.batching import BATCH_FROM
from app.sync.engine import SyncEngine
from tests.qbo.conftest import FAST
from tests.sync.conftest import bill_po, make_po
from tests.sync.test_crash_recovery import start_sync


def requests_seen(sandbox: SandboxServer) -> Counter[str]:
    """A running count of the company's writes by route ("batch", "purchaseorder", …)."""
    seen: Counter[str] = Counter()

    def count(ctx):
        if ctx.method == "POST" and ctx.path != "query":
            seen[ctx.path.lower()] += 1
        return None

    sandbox.before_hooks.append(count)
    return seen


def company(store, pos: int, bills: int) -> None:
    """``pos`` approved POs (two suppliers) and ``bills`` invoices billing the first ones
    in full."""
    for n in range(1, pos + 1):
        make_po(store, number=f"PO-{n:03d}",
                supplier="Acme Supply" if n % 2 else "O'Brien & Sons")
    for n in range(1, bills + 1):
        bill_po(store, po_number=f"PO-{n:03d}", number=f"INV-{n:03d}", reference=f"B-{n:03d}")


def states(store) -> dict[str, tuple[str, str | None]]:
    """Each document's sync state and problem, by number."""
    with store.session() as s:
        rows = [*s.exec(select(PurchaseOrder)), *s.exec(select(Invoice))]
    return {row.number: (row.sync_state, row.problem) for row in rows}


def in_quickbooks(client) -> list[str]:
    """QuickBooks' POs and bills by number: a number twice is a duplicate."""
    return sorted([po["DocNumber"] for po in client.query_all("PurchaseOrder")]
                  + [bill["DocNumber"] for bill in client.query_all("Bill")])


def test_new_documents_go_in_batches_of_30_linked_to_their_pos(store, sandbox, client,
                                                               engine):
    company(store, pos=45, bills=35)
    seen = requests_seen(sandbox)
    report = engine.run()
    assert report.count("synced") == 80 and report.stopped is None
    # 45 POs: a batch of 30 and one of 15; 35 bills: 30 and 5. Two new vendors, one by one.
    assert seen == {"batch": 4, "vendor": 2}
    assert in_quickbooks(client) == sorted([f"PO-{n:03d}" for n in range(1, 46)]
                                           + [f"B-{n:03d}" for n in range(1, 36)])
    bills = {b["DocNumber"]: b for b in client.query_all("Bill")}
    pos = {p["DocNumber"]: p for p in client.query_all("PurchaseOrder")}
    for n in range(1, 36):  # each bill linked to its own PO, which it closed (billed in full)
        links = {link["TxnId"] for line in bills[f"B-{n:03d}"]["Line"]
                 for link in line.get("LinkedTxn", [])}
        assert links == {pos[f"PO-{n:03d}"]["Id"]}
    with store.session() as s:
        rows = {po.number: po for po in s.exec(select(PurchaseOrder))}
        log = list(s.exec(select(SyncLogEntry).where(SyncLogEntry.operation == "create")))
    assert {rows[f"PO-{n:03d}"].qbo_status for n in range(1, 36)} == {"Closed"}
    assert {rows[f"PO-{n:03d}"].qbo_status for n in range(36, 46)} == {"Open"}
    assert len(log) == 80 and all((e.detail or {}).get("sent", {}).get("batch") for e in log)


def test_fewer_than_ten_new_documents_go_one_by_one(store, sandbox, engine):
    company(store, pos=BATCH_FROM - 1, bills=0)
    seen = requests_seen(sandbox)
    assert engine.run().count("synced") == BATCH_FROM - 1
    assert seen["batch"] == 0 and seen["purchaseorder"] == BATCH_FROM - 1


def test_one_bad_document_never_fails_its_batch(store, sandbox, client, engine):
    """QuickBooks refuses one PO of the batch (its account went inactive there after the
    lists were read): that PO fails with its own problem, the other eleven are synced."""
    with store.session() as s:
        utilities = account_by_name(s, "Utilities")
    assert utilities is not None
    client.create("Account", {"Name": "Utilities", "AccountType": "Expense"},
                  request_id="test-utilities")  # active in QuickBooks when the sync reads
    company(store, pos=12, bills=0)
    make_po(store, number="PO-BAD", lines=[LineValues(description="Power",
                                                      account_id=utilities.id,
                                                      amount=Decimal("12.00"))])

    def utilities_goes_inactive(ctx):
        if ctx.path.lower() == "batch" and sandbox.company is not None:
            for account in sandbox.company.all("Account"):
                if account.get("Name") == "Utilities":
                    account["Active"] = False
        return None

    seen = requests_seen(sandbox)
    sandbox.before_hooks.append(utilities_goes_inactive)
    report = engine.run()
    assert seen["batch"] == 1
    assert report.count("synced") == 12
    bad = next(o for o in report.outcomes if o.number == "PO-BAD")
    assert bad.sync_state == "failed" and bad.problem is not None, bad
    assert "PO-BAD" not in in_quickbooks(client)
    assert states(store)["PO-BAD"][0] == "failed"


def fresh_company(tmp_path: Path, name: str):
    """Another store connected to a sandbox of its own: (store, sandbox, client)."""
    store = open_store(f"sqlite:///{tmp_path / name}.db")
    with store.session() as s:
        ensure_default_accounts(s)
        s.add(Supplier(name="Acme Supply"))
        s.add(Supplier(name="O'Brien & Sons"))
    server = SandboxServer(seed="empty").start()
    connect(store, ConnectRequest("local", server.base_url), follow_redirects, timeout=10)
    return store, server, open_client(store, Limits(), FAST)


@pytest.mark.slow
def test_lost_batch_answers_and_a_killed_push_leave_each_document_once(store, sandbox, client,
                                                                       db_path, tmp_path):
    """30 % of batch answers lost after QuickBooks acted, and the push killed (SIGKILL)
    right after QuickBooks made the second batch: after the next syncs every document is
    in QuickBooks exactly once, with the outcome a clean push gives."""
    pos, bills = 70, 40
    clean_store, clean_sandbox, clean_client = fresh_company(tmp_path, "clean")
    try:
        company(clean_store, pos, bills)
        SyncEngine(clean_store, clean_client, actor="tester").run()
        clean = states(clean_store)
        assert {state for state, _ in clean.values()} == {"synced"}
        clean_numbers = in_quickbooks(clean_client)
    finally:
        clean_store.close()
        clean_sandbox.stop()

    company(store, pos, bills)
    sandbox.faults.add("lost", route="batch", count=None, probability=0.3)
    victim = {"pid": 0, "batches": 0}

    def kill_after_second_batch(ctx, response):
        if ctx.method == "POST" and ctx.path.lower() == "batch" and victim["pid"]:
            victim["batches"] += 1
            if victim["batches"] == 2:  # QuickBooks made it; SyncDesk never hears
                os.kill(victim["pid"], signal.SIGKILL)
        return response

    sandbox.after_hooks.append(kill_after_second_batch)
    proc = start_sync(db_path)
    victim["pid"] = proc.pid
    proc.wait(timeout=180)
    victim["pid"] = 0
    assert proc.returncode == -signal.SIGKILL, "the push must really be killed mid-flight"
    assert 30 <= len(in_quickbooks(client)) < pos + bills

    for _ in range(3):  # the next syncs finish the work (answers still lost at times)
        proc = start_sync(db_path, subprocess.PIPE)
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        if all(state == "synced" for state, _ in states(store).values()):
            break
    assert sandbox.faults.fired  # answers were really lost
    assert in_quickbooks(client) == clean_numbers, "each document exactly once"
    assert states(store) == clean
    with store.session() as s:
        operations = Counter(e.operation for e in s.exec(select(SyncLogEntry))
                             if e.operation in ("create", "adopt"))
    assert operations["create"] + operations["adopt"] == pos + bills
    assert operations["adopt"] >= 1  # what the killed push made was adopted, not made again


@pytest.mark.parametrize(("setting", "batches", "singles"), [("off", 0, 12), ("5", 1, 0),
                                                             ("", 1, 0), ("junk", 1, 0)])
def test_syncdesk_batch_from_sets_when_batches_are_used(store, sandbox, engine, monkeypatch,
                                                        setting, batches, singles):
    monkeypatch.setenv("SYNCDESK_BATCH_FROM", setting)
    company(store, pos=12, bills=0)
    seen = requests_seen(sandbox)
    assert engine.run().count("synced") == 12
    assert (seen["batch"], seen["purchaseorder"]) == (batches, singles)


def test_progress_moves_as_each_batch_lands(store, client):
    """The window's progress bar: the count of documents done grows by a batch at a time
    (30, then 45), never backwards, and ends at the total."""
    company(store, pos=45, bills=0)
    done: list[tuple[int, int]] = []
    SyncEngine(store, client, on_progress=lambda p: done.append((p.done, p.total))).run()
    counts = [d for d, total in done if total == 45]
    assert counts == sorted(counts) and {30, 45} <= set(counts) and counts[-1] == 45


# --- what a review found (each once made a document twice, stuck or wrongly worded) -------

def refuse(message: str, code: str):
    """A whole-request HTTP 400 Fault, as QuickBooks answers a request it refuses."""
    from flask import Response

    body = {"Fault": {"Error": [{"Message": message, "Detail": f"{message} : test",
                                 "code": code}], "type": "ValidationFault"}}
    return Response(json.dumps(body), status=400, mimetype="application/json")


@pytest.mark.parametrize(("batch_from", "route"), [("10", "batch"), ("off", "purchaseorder")])
def test_a_lost_create_then_an_edited_supplier_makes_no_second_po(store, sandbox, client,
                                                                  monkeypatch, batch_from,
                                                                  route):
    """The create's answer is lost (in a batch, or one by one) and the look-up fails too,
    so the POs stay in flight; the bookkeeper then moves PO-001 to another supplier. The
    next sync looks it up by what was sent (not by its new vendor), adopts it and updates
    it: one PO-001 in QuickBooks."""
    monkeypatch.setenv("SYNCDESK_BATCH_FROM", batch_from)
    company(store, pos=12, bills=0)
    sandbox.faults.add("lost", route, count=None)

    def look_ups_fail_once_made(ctx, response):
        if ctx.path.lower() == route:
            sandbox.faults.add("500", "query", count=None)
        return response

    sandbox.after_hooks.append(look_ups_fail_once_made)
    first = SyncEngine(store, client, actor="t").run()
    assert {o.sync_state for o in first.outcomes} == {"failed"}
    sandbox.faults.clear()
    sandbox.after_hooks.clear()
    with store.session() as s:
        set_setting(s, "require_reapproval_after_edit", "off")
        editing.edit_po(s, "PO-001", [("supplier", "O'Brien & Sons")], "ann")
    for _ in range(2):
        SyncEngine(store, client, actor="t").run()
    assert Counter(in_quickbooks(client))["PO-001"] == 1
    assert states(store)["PO-001"] == ("synced", None)
    po = next(p for p in client.query_all("PurchaseOrder") if p["DocNumber"] == "PO-001")
    obrien = next(v for v in client.query_all("Vendor") if v["DisplayName"] == "O'Brien & Sons")
    assert po["VendorRef"]["value"] == obrien["Id"]


def test_a_read_failing_after_the_batch_leaves_its_bills_to_be_adopted(store, sandbox, client,
                                                                       engine):
    """QuickBooks made the batch's bills, then fails every read: the run does not crash;
    the bills are unknown outcomes, adopted by the next sync, each once."""
    company(store, pos=12, bills=0)
    engine.run()
    for n in range(1, 13):
        bill_po(store, po_number=f"PO-{n:03d}", number=f"INV-{n:03d}", reference=f"B-{n:03d}")

    def reads_fail_once_made(ctx, response):
        if ctx.path.lower() == "batch":
            sandbox.faults.add("500", "query", count=None)
            sandbox.faults.add("500", "GET/bill", count=None)
        return response

    sandbox.after_hooks.append(reads_fail_once_made)
    report = SyncEngine(store, client, actor="t").run(pull=False)
    assert {o.sync_state for o in report.outcomes if o.kind == "invoice"} == {"failed"}
    sandbox.faults.clear()
    sandbox.after_hooks.clear()
    SyncEngine(store, client, actor="t").run()
    assert Counter(b["DocNumber"] for b in client.query_all("Bill")) == \
        Counter(f"B-{n:03d}" for n in range(1, 13))
    assert {states(store)[f"INV-{n:03d}"] for n in range(1, 13)} == {("synced", None)}


def test_one_lost_batch_does_not_stop_the_run(store, sandbox, client):
    """Every try of the first batch loses its answer (QuickBooks made it): its POs are
    found and adopted, and the run goes on to the bills."""
    company(store, pos=30, bills=12)
    sandbox.faults.add("lost", "batch", count=FAST.attempts)
    report = SyncEngine(store, client, actor="t").run()
    assert report.stopped is None
    assert report.count("synced") == 42
    assert Counter(o.action for o in report.outcomes if o.kind == "po") == {"adopt": 30}


def test_a_few_item_faults_among_successes_do_not_stop_the_run(store, sandbox, client):
    """Three items of a batch come back as QuickBooks system faults while the other 27 are
    made: QuickBooks works, so the run goes on; the three are looked up (QuickBooks made
    them after all here) and adopted."""
    company(store, pos=60, bills=0)
    first = {"done": False}

    def three_system_faults(ctx, response):
        if ctx.path.lower() == "batch" and not first["done"]:
            first["done"] = True
            data = json.loads(response.get_data())
            for index in (3, 13, 23):
                item = data["BatchItemResponse"][index]
                data["BatchItemResponse"][index] = {"bId": item["bId"], "Fault": {
                    "Error": [{"Message": "A system fault", "Detail": "try again",
                               "code": "10000"}], "type": "SystemFault"}}
            response.set_data(json.dumps(data))
        return response

    sandbox.after_hooks.append(three_system_faults)
    report = SyncEngine(store, client, actor="t").run()
    assert report.stopped is None and report.count("synced") == 60
    assert Counter(o.action for o in report.outcomes) == {"create": 57, "adopt": 3}


def test_a_bill_number_repeated_in_one_batch_is_blocked_as_one_by_one(store, sandbox, client,
                                                                       engine):
    """INV-003 repeats INV-001's bill number for the same supplier, where the company warns
    about repeats: it is blocked with the existing bill named, as one by one; INV-002 with
    that number for another supplier is made."""
    company(store, pos=12, bills=0)
    engine.run()
    for n in range(1, 13):
        reference = "B-001" if n in (1, 2, 3) else f"B-{n:03d}"
        bill_po(store, po_number=f"PO-{n:03d}", number=f"INV-{n:03d}", reference=reference)
    report = SyncEngine(store, client, actor="t").run()
    outcome = {o.number: o for o in report.outcomes}
    assert outcome["INV-003"].sync_state == "blocked"
    assert outcome["INV-003"].problem == "duplicate_bill_number"
    assert "already has bill B-001" in (outcome["INV-003"].explanation or "")
    assert {outcome[f"INV-{n:03d}"].sync_state for n in (1, 2, *range(4, 13))} == {"synced"}


def test_a_batch_refused_on_its_retry_is_looked_up_not_sent_again(store, sandbox, client):
    """The first try is made and its answer lost; QuickBooks refuses the retry as a whole.
    The POs of the first try are found and adopted: none is made twice."""
    company(store, pos=12, bills=0)
    sandbox.faults.add("lost", "batch", count=1)
    tries = {"n": 0}

    def refuse_the_retry(ctx):
        if ctx.path.lower() == "batch":
            tries["n"] += 1
            if tries["n"] == 2:
                return refuse("Duplicate Request ID", "600")
        return None

    sandbox.before_hooks.append(refuse_the_retry)
    report = SyncEngine(store, client, actor="t").run()
    assert Counter(in_quickbooks(client)) == Counter(f"PO-{n:03d}" for n in range(1, 13))
    assert report.count("synced") == 12


def test_a_batch_refused_at_its_first_try_goes_one_by_one(store, sandbox, client):
    company(store, pos=12, bills=0)
    seen = requests_seen(sandbox)
    refused = {"done": False}

    def refuse_once(ctx):
        if ctx.path.lower() == "batch" and not refused["done"]:
            refused["done"] = True
            return refuse("Batch size exceeds allowed limit", "1040")
        return None

    sandbox.before_hooks.append(refuse_once)
    report = SyncEngine(store, client, actor="t").run()
    assert report.count("synced") == 12 and seen["purchaseorder"] == 12
    assert Counter(in_quickbooks(client)) == Counter(f"PO-{n:03d}" for n in range(1, 13))
