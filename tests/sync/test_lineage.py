"""Whose object is it? SyncDesk's marker names the store's lineage, not only the document.

Issue 10, second round: two demo stores on one company share every document
number; a restored backup repeats what the store sent after the backup was
made. A store must recognise only what its own lineage created.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Response

from app.connection.service import ConnectRequest, connect, open_client
from app.domain.states import DocKind, PoStatus
from app.operations import editing, workflow_steps
from app.operations.company import ensure_default_accounts
from app.operations.lookup import find_invoice, find_po
from app.operations.settings import set_setting
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.qbo.transport import RetryPolicy
from app.sandbox.server import SandboxServer
from app.store.database import open_store, resolve_db_url
from app.store.identity import store_info
from app.store.lock import SyncLock
from app.store.models import Supplier
from app.sync import actions
from app.sync.engine import SyncEngine
from tests.qbo.conftest import (
    FAST,
    memory_keyring,  # noqa: F401  (autouse fixture)
)
from tests.sync.conftest import bill_po, make_po


def _connect(db: Path | str, sandbox: SandboxServer) -> None:
    opened = open_store(resolve_db_url(str(db)))
    try:
        connect(opened, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    finally:
        opened.close()


def _demo_store(cli, db: Path | str, sandbox: SandboxServer) -> None:
    assert cli("--db", db, "init", "--demo").code == 0
    _connect(db, sandbox)


def _sync(cli, db: Path | str, *args: str) -> dict:
    result = cli("--db", db, *args, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def _company(sandbox: SandboxServer) -> dict[str, dict[str, dict]]:
    """Every PurchaseOrder and Bill of the company by id, as QuickBooks holds it."""
    with sandbox.company.lock:
        return {entity: {o["Id"]: json.loads(json.dumps(o, default=str))
                         for o in sandbox.company.all(entity)}
                for entity in ("PurchaseOrder", "Bill")}


def _listing(cli, db: Path | str, kind: str) -> dict[str, dict]:
    result = cli("--db", db, "list", kind, "--json")
    assert result.code == 0, result.err
    return {row["number"]: row for row in json.loads(result.out)}


def _actions(report: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for doc in report["documents"]:
        counts[doc["action"]] = counts.get(doc["action"], 0) + 1
    return counts


@pytest.mark.slow
def test_a_second_demo_store_on_the_same_company_leaves_the_first_ones_books_alone(
        db_path, another_db_path, cli):
    with SandboxServer(seed="demo", throttle="off") as sandbox:
        a, c = db_path, another_db_path("c")
        _demo_store(cli, a, sandbox)
        _sync(cli, a, "sync")
        assert cli("--db", a, "edit", "invoice", "INV-2040", "--set", "memo=edit 6").code == 0
        _sync(cli, a, "sync")
        before = _company(sandbox)
        a_pos, a_bills = _listing(cli, a, "pos"), _listing(cli, a, "invoices")
        assert a_bills["INV-2040"]["sync_state"] == "synced"

        _demo_store(cli, c, sandbox)
        report = _sync(cli, c, "sync")
        assert "adopt" not in _actions(report), _actions(report)  # nothing of A's is C's
        again = _sync(cli, c, "resync-failures")
        assert "adopt" not in _actions(again)
        after = _company(sandbox)
        for entity, objects in before.items():  # A's objects are exactly as they were
            for qbo_id, obj in objects.items():
                assert after[entity][qbo_id] == obj, (entity, qbo_id)
        assert "edit 6" in after["Bill"][a_bills["INV-2040"]["qbo_id"]]["PrivateNote"]
        # C's documents are its own objects, linked to its own POs
        c_pos, c_bills = _listing(cli, c, "pos"), _listing(cli, c, "invoices")
        for number, row in c_pos.items():
            if row["qbo_id"]:
                assert row["qbo_id"] != a_pos[number]["qbo_id"], number
        for number, row in c_bills.items():
            if a_bills[number]["qbo_id"]:  # A's bill of that number and supplier is there
                # and the company warns about repeated bill numbers: C's is held back
                assert (row["qbo_id"], row["sync_state"], row["problem"]) == (
                    None, "blocked", "duplicate_bill_number"), number
        # and A's next sync finds nothing to do
        assert _sync(cli, a, "sync")["documents"] == []


def _marked_twice(sandbox: SandboxServer) -> dict[str, list[str]]:
    """SyncDesk notes that more than one PurchaseOrder or Bill carries (a duplicate)."""
    twice = {}
    with sandbox.company.lock:
        for entity in ("PurchaseOrder", "Bill"):
            notes = [str(o.get("PrivateNote", "")) for o in sandbox.company.all(entity)
                     if str(o.get("PrivateNote", "")).startswith("SyncDesk ")]
            twice[entity] = sorted({n for n in notes if notes.count(n) > 1})
    return twice


@pytest.mark.slow
def test_a_restored_backup_adopts_what_the_store_sent_after_the_backup(db_path, tmp_path,
                                                                       cli):
    with SandboxServer(seed="demo", throttle="off") as sandbox:
        db = db_path
        _demo_store(cli, db, sandbox)
        backup = tmp_path / "before-sync.db"
        assert cli("--db", db, "backup", backup).code == 0
        _sync(cli, db, "sync")
        synced_pos, synced_bills = _listing(cli, db, "pos"), _listing(cli, db, "invoices")
        counts = {e: len(objs) for e, objs in _company(sandbox).items()}

        assert cli("--db", db, "restore", backup).code == 0
        report = _sync(cli, db, "sync")
        assert "create" not in _actions(report), _actions(report)  # nothing twice
        assert {e: len(objs) for e, objs in _company(sandbox).items()} == counts
        assert _marked_twice(sandbox) == {"PurchaseOrder": [], "Bill": []}
        pos, bills = _listing(cli, db, "pos"), _listing(cli, db, "invoices")
        for before, after in ((synced_pos, pos), (synced_bills, bills)):
            for number, row in before.items():  # the same objects, in the same states
                assert (after[number]["qbo_id"], after[number]["sync_state"],
                        after[number]["problem"]) == (
                    row["qbo_id"], row["sync_state"], row["problem"]), number
        assert _sync(cli, db, "sync")["documents"] == []


# --- small stores ------------------------------------------------------------------------------
OTHER_REALM = "4620816365000000001"


def _new_store(path: Path | str):
    opened = open_store(resolve_db_url(str(path)))
    with opened.session() as session:
        ensure_default_accounts(session)
        session.add(Supplier(name="Acme Supply"))
        session.add(Supplier(name="O'Brien & Sons"))
    return opened


def _engine(store) -> SyncEngine:
    return SyncEngine(store, open_client(store, Limits(), FAST), actor="tester")


def _three(store) -> None:
    make_po(store)
    bill_po(store)
    make_po(store, number="PO-2", supplier="O'Brien & Sons")


def test_without_the_duplicate_warning_a_second_store_creates_its_own_bill(store, engine,
                                                                         client, sandbox,
                                                                         another_db_path):
    sandbox.set_preference("WarnDuplicateBillNumber", "false")
    _three(store)
    assert {o.sync_state for o in engine.run().outcomes} == {"synced"}
    with store.session() as s:
        mine = find_invoice(s, "INV-1").qbo_id
    before = client.read("Bill", mine)
    other = _new_store(another_db_path("other"))
    try:
        _three(other)  # the same numbers, references and suppliers
        connect(other, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
        report = _engine(other).run()
        assert [(o.number, o.action, o.sync_state) for o in report.outcomes] == [
            ("PO-1", "create", "synced"), ("PO-2", "create", "synced"),
            ("INV-1", "create", "synced")]
        with other.session() as s:
            theirs, their_po = find_invoice(s, "INV-1").qbo_id, find_po(s, "PO-1").qbo_id
    finally:
        other.close()
    assert theirs != mine
    assert client.read("Bill", mine) == before  # untouched
    links = {link["TxnId"] for line in client.read("Bill", theirs)["Line"]
             for link in line.get("LinkedTxn", [])}
    assert links == {their_po}


# --- W2: a company that holds other documents under the same ids ----------------------------
def test_a_reset_company_another_store_has_filled_is_refused(db_path, another_db_path, cli):
    with SandboxServer(seed="demo", throttle="off") as first:
        a = _new_store(db_path)
        try:
            connect(a, ConnectRequest("local", first.base_url), follow_redirects, timeout=10)
            _three(a)
            assert {o.sync_state for o in _engine(a).run().outcomes} == {"synced"}
            with a.session() as s:
                a_ids = (find_po(s, "PO-1").qbo_id, find_invoice(s, "INV-1").qbo_id)
        finally:
            a.close()
    # The company is reset (same id, same creation time) and another store fills it.
    with SandboxServer(seed="demo", throttle="off") as reset:
        b = _new_store(another_db_path("b"))
        try:
            connect(b, ConnectRequest("local", reset.base_url), follow_redirects, timeout=10)
            _three(b)
            assert {o.sync_state for o in _engine(b).run().outcomes} == {"synced"}
            with b.session() as s:  # under the very ids store A holds
                assert (find_po(s, "PO-1").qbo_id, find_invoice(s, "INV-1").qbo_id) == a_ids
        finally:
            b.close()
        result = cli("--db", db_path, "connect", "--env", "local", "--base-url",
                     reset.base_url)
        assert result.code == 1, result.out
        assert "--relink" in result.err and "are there any more" in result.err


def test_an_update_never_overwrites_a_record_that_holds_another_document(store, engine,
                                                                         client, sandbox):
    make_po(store)
    engine.run()
    with store.session() as s:
        qbo_id = find_po(s, "PO-1").qbo_id
    # The record now holds another store's document (as after a reset and refill).
    client.update("PurchaseOrder", qbo_id, lambda current: {
        **current, "DocNumber": "E-066", "PrivateNote": "SyncDesk E-066 ·0a1b2c"})
    theirs = client.read("PurchaseOrder", qbo_id)
    with store.session() as s:
        actions.resend(s, DocKind.PO, "PO-1", "ann")
    report = engine.run()
    assert [(o.number, o.sync_state, o.problem) for o in report.outcomes] == [
        ("PO-1", "failed", "deleted_in_qbo")]
    assert f"PurchaseOrder {qbo_id}" in report.outcomes[0].explanation
    assert "E-066" in report.outcomes[0].explanation
    assert client.read("PurchaseOrder", qbo_id) == theirs  # nothing written
    with store.session() as s:  # resend now creates it anew
        actions.resend(s, DocKind.PO, "PO-1", "ann")
    again = engine.run()
    assert [(o.number, o.action, o.sync_state) for o in again.outcomes] == [
        ("PO-1", "create", "synced")]
    assert client.read("PurchaseOrder", qbo_id) == theirs


# --- W3: closed POs and their bills -------------------------------------------------------
def _po_and_bill(client, store) -> tuple[dict, dict]:
    with store.session() as s:
        po_id, bill_id = find_po(s, "PO-1").qbo_id, find_invoice(s, "INV-1").qbo_id
        states = (find_po(s, "PO-1").sync_state, find_invoice(s, "INV-1").sync_state,
                  find_po(s, "PO-1").qbo_status)
    assert states == ("synced", "synced", "Closed")
    return client.read("PurchaseOrder", po_id), client.read("Bill", bill_id)


def _linked(po: dict, bill: dict) -> bool:
    return {link["TxnId"] for line in bill["Line"] for link in line.get("LinkedTxn", [])
            } == {po["Id"]}


def test_a_closed_po_with_invoices_goes_open_and_is_closed_after_its_bills(store, engine,
                                                                          client):
    make_po(store)
    bill_po(store)
    make_po(store, number="PO-2")
    with store.session() as s:
        for number in ("PO-1", "PO-2"):
            workflow_steps.change_po_status(s, number, "close", "ann")
        assert find_po(s, "PO-1").status == PoStatus.CLOSED.value
    report = engine.run()
    assert {(o.number, o.sync_state) for o in report.outcomes} == {
        ("PO-1", "synced"), ("PO-2", "synced"), ("INV-1", "synced")}
    po, bill = _po_and_bill(client, store)
    assert po["POStatus"] == "Closed" and _linked(po, bill)
    with store.session() as s:
        po2 = client.read("PurchaseOrder", find_po(s, "PO-2").qbo_id)
    assert po2["POStatus"] == "Closed"  # no bill to wait for: created closed
    assert engine.run().outcomes == []


def test_relink_sends_closed_pos_open_for_their_bills_then_closes_them(store, engine, client,
                                                                      cli, db_path):
    make_po(store)
    bill_po(store)
    engine.run()
    engine.run()  # the pull sees the PO closed by its bill in QuickBooks
    with store.session() as s:
        assert find_po(s, "PO-1").status == PoStatus.CLOSED.value
    with SandboxServer(seed="empty", realm_id=OTHER_REALM, throttle="off") as other:
        result = cli("--db", db_path, "connect", "--env", "local", "--base-url",
                     other.base_url, "--relink")
        assert result.code == 0, result.err
        other_client = open_client(store, Limits(), FAST)
        report = _engine(store).run()
        assert {(o.number, o.sync_state, o.problem) for o in report.outcomes} == {
            ("PO-1", "synced", None), ("INV-1", "synced", None)}
        po, bill = _po_and_bill(other_client, store)
        assert po["POStatus"] == "Closed" and _linked(po, bill)


# --- W4: relink and restore wait for no sync ------------------------------------------------
def test_relink_and_restore_are_refused_while_a_sync_runs(store, engine, client, sandbox, cli,
                                                         db_path, tmp_path):
    _three(store)
    engine.run()
    backup = tmp_path / "copy.db"
    assert cli("--db", db_path, "backup", backup).code == 0
    running = SyncLock(store)
    running.acquire()
    try:
        with SandboxServer(seed="empty", realm_id=OTHER_REALM, throttle="off") as other:
            result = cli("--db", db_path, "connect", "--env", "local", "--base-url",
                         other.base_url, "--relink")
        assert result.code == 1 and "a sync is already running" in result.err, result.err
        result = cli("--db", db_path, "restore", backup)
        assert result.code == 1 and "a sync is already running" in result.err, result.err
        # no copy of the store kept (a team store's goes to kept_copies_folder(), which
        # is in the test's folder too)
        assert not list(tmp_path.rglob("*.before-restore-*"))
        with store.session() as s:
            assert find_po(s, "PO-1").qbo_id and find_po(s, "PO-1").sync_state == "synced"
    finally:
        running.release()
    assert cli("--db", db_path, "restore", backup).code == 0  # once the sync is over


# --- M1: an answer that is not the document sent ---------------------------------------------
def test_a_create_answered_with_another_document_is_looked_up_not_sent_twice(store, engine,
                                                                            client, sandbox):
    make_po(store, number="PO-1")
    engine.run()
    with store.session() as s:
        po1 = client.read("PurchaseOrder", find_po(s, "PO-1").qbo_id)
    make_po(store, number="PO-2")

    def another_answer(ctx, response):  # QuickBooks did the work; the answer went astray
        if ctx.method == "POST" and ctx.path.lower() == "purchaseorder":
            return Response(json.dumps({"PurchaseOrder": po1}, default=str), 200,
                            mimetype="application/json")
        return response

    sandbox.after_hooks.append(another_answer)
    report = engine.run()
    sandbox.after_hooks.clear()
    assert [(o.number, o.action, o.sync_state) for o in report.outcomes] == [
        ("PO-2", "adopt", "synced")]
    assert sorted(p["DocNumber"] for p in client.query_all("PurchaseOrder")) == ["PO-1", "PO-2"]


# --- M3: a vendor whose answer was lost ------------------------------------------------------
def test_a_vendor_whose_create_answer_is_lost_is_found_and_used(store, sandbox, client):
    make_po(store)
    policy = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.05, throttle_wait=0.2,
                         timeout=5)
    engine = SyncEngine(store, open_client(store, Limits(), policy), actor="tester")
    sandbox.faults.add("lost", route="POST/vendor", count=2)
    report = engine.run()
    assert sandbox.faults.count("lost") == 2
    assert [(o.number, o.sync_state) for o in report.outcomes] == [("PO-1", "synced")]
    vendors = [v for v in client.query_all("Vendor") if v["DisplayName"] == "Acme Supply"]
    assert len(vendors) == 1
    [po] = client.query_all("PurchaseOrder")
    assert po["VendorRef"]["value"] == vendors[0]["Id"]


# --- stores upgraded from bare markers ----------------------------------------------------
def _legacy(store, requests: list[str] | None = None) -> None:
    with store.session() as s:
        info = store_info(s)
        info.legacy_markers, info.legacy_requests = True, requests
        s.add(info)


def _bare(client, qbo_id: str, number: str) -> None:
    """The record as a SyncDesk before lineages wrote it (no memo, as the store has it)."""
    client.update("PurchaseOrder", qbo_id, lambda current: {
        **current, "PrivateNote": f"SyncDesk {number}"})


def test_an_upgraded_store_updates_its_own_objects_that_carry_the_bare_marker(store, engine,
                                                                             client):
    with store.session() as s:
        set_setting(s, "require_reapproval_after_edit", "off")
    make_po(store)
    engine.run()
    with store.session() as s:
        qbo_id = find_po(s, "PO-1").qbo_id
    _bare(client, qbo_id, "PO-1")
    engine.run()  # QuickBooks' side is read
    _legacy(store)
    with store.session() as s:
        editing.edit_po(s, "PO-1", [("memo", "rush")], "ann")
    report = engine.run()
    assert [(o.number, o.action, o.sync_state) for o in report.outcomes] == [
        ("PO-1", "update", "synced")]
    with store.session() as s:
        lineage = store_info(s).lineage
    assert client.read("PurchaseOrder", qbo_id)["PrivateNote"] == f"SyncDesk PO-1 ·{lineage} · rush"


@pytest.mark.parametrize("in_flight_at_upgrade", [True, False])
def test_a_bare_marker_is_adopted_only_for_a_create_in_flight_at_the_upgrade(
        store, engine, client, in_flight_at_upgrade):
    make_po(store, number="PO-1")
    engine.run()
    with store.session() as s:
        po1 = find_po(s, "PO-1")
    # PO-3 went out with the bare marker before the upgrade; the answer was lost.
    sent = client.read("PurchaseOrder", po1.qbo_id)
    body = {k: v for k, v in sent.items() if k in ("VendorRef", "TxnDate", "Line", "APAccountRef")}
    for line in body["Line"]:
        line.pop("Id", None)
    made = client.create("PurchaseOrder", {**body, "DocNumber": "PO-3",
                                           "PrivateNote": "SyncDesk PO-3"}, request_id="old-1")
    make_po(store, number="PO-3")
    with store.session() as s:
        find_po(s, "PO-3").pending_request_id = "sd-po-3-r1-a0"
    if in_flight_at_upgrade:
        _legacy(store, ["sd-po-3-r1-a0"])
    report = engine.run()
    [outcome] = report.outcomes
    if in_flight_at_upgrade:
        assert (outcome.action, outcome.qbo_id) == ("adopt", made["Id"])
    else:  # another (older) store's PO-3: not this store's to take
        assert outcome.action == "create" and outcome.qbo_id != made["Id"]
