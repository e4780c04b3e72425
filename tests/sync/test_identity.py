"""Whose answer is it? Request ids unique to each store, answers checked, one company per store.

Issue 10: a second store on the same QuickBooks company reused the first store's
request ids (built from local row ids) and took its answers for its own documents;
connecting a store to another company kept every document "Synced" there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Response
from sqlmodel import select

from app.connection.service import ConnectRequest, connect, connection, open_client
from app.domain.states import DocKind
from app.operations import editing
from app.operations.company import ensure_default_accounts
from app.operations.lookup import find_invoice, find_po, supplier_by_name
from app.operations.settings import set_setting
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.qbo.transport import RetryPolicy
from app.sandbox.server import SandboxServer
from app.store.database import Store, open_store, resolve_db_url
from app.store.identity import store_info
from app.store.models import QboObject, QboPull, Supplier, SyncLogEntry
from app.sync import actions
from app.sync.engine import SyncEngine
from tests.qbo.conftest import FAST
from tests.sync.conftest import bill_po, make_po


@pytest.fixture
def other_store(another_db_path: Callable[[str], Path | str]) -> Iterator[Store]:
    """A second store made the same way as ``store``: the same row ids for the same rows."""
    opened = open_store(resolve_db_url(str(another_db_path("second"))))
    with opened.session() as session:
        ensure_default_accounts(session)
        session.add(Supplier(name="Acme Supply"))
        session.add(Supplier(name="O'Brien & Sons"))
    yield opened
    opened.close()


def _po_numbers(client) -> dict[str, str]:
    return {po["DocNumber"]: po["Id"] for po in client.query_all("PurchaseOrder")}


# --- request ids and answers ---------------------------------------------------------------
def test_a_second_store_on_the_same_company_creates_its_own_documents(
        store, engine, client, sandbox, other_store):
    first_ids = [make_po(store, number=n) for n in ("PO-1001", "PO-1002")]
    assert {o.sync_state for o in engine.run().outcomes} == {"synced"}
    # A new store: a supplier and two POs, approved; the same row ids and revisions.
    second_ids = [make_po(other_store, number=n) for n in ("PO-9002", "PO-9301")]
    assert second_ids == first_ids
    connect(other_store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    report = SyncEngine(other_store, open_client(other_store, Limits(), FAST),
                        actor="tester").run()
    assert [(o.number, o.action, o.sync_state) for o in report.outcomes] == [
        ("PO-9002", "create", "synced"), ("PO-9301", "create", "synced")]
    in_qbo = _po_numbers(client)
    assert sorted(in_qbo) == ["PO-1001", "PO-1002", "PO-9002", "PO-9301"]
    for one, number in ((store, "PO-1001"), (other_store, "PO-9002"), (other_store, "PO-9301")):
        with one.session() as s:
            assert find_po(s, number).qbo_id == in_qbo[number], number
    with store.session() as s, other_store.session() as t:
        assert store_info(s).store_id != store_info(t).store_id


def test_request_ids_carry_the_store_id_and_are_never_reused(store, engine, client):
    make_po(store)
    engine.run()
    with store.session() as s:
        store_id = store_info(s).store_id
        sent = [e.detail["sent"]["request_id"] for e in s.exec(select(SyncLogEntry))
                if e.operation == "create"]
    assert len(sent) == 1 and sent[0].startswith(f"sd-{store_id}-po") and len(sent[0]) <= 50


def _answer_with(sandbox: SandboxServer, entity: str, obj: dict) -> None:
    """Every write of ``entity`` is answered with ``obj`` and does nothing (a foreign answer)."""

    def forge(ctx):
        if ctx.method == "POST" and ctx.path.lower() == entity.lower():
            return Response(json.dumps({entity: obj, "time": "2026-11-23T10:00:00.000-07:00"}),
                            mimetype="application/json")
        return None

    sandbox.before_hooks.append(forge)


def test_an_answer_that_is_not_the_document_sent_is_not_believed(store, engine, client,
                                                                 sandbox):
    make_po(store, number="PO-1")
    engine.run()
    make_po(store, number="PO-2")
    with store.session() as s:
        po1 = find_po(s, "PO-1")
    _answer_with(sandbox, "PurchaseOrder", sandbox.read("PurchaseOrder", po1.qbo_id))
    report = engine.run()
    assert [(o.number, o.sync_state, o.problem) for o in report.outcomes] == [
        ("PO-2", "failed", "answer_mismatch")]
    assert "another document" in report.outcomes[0].explanation
    with store.session() as s:
        po2 = find_po(s, "PO-2")
        assert po2.qbo_id is None and po2.sync_state == "failed"
        sent = [e.detail["sent"]["request_id"] for e in s.exec(select(SyncLogEntry))
                if e.doc_number == "PO-2" and (e.detail or {}).get("sent")]
        # The outcome is unknown: the next try looks first, then sends a new request id.
        assert po2.pending_request_id and po2.pending_request_id not in sent
    assert sorted(_po_numbers(client)) == ["PO-1"]
    sandbox.before_hooks.clear()
    with store.session() as s:
        actions.resend(s, DocKind.PO, "PO-2", "ann")
    again = engine.run()
    assert [(o.number, o.action, o.sync_state) for o in again.outcomes] == [
        ("PO-2", "create", "synced")]
    assert sorted(_po_numbers(client)) == ["PO-1", "PO-2"]


def test_an_update_answered_with_another_document_is_not_believed(store, engine, client,
                                                                  sandbox):
    with store.session() as s:
        set_setting(s, "require_reapproval_after_edit", "off")
    make_po(store, number="PO-1")
    make_po(store, number="PO-2")
    engine.run()
    with store.session() as s:
        editing.edit_po(s, "PO-1", [("memo", "rush")], "ann")
        po1, po2 = find_po(s, "PO-1"), find_po(s, "PO-2")
    _answer_with(sandbox, "PurchaseOrder", sandbox.read("PurchaseOrder", po2.qbo_id))
    report = engine.run()
    assert [(o.number, o.sync_state, o.problem) for o in report.outcomes] == [
        ("PO-1", "failed", "answer_mismatch")]
    with store.session() as s:
        assert find_po(s, "PO-1").qbo_id == po1.qbo_id  # still linked to its own PO


def test_a_create_whose_answer_is_lost_twice_is_adopted_in_the_same_run(store, sandbox,
                                                                        client):
    make_po(store)
    # The client gives up after two lost answers; QuickBooks created the PO all the same.
    policy = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.05, throttle_wait=0.2,
                         timeout=5)
    engine = SyncEngine(store, open_client(store, Limits(), policy), actor="tester")
    sandbox.faults.add("lost", route="POST/purchaseorder", count=2)
    report = engine.run()
    assert sandbox.faults.count("lost") == 2
    assert [(o.number, o.action, o.sync_state) for o in report.outcomes] == [
        ("PO-1", "adopt", "synced")]
    [qbo_id] = _po_numbers(client).values()
    with store.session() as s:
        po = find_po(s, "PO-1")
        assert (po.qbo_id, po.pending_request_id, po.problem) == (qbo_id, None, None)


def test_a_create_lost_for_good_stays_unknown_and_is_not_sent_twice(store, sandbox, client):
    """Dropped before QuickBooks did anything: the look-up finds nothing; the same request
    id goes next time, so nothing can be created twice."""
    make_po(store)
    policy = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.05, throttle_wait=0.2,
                         timeout=5)
    engine = SyncEngine(store, open_client(store, Limits(), policy), actor="tester")
    sandbox.faults.add("drop", route="POST/purchaseorder", count=2)
    report = engine.run()
    assert [(o.number, o.sync_state, o.problem) for o in report.outcomes] == [
        ("PO-1", "failed", "transport")]
    with store.session() as s:
        pending = find_po(s, "PO-1").pending_request_id
    assert pending and _po_numbers(client) == {}
    with store.session() as s:
        actions.resend(s, DocKind.PO, "PO-1", "ann")
    assert [o.sync_state for o in engine.run().outcomes] == ["synced"]
    assert list(_po_numbers(client)) == ["PO-1"]


def test_a_restored_store_gets_a_new_store_id(store, engine, client, cli, db_path, tmp_path):
    make_po(store)
    with store.session() as s:
        before = store_info(s).store_id
    backup = tmp_path / "copy.db"
    assert cli("--db", db_path, "backup", backup).code == 0
    assert cli("--db", db_path, "restore", backup).code == 0
    with store.session() as s:
        after = store_info(s).store_id
    assert after != before and len(after) == 8
    report = engine.run()
    assert [o.sync_state for o in report.outcomes] == ["synced"]


# --- one company per store -----------------------------------------------------------------
OTHER_REALM = "4620816365000000001"


def _synced_three(store, engine) -> None:
    make_po(store)
    bill_po(store)
    make_po(store, number="PO-2", supplier="O'Brien & Sons")
    assert {o.sync_state for o in engine.run().outcomes} == {"synced"}


def test_connecting_to_another_company_is_refused(store, engine, client, sandbox, cli, db_path):
    _synced_three(store, engine)
    with SandboxServer(seed="empty", realm_id=OTHER_REALM, throttle="off") as other:
        result = cli("--db", db_path, "connect", "--env", "local", "--base-url", other.base_url)
        assert result.code == 1
        assert sandbox.realm_id in result.err and OTHER_REALM in result.err
        assert "--relink" in result.err and "Traceback" not in result.err
        assert result.out == ""
    # Nothing changed: the old connection, the links and the states are all as they were.
    assert connection(store).realm_id == sandbox.realm_id
    with store.session() as s:
        assert find_po(s, "PO-1").sync_state == "synced" and find_po(s, "PO-1").qbo_id
    assert engine.run().outcomes == []


def test_relink_queues_everything_for_the_new_company(store, engine, client, sandbox, cli,
                                                      db_path):
    _synced_three(store, engine)
    with SandboxServer(seed="empty", realm_id=OTHER_REALM, throttle="off") as other:
        result = cli("--db", db_path, "connect", "--env", "local", "--base-url", other.base_url,
                     "--relink")
        assert result.code == 0, result.err
        assert "3 documents are queued" in result.out
        assert connection(store).realm_id == OTHER_REALM
        with store.session() as s:
            po, invoice = find_po(s, "PO-1"), find_invoice(s, "INV-1")
            assert (po.sync_state, po.qbo_id, invoice.sync_state, invoice.qbo_id) == (
                "queued", None, "queued", None)
            assert supplier_by_name(s, "Acme Supply").qbo_vendor_id is None
            assert s.exec(select(QboObject)).all() == [] and s.exec(select(QboPull)).all() == []
            assert store_info(s).realm_id == OTHER_REALM
        result = cli("--db", db_path, "sync")
        assert result.code == 0, result.err
        other_client = open_client(store, Limits(), FAST)
        pos = {p["DocNumber"]: p for p in other_client.query_all("PurchaseOrder")}
        [bill] = list(other_client.query_all("Bill"))
        assert sorted(pos) == ["PO-1", "PO-2"]
        links = {link["TxnId"] for line in bill["Line"] for link in line.get("LinkedTxn", [])}
        assert links == {pos["PO-1"]["Id"]}
        with store.session() as s:
            assert find_po(s, "PO-1").qbo_id == pos["PO-1"]["Id"]
            assert {find_po(s, n).sync_state for n in ("PO-1", "PO-2")} == {"synced"}
            assert find_invoice(s, "INV-1").sync_state == "synced"
        # and the store now refuses its old company
        result = cli("--db", db_path, "connect", "--env", "local", "--base-url",
                     sandbox.base_url)
        assert result.code == 1 and "--relink" in result.err


def test_a_reset_company_under_the_same_id_is_refused(store, engine, client, sandbox, cli,
                                                     db_path):
    _synced_three(store, engine)
    with SandboxServer(seed="empty", throttle="off") as reset:  # the same realm id, empty
        assert reset.realm_id == sandbox.realm_id
        result = cli("--db", db_path, "connect", "--env", "local", "--base-url", reset.base_url)
        assert result.code == 1, result.out
        assert "--relink" in result.err
    assert connection(store).realm_id == sandbox.realm_id


def test_connecting_again_to_the_same_company_keeps_everything(store, engine, client, sandbox,
                                                             cli, db_path):
    _synced_three(store, engine)
    for extra in ((), ("--relink",)):
        result = cli("--db", db_path, "connect", "--env", "local", "--base-url",
                     sandbox.base_url, *extra)
        assert result.code == 0, result.err
    assert "nothing was re-linked" in result.out
    with store.session() as s:
        assert find_po(s, "PO-1").sync_state == "synced"
    assert engine.run().outcomes == []
