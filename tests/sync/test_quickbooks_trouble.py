"""A sync when QuickBooks answers oddly or keeps failing, over the real sandbox.

A token-level 401 is refreshed inside the run; only a grant that is really gone
asks for a new sign-in, and what waited on it goes by itself once connected again.
An unreadable answer fails one document, not the run. A QuickBooks that fails
everything stops the run after a few documents, and the rest stays queued.
"""

from __future__ import annotations

import functools
import json

import pytest
from flask import Response, request
from sqlmodel import select

from app.connection.service import ConnectRequest, connect, connection, open_client
from app.operations.lookup import find_po
from app.qbo.errors import QboClientError
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.qbo.transport import RetryPolicy
from app.sandbox.server import ApiRequest
from app.store.models import SyncLogEntry
from app.sync.engine import FAILING_STREAK, SyncEngine
from tests.qbo.conftest import FAST
from tests.sync.conftest import bill_po, make_po

NUMBERS = [f"PO-{n}" for n in range(1, 7)]


def make_pos(store, with_invoices: bool = False) -> None:
    for n, number in enumerate(NUMBERS, start=1):
        make_po(store, number=number)
        if with_invoices:
            bill_po(store, po_number=number, number=f"INV-{n}", reference=f"A-{n}")


def states(store, numbers=NUMBERS) -> dict[str, tuple[str, str | None]]:
    with store.session() as s:
        return {n: (find_po(s, n).sync_state, find_po(s, n).problem) for n in numbers}


def qbo_numbers(client, entity="PurchaseOrder") -> list[str]:
    return sorted(o["DocNumber"] for o in client.query_all(entity))


# --- sign-in ---------------------------------------------------------------------------------

@pytest.mark.parametrize("route", ["POST/purchaseorder", "POST/bill", "query", "*"])
def test_a_revoked_access_token_mid_sync_is_refreshed_and_everything_syncs(store, engine,
                                                                          client, sandbox,
                                                                          route):
    make_pos(store, with_invoices=True)
    sandbox.faults.add("401", route=route, count=1, skip=2)
    report = engine.run()
    assert sandbox.faults.count("401") == 1
    assert report.stopped is None
    assert {o.sync_state for o in report.outcomes} == {"synced"}
    assert [o.problem for o in report.outcomes if o.problem] == []
    assert connection(store).state == "connected"
    assert qbo_numbers(client) == NUMBERS


def test_a_revoked_access_token_from_the_command_line(store, sandbox, cli, db_path):
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    make_pos(store)
    sandbox.faults.load("401:POST/purchaseorder:1@2")
    result = cli("--db", db_path, "sync", "--json")
    assert result.code == 0, result.err
    assert {d["sync_state"] for d in json.loads(result.out)["documents"]} == {"synced"}
    assert "auth_needed" not in result.out + result.err
    status = json.loads(cli("--db", db_path, "status", "--json").out)
    assert status["connection"]["state"] == "connected" and status["by_problem"] == {}


def test_a_revoked_grant_waits_for_connect_then_its_documents_go_by_themselves(
        store, sandbox, cli, db_path):
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    make_pos(store, with_invoices=True)
    sandbox.faults.load("401=grant:POST/purchaseorder:1@3")
    result = cli("--db", db_path, "sync", "--json")
    assert result.code == 1 and "connect again" in result.err
    report = json.loads(result.out)
    assert [(d["number"], d["problem"]) for d in report["documents"] if d["problem"]] == [
        ("PO-3", "auth_needed")]
    assert report["unsent"][:3] == ["PO-4", "PO-5", "PO-6"]
    assert connection(store).state == "needs_reconnect"
    assert states(store)["PO-3"] == ("failed", "auth_needed")
    assert states(store)["PO-4"] == ("queued", None)
    # Nothing goes until the user connects again …
    assert cli("--db", db_path, "sync").code == 1
    assert states(store)["PO-3"] == ("failed", "auth_needed")
    # … and then the next sync sends everything, PO-3 included, without Resync failures.
    assert cli("--db", db_path, "connect", "--env", "local", "--base-url",
               sandbox.base_url).code == 0
    again = cli("--db", db_path, "sync", "--json")
    assert again.code == 0, again.err
    assert set(states(store).values()) == {("synced", None)}
    status = json.loads(cli("--db", db_path, "status", "--json").out)
    assert status["by_state"]["synced"] == 12 and status["by_problem"] == {}
    history = json.loads(cli("--db", db_path, "history", "po", "PO-3", "--json").out)
    assert any("connection works again" in h["summary"] for h in history)
    client = open_client(store, Limits(), FAST)
    assert qbo_numbers(client) == NUMBERS and len(qbo_numbers(client, "Bill")) == 6


# --- answers SyncDesk cannot read --------------------------------------------------------------

def odd_answer(sandbox, number: str, status: int, body: str) -> None:
    """Answer every create of PO ``number`` oddly: a 200 after the work is done, an error
    status instead of doing it."""

    def odd(ctx: ApiRequest) -> bool:
        return ctx.method == "POST" and ctx.path.lower() == "purchaseorder" and \
            f'"DocNumber": "{number}"' in request.get_data(as_text=True)

    def before(ctx: ApiRequest) -> Response | None:
        return Response(body, status, content_type="application/json") \
            if status >= 400 and odd(ctx) else None

    def after(ctx: ApiRequest, response: Response) -> Response:
        return Response(body, status, content_type="application/json") \
            if status < 400 and odd(ctx) else response

    sandbox.before_hooks.append(before)
    sandbox.after_hooks.append(after)


@pytest.mark.parametrize("status, body", [
    (200, '{"PurchaseOrder": 5}'), (200, "[1, 2, 3]"), (200, '{"PurchaseOrder": [{}]}'),
    (400, '{"Fault": {"Error": 5}}'), (400, "[" * 100_000 + "]" * 100_000),
    (200, '{"PurchaseOrder": {"Id": "1", "Line": "x"}}'),
])
def test_an_odd_answer_fails_only_that_document(store, engine, client, sandbox, status, body):
    make_pos(store)
    odd_answer(sandbox, "PO-2", status, body)
    report = engine.run()
    assert report.stopped is None
    failed = [o for o in report.outcomes if o.sync_state != "synced"]
    if status == 200:  # the create ran: looked up and adopted in the same run
        assert failed == []
        assert next(o for o in report.outcomes if o.number == "PO-2").action == "adopt"
    else:
        assert [o.number for o in failed] == ["PO-2"]
        assert [o.number for o in report.outcomes if o.sync_state == "synced"] == [
            n for n in NUMBERS if n != "PO-2"]
    # The next sync settles PO-2 (adopted when its create had run), never twice.
    sandbox.after_hooks.clear()
    sandbox.before_hooks.clear()
    engine.run()
    if status == 200:
        assert states(store)["PO-2"] == ("synced", None)
    numbers = qbo_numbers(client)
    assert len(numbers) == len(set(numbers))


# --- QuickBooks failing everything -------------------------------------------------------------

EVERY_CREATE = "500:POST/vendor:*,500:POST/purchaseorder:*,500:POST/bill:*"


def test_a_quickbooks_failing_every_create_stops_the_run(store, client, sandbox):
    make_pos(store, with_invoices=True)
    sandbox.faults.load(EVERY_CREATE)
    report = SyncEngine(store, client, actor="tester").run()
    assert len(report.outcomes) == FAILING_STREAK
    assert {(o.sync_state, o.problem) for o in report.outcomes} == {("failed", "transport")}
    assert report.stopped and report.stopped.startswith("QuickBooks is failing")
    assert report.unsent == NUMBERS[FAILING_STREAK:] + [f"INV-{n}" for n in range(1, 7)]
    assert "PO-4" in report.stopped and "stay queued" in report.stopped
    assert {states(store)[n] for n in NUMBERS[FAILING_STREAK:]} == {("queued", None)}
    # the transport's retries shrink once QuickBooks is failing: 4 + 2 + 2 creates
    assert sandbox.faults.count("500") == FAST.attempts + 2 * (FAILING_STREAK - 1)
    for outcome in report.outcomes:
        assert "Next automatic try" not in (outcome.explanation or "")
        assert "next sync tries it again" in (outcome.explanation or "")


def test_the_next_sync_tries_them_again_and_a_scheduler_names_its_time(store, client, sandbox):
    make_pos(store)
    sandbox.faults.load(EVERY_CREATE)
    SyncEngine(store, client, actor="tester").run()
    sandbox.faults.clear()
    report = SyncEngine(store, client, actor="tester").run()
    assert report.stopped is None and [o.number for o in report.outcomes] == NUMBERS
    assert set(states(store).values()) == {("synced", None)}
    make_po(store, number="PO-7")
    sandbox.faults.load("500:POST/purchaseorder:*")
    scheduled = SyncEngine(store, client, actor="tester", auto_retry=True).run()
    assert "Next automatic try:" in scheduled.outcomes[0].explanation


def test_sync_exits_1_when_quickbooks_is_failing(store, sandbox, cli, db_path):
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    make_pos(store)
    sandbox.faults.load(EVERY_CREATE)
    result = cli("--db", db_path, "sync")
    assert result.code == 1
    assert "QuickBooks is failing" in result.err and "PO-6" in result.err
    assert "Next automatic try" not in result.out + result.err
    assert states(store) == {**{n: ("failed", "transport") for n in NUMBERS[:FAILING_STREAK]},
                             **{n: ("queued", None) for n in NUMBERS[FAILING_STREAK:]}}
    with store.session() as s:
        messages = [e.message or "" for e in s.exec(select(SyncLogEntry))]
    assert not any("Next automatic try" in m for m in messages)
    assert sandbox.faults.count("500") <= 6 + 2 * (FAILING_STREAK - 1)


# --- QuickBooks throttling everything, or answering too slowly ---------------------------------

# Waits and timeouts short enough for a test; the budget covers three waits in a row.
PATIENT = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, throttle_wait=0.1,
                      throttle_budget=0.35, timeout=1.0)
SLOW = "3s"  # well over PATIENT's timeout: every slow answer comes too late


@pytest.fixture
def patient_cli(monkeypatch, cli):
    """``syncdesk`` whose QuickBooks client waits as PATIENT does (not 60 s per 429)."""
    from app.services import sync as sync_service

    monkeypatch.setattr(sync_service, "open_client",
                        functools.partial(open_client, policy=PATIENT))
    return cli


def patient_engine(store) -> SyncEngine:
    return SyncEngine(store, open_client(store, Limits(), PATIENT), actor="tester")


def test_quickbooks_throttling_every_create_stops_the_run_once_the_budget_is_spent(
        store, client, sandbox):
    make_pos(store)
    sandbox.faults.load("429:POST/purchaseorder:*")
    report = patient_engine(store).run()
    # PO-1 was held back three waits (the budget), then given up; nothing else was tried.
    assert sandbox.faults.count("429") == 4
    assert [(o.number, o.sync_state, o.problem) for o in report.outcomes] == [
        ("PO-1", "failed", "throttled")]
    assert report.stopped and report.stopped.startswith(
        "QuickBooks keeps asking SyncDesk to slow down")
    assert "5 documents not sent stay queued: PO-2, PO-3, PO-4, PO-5, PO-6" in report.stopped
    assert report.stopped.endswith("Sync again in a few minutes.")
    assert report.unsent == NUMBERS[1:]
    assert {states(store)[n] for n in NUMBERS[1:]} == {("queued", None)}
    assert "will try again" not in report.outcomes[0].explanation
    assert "next sync tries it again" in report.outcomes[0].explanation
    # Once QuickBooks takes requests again, the next sync sends them all.
    sandbox.faults.clear()
    again = patient_engine(store).run()
    assert again.stopped is None and set(states(store).values()) == {("synced", None)}


def test_sync_exits_1_when_quickbooks_keeps_throttling(store, sandbox, patient_cli, db_path):
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    make_pos(store, with_invoices=True)
    sandbox.faults.load("429:POST/purchaseorder:*")
    result = patient_cli("--db", db_path, "sync")
    assert result.code == 1
    assert "stopped early. QuickBooks keeps asking SyncDesk to slow down" in result.err
    assert "11 documents not sent stay queued" in result.err and "INV-5 and 1 more" in result.err
    assert "Next automatic try" not in result.out + result.err
    assert {states(store)[n] for n in NUMBERS[1:]} == {("queued", None)}


def test_short_throttle_bursts_are_waited_out_and_everything_syncs(store, client, sandbox):
    """Three 429s in a row on each of the first three documents: nine waits in a row of
    documents, more than the budget, but each burst ends with a create that gets through."""
    make_pos(store)
    sandbox.faults.load("429:POST/purchaseorder:3@1,429:POST/purchaseorder:3@2,"
                        "429:POST/purchaseorder:3@3")
    report = patient_engine(store).run()
    assert sandbox.faults.count("429") == 9
    assert report.stopped is None
    assert [(o.number, o.sync_state) for o in report.outcomes] == [
        (n, "synced") for n in NUMBERS]


def test_slow_answers_to_every_create_stop_the_run_after_three_documents(store, client,
                                                                         sandbox):
    make_pos(store)
    sandbox.faults.load(f"slow={SLOW}:POST/purchaseorder:*")
    report = patient_engine(store).run()
    # Each create was made all the same (its answer came too late): found and kept.
    assert [(o.number, o.action, o.sync_state) for o in report.outcomes] == [
        (n, "adopt", "synced") for n in NUMBERS[:FAILING_STREAK]]
    assert report.stopped and report.stopped.startswith("QuickBooks is answering too slowly")
    assert "PO-1, PO-2, PO-3" in report.stopped and "synced" in report.stopped
    assert report.unsent == NUMBERS[FAILING_STREAK:]
    assert {states(store)[n] for n in NUMBERS[FAILING_STREAK:]} == {("queued", None)}
    # Full tries for the first create only: the look-ups that found them cleared nothing.
    assert sandbox.faults.count("slow") == PATIENT.attempts + 2 * (FAILING_STREAK - 1)
    assert qbo_numbers(client) == NUMBERS[:FAILING_STREAK]


def test_sync_exits_1_when_quickbooks_answers_too_slowly(store, sandbox, patient_cli, db_path):
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    make_pos(store)
    sandbox.faults.load(f"slow={SLOW}:POST/purchaseorder:*")
    result = patient_cli("--db", db_path, "sync")
    assert result.code == 1
    assert "stopped early. QuickBooks is answering too slowly" in result.err
    assert "within 1 second" in result.err and "PO-6" in result.err
    assert states(store) == {**{n: ("synced", None) for n in NUMBERS[:FAILING_STREAK]},
                             **{n: ("queued", None) for n in NUMBERS[FAILING_STREAK:]}}


@pytest.mark.parametrize("fault", [f"slow={SLOW}", "500"])
def test_only_a_write_that_gets_its_answer_gives_failing_writes_their_full_tries_back(
        store, sandbox, fault):
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    client = open_client(store, Limits(), PATIENT)
    vendor = client.create("Vendor", {"DisplayName": "Acme"}, request_id="v-1")
    sandbox.faults.load(f"{fault}:POST/purchaseorder:*")
    account = client.find("Account", Name="Office Supplies & Software")[0]["Id"]
    body = {"VendorRef": {"value": vendor["Id"]}, "Line": [{
        "Amount": 10, "DetailType": "AccountBasedExpenseLineDetail",
        "AccountBasedExpenseLineDetail": {"AccountRef": {"value": account}}}]}
    kind = fault.split("=")[0]
    with pytest.raises(QboClientError):
        client.create("PurchaseOrder", {**body, "DocNumber": "A"}, request_id="po-a")
    assert sandbox.faults.count(kind) == PATIENT.attempts
    client.query("select * from PurchaseOrder")  # a read gets its answer
    with pytest.raises(QboClientError):
        client.create("PurchaseOrder", {**body, "DocNumber": "B"}, request_id="po-b")
    assert sandbox.faults.count(kind) == PATIENT.attempts + PATIENT.attempts_while_failing
    # Nor does another entity's write that gets its answer (a new vendor) …
    sandbox.faults.clear()
    client.create("Vendor", {"DisplayName": "Bolt"}, request_id="v-2")
    sandbox.faults.load(f"{fault}:POST/purchaseorder:*")
    with pytest.raises(QboClientError):
        client.create("PurchaseOrder", {**body, "DocNumber": "C"}, request_id="po-c")
    assert sandbox.faults.count(kind) == PATIENT.attempts_while_failing
    # … but a PO write that gets its answer gives the next ones their full tries again.
    sandbox.faults.clear()
    client.create("PurchaseOrder", {**body, "DocNumber": "D"}, request_id="po-d")
    sandbox.faults.load(f"{fault}:POST/purchaseorder:*")
    with pytest.raises(QboClientError):
        client.create("PurchaseOrder", {**body, "DocNumber": "E"}, request_id="po-e")
    assert sandbox.faults.count(kind) == PATIENT.attempts


# --- what a stopped sync says --------------------------------------------------------------------

def test_quickbooks_failing_to_read_its_changes_says_so_plainly(store, sandbox, patient_cli,
                                                                 db_path):
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    make_pos(store)
    sandbox.faults.load("500:query:*")
    result = patient_cli("--db", db_path, "sync")
    assert result.code == 1
    assert ("stopped early. An error on QuickBooks' side stopped reading its changes and "
            "lists (HTTP 500, code 10000). The next sync tries again.") in result.err
    assert "will try again" not in result.err and "taking reading" not in result.err


@pytest.mark.parametrize("status", [500, 429])
def test_no_problem_promises_a_retry_that_nothing_makes(store, engine, sandbox, status):
    make_pos(store)
    sandbox.faults.load(f"{status}:POST/vendor:*")
    report = engine.run()
    for outcome in report.outcomes:
        assert "will try again" not in outcome.explanation
        assert "shortly" not in outcome.explanation
        assert "the new vendor 'Acme Supply'" in outcome.explanation
        assert "The next sync tries it again" in outcome.explanation


@pytest.mark.parametrize("body", [
    '{"Fault": {"Error": [{"Message": "", "Detail": "", "code": ""}], "type": "ValidationFault"}}',
    '{"Fault": {"Error": [{"Message": " ", "code": ""}], "type": "ValidationFault"}}',
])
def test_an_unknown_error_without_words_still_reads_as_a_sentence(store, engine, sandbox, body):
    make_pos(store)
    odd_answer(sandbox, "PO-2", 400, body)
    report = engine.run()
    failed = next(o for o in report.outcomes if o.number == "PO-2")
    assert failed.problem == "unknown"
    assert "does not know:" not in failed.explanation
    assert "gave no words for it (HTTP 400)." in failed.explanation
