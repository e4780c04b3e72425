"""The sync service without the command line, over a real store and the sandbox: run,
dry run, resend, resync failures, exclude and include, the sync log, status and problem
groups, and a cancel mid-run that leaves nothing half-sent."""

from __future__ import annotations

import dataclasses
import threading
from datetime import date

import pytest

from app.connection.service import ConnectRequest, connect
from app.domain.states import DocKind, PoStatus, SyncState
from app.errors import KeyringLocked, UserError
from app.hints import Action
from app.operations.lookup import find_po
from app.qbo import keychain
from app.qbo.oauth import follow_redirects
from app.sandbox.server import SandboxServer
from app.services import Services
from app.services.sync import LogQuery, NotConnected, SyncBusy
from app.store.lock import SyncLock
from app.sync.engine import SyncEngine
from app.work import Progress
from tests.sync.conftest import make_po

PO, SYNCED, QUEUED, BLOCKED = DocKind.PO, SyncState.SYNCED, SyncState.QUEUED, SyncState.BLOCKED
PASSPHRASE = "a long passphrase, 42"
AP = "Accounts Payable (A/P)"  # a line on A/P is blocked before sending


@pytest.fixture
def connected(store, sandbox):
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    return store


@pytest.fixture
def two_pos(connected):
    """PO-1 goes through; PO-2 is blocked (a line on Accounts Payable)."""
    make_po(connected, number="PO-1")
    make_po(connected, number="PO-2", account=AP)
    return connected


def states(store, *numbers: str) -> dict[str, tuple[str, str | None]]:
    with store.session() as s:
        return {n: (find_po(s, n).sync_state, find_po(s, n).problem) for n in numbers}


def pos_in_quickbooks(sandbox) -> list[str]:
    with sandbox.company.lock:
        return sorted(str(po["DocNumber"]) for po in sandbox.company.all("PurchaseOrder"))


# --- run ---------------------------------------------------------------------------------------


def test_a_run_sends_what_is_due_and_reports_its_progress(services: Services, two_pos,
                                                          sandbox):
    seen: list[Progress] = []
    report = services.sync.run(on_progress=seen.append)
    assert {o.number: (o.action, o.sync_state) for o in report.outcomes} == {
        "PO-1": ("create", "synced"), "PO-2": ("blocked", "blocked")}
    assert report.pull is not None and not report.cancelled and report.stopped is None
    assert [(p.done, p.total, p.current) for p in seen if p.current in ("PO-1", "PO-2")] \
        == [(0, 2, "PO-1"), (1, 2, "PO-2")]
    assert seen[-1].done == 2 and seen[-1].total == 2 and seen[-1].problems == 1
    assert states(two_pos, "PO-1", "PO-2") == {"PO-1": ("synced", None),
                                               "PO-2": ("blocked", "ap_ar_line_account")}
    assert pos_in_quickbooks(sandbox) == ["PO-1"]


def test_a_dry_run_plans_and_changes_nothing(services: Services, two_pos, sandbox):
    plan = services.sync.run(dry_run=True)
    assert plan.dry_run and plan.new_vendors == ["Acme Supply"]
    assert {o.number: o.action for o in plan.outcomes} == {"PO-1": "would-create",
                                                           "PO-2": "blocked"}
    assert states(two_pos, "PO-1", "PO-2") == {"PO-1": ("queued", None),
                                               "PO-2": ("queued", None)}
    assert pos_in_quickbooks(sandbox) == []
    assert services.sync.log() == []


def test_one_side_only_and_only_some_documents(services: Services, two_pos, sandbox):
    pulled = services.sync.run(push=False)
    assert pulled.pull is not None and pulled.outcomes == []
    assert states(two_pos, "PO-1", "PO-2") == {"PO-1": ("queued", None),
                                               "PO-2": ("queued", None)}
    pushed = services.sync.run(pull=False, only=[(PO, "PO-1")])
    assert pushed.pull is None
    assert [(o.number, o.sync_state) for o in pushed.outcomes] == [("PO-1", "synced")]
    assert states(two_pos, "PO-2") == {"PO-2": ("queued", None)}  # not in ``only``
    with pytest.raises(UserError):
        services.sync.run(only=[(PO, "PO-404")])


def test_without_a_connection_the_service_says_connect_without_naming_a_command(
        services: Services, store):
    make_po(store, number="PO-1")
    with pytest.raises(NotConnected) as caught:
        services.sync.run()
    assert [h.action for h in caught.value.hints] == [Action.CONNECT]
    assert "syncdesk" not in str(caught.value) and "not connected" in caught.value.reason
    assert states(store, "PO-1") == {"PO-1": ("queued", None)}


def test_another_sync_holding_the_store_is_a_user_error(services: Services, two_pos,
                                                         monkeypatch):
    monkeypatch.setattr(SyncEngine, "lock_wait", 0.2)  # not the 3 s a person would wait
    with SyncLock(two_pos).held(0.2), pytest.raises(SyncBusy) as caught:
        services.sync.run()
    assert isinstance(caught.value, UserError)
    assert states(two_pos, "PO-1") == {"PO-1": ("queued", None)}


@pytest.fixture
def intuit():
    """A sandbox standing in for Intuit: its secrets go to the keychain, not the store."""
    with SandboxServer(seed="empty", client_id="app-id", client_secret="app-secret") as server:
        yield server


def test_the_encrypted_keyrings_passphrase_comes_from_the_callable(services: Services,
                                                                    store, intuit,
                                                                    monkeypatch):
    monkeypatch.delenv(keychain.PASSPHRASE_VARIABLE, raising=False)
    connect(store, ConnectRequest("production", intuit.base_url, client_id="app-id",
                                  client_secret="app-secret", keychain=keychain.ENCRYPTED_FILE,
                                  passphrase=PASSPHRASE), follow_redirects, timeout=10)
    make_po(store, number="PO-1")
    keychain.forget_unlocked()  # a new run: connecting unlocked the file in this one
    assert services.connection.needs_passphrase()
    with pytest.raises(KeyringLocked, match="needs its passphrase"):
        services.sync.run(passphrase=lambda: None)  # the user gave none
    assert states(store, "PO-1") == {"PO-1": ("queued", None)}
    asked: list[str] = []

    def passphrase() -> str | None:
        asked.append("asked")
        return PASSPHRASE

    report = services.sync.run(passphrase=passphrase)
    assert asked == ["asked"]
    assert [(o.number, o.sync_state) for o in report.outcomes] == [("PO-1", "synced")]


# --- cancel ------------------------------------------------------------------------------------


def test_a_cancel_mid_run_stops_after_the_document_in_flight(services: Services, connected,
                                                             sandbox):
    for number in ("PO-1", "PO-2", "PO-3"):
        make_po(connected, number=number)
    cancel = threading.Event()

    def cancel_while_sending(ctx):  # the user cancels while PO-1's create is in flight
        if ctx.method == "POST" and ctx.path == "purchaseorder":
            cancel.set()
        return None

    sandbox.before_hooks.append(cancel_while_sending)
    report = services.sync.run(cancel=cancel)
    assert report.cancelled and report.unsent == ["PO-2", "PO-3"]
    assert [(o.number, o.sync_state) for o in report.outcomes] == [("PO-1", "synced")]
    # Nothing half-sent: PO-1 went whole, the others were not touched.
    assert pos_in_quickbooks(sandbox) == ["PO-1"]
    with connected.session() as s:
        for number in ("PO-2", "PO-3"):
            po = find_po(s, number)
            assert (po.sync_state, po.pending_request_id, po.qbo_id) == ("queued", None, None)
    sandbox.before_hooks.clear()
    again = services.sync.run()
    assert {o.number for o in again.outcomes} == {"PO-2", "PO-3"}
    assert pos_in_quickbooks(sandbox) == ["PO-1", "PO-2", "PO-3"]


def test_a_resend_cancelled_before_it_starts_leaves_the_document_queued(
        services: Services, two_pos, sandbox):
    services.sync.run()
    cancel = threading.Event()
    cancel.set()
    report = services.sync.resend(PO, "PO-2", cancel=cancel)
    assert report.cancelled and report.unsent == ["PO-2"] and report.outcomes == []
    assert states(two_pos, "PO-2") == {"PO-2": ("queued", None)}  # resent, waiting
    assert pos_in_quickbooks(sandbox) == ["PO-1"]


# --- resend, resync failures, exclude and include --------------------------------------------


def test_resend_sends_one_document_again_now(services: Services, two_pos):
    services.sync.run()
    report = services.sync.resend(PO, "PO-2")
    assert [(o.number, o.problem) for o in report.outcomes] == [("PO-2", "ap_ar_line_account")]
    with pytest.raises(UserError):
        services.sync.resend(PO, "PO-404")


def test_resync_failures_sends_the_failed_and_blocked_ones(services: Services, two_pos):
    services.sync.run()
    report = services.sync.resync_failures()
    assert [o.number for o in report.outcomes] == ["PO-2"]


def test_resync_failures_with_nothing_failed_needs_no_connection(services: Services, store):
    make_po(store, number="PO-1")  # queued, not failed; and no connection at all
    report = services.sync.resync_failures()
    assert report.outcomes == [] and not report.cancelled and report.stopped is None


def test_exclude_and_include(services: Services, two_pos):
    services.sync.run()
    excluded = services.sync.exclude(PO, "PO-2", "entered by hand in QBO")
    assert (excluded.number, excluded.sync_state, excluded.excluded_reason) == (
        "PO-2", SyncState.EXCLUDED, "entered by hand in QBO")
    with pytest.raises(dataclasses.FrozenInstanceError):
        excluded.sync_state = QUEUED  # type: ignore[misc]
    assert services.sync.resync_failures().outcomes == []  # excluded ones stay out
    with pytest.raises(UserError):
        services.sync.resend(PO, "PO-2")
    included = services.sync.include(PO, "PO-2")
    assert (included.sync_state, included.excluded_reason) == (QUEUED, None)
    with pytest.raises(UserError):
        services.sync.include(PO, "PO-2")  # not excluded any more


def test_exclude_needs_a_reason(services: Services, store):
    make_po(store, number="PO-1")
    with pytest.raises(UserError):
        services.sync.exclude(PO, "PO-1", "  ")
    assert states(store, "PO-1") == {"PO-1": ("queued", None)}


# --- the sync log --------------------------------------------------------------------------


def test_the_sync_log_and_its_filters(services: Services, two_pos):
    services.sync.run()
    rows = services.sync.log()
    assert {(r.document, r.result) for r in rows} == {
        ("PO-1", "success"), ("PO-2", "blocked"), (None, "success")}  # None: the pull
    assert [r.operation for r in rows if r.document is None] == ["pull-full"]
    assert rows == sorted(rows, key=lambda r: r.at, reverse=True)  # newest first
    assert [r.document for r in services.sync.log(LogQuery(failed=True))] == ["PO-2"]
    assert services.sync.log(LogQuery(since=date(2999, 1, 1))) == []
    assert len(services.sync.log(LogQuery(since=date(2000, 1, 1)))) == 3
    assert [r.result for r in services.sync.log(LogQuery(document="PO-1"))] == ["success"]
    assert services.sync.log(LogQuery(limit=1)) == rows[:1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        rows[0].result = "failed"  # type: ignore[misc]


# --- status and problem groups -------------------------------------------------------------


def test_status_counts_by_state_problem_and_status(services: Services, two_pos):
    make_po(two_pos, number="PO-3", status=PoStatus.DRAFT)
    services.sync.run()
    status = services.sync.status()
    assert status.count(SYNCED) == 1 and status.count(BLOCKED) == 1
    assert status.count(SyncState.NOT_SYNCED, PO) == 1 and status.documents(PO) == 3
    assert status.documents(DocKind.INVOICE) == 0
    assert dict(status.states[PO]) == {SyncState.NOT_SYNCED: 1, QUEUED: 0, SYNCED: 1,
                                       SyncState.FAILED: 0, BLOCKED: 1,
                                       SyncState.EXCLUDED: 0}
    assert dict(status.problems) == {"ap_ar_line_account": 1}
    assert dict(status.not_synced[PO]) == {"draft": 1}
    assert status.connection["state"] == "connected"
    assert status.connection["environment"] == "local"
    assert "Vendor" in status.lists
    assert status.problem_groups == ()


def test_status_of_a_store_never_connected(services: Services, store):
    status = services.sync.status()
    assert status.connection["state"] == "disconnected" and dict(status.lists) == {}
    assert status.count(SYNCED) == 0 and dict(status.problems) == {}


def test_documents_blocked_for_one_cause_form_a_problem_group(services: Services, connected,
                                                              sandbox):
    sandbox.create("Customer", {"DisplayName": "Acme Supply"})  # the vendor name is taken
    make_po(connected, number="PO-1")
    make_po(connected, number="PO-2")
    services.sync.run()
    groups = services.sync.problem_groups()
    assert [(g.problem, g.documents) for g in groups] == [
        ("duplicate_name", ("PO-1", "PO-2"))]
    assert groups[0].key.startswith("supplier:")
    assert services.sync.status().problem_groups == groups


# --- the commands only ask the service --------------------------------------------------------


# --- changes: what a window asks to know whether to look again ---------------------------------


def test_the_change_marker_moves_on_every_write_a_window_shows(services: Services, two_pos):
    before = services.sync.changes()
    assert services.sync.changes() == before  # nothing written: the same marker
    assert not before.syncing
    services.sync.run()  # the sync log and the documents' history
    after_sync = services.sync.changes()
    assert after_sync.marker != before.marker
    services.sync.exclude(PO, "PO-2", "entered by hand in QBO")
    after_exclude = services.sync.changes()
    assert after_exclude.marker != after_sync.marker
    make_po(two_pos, number="PO-3")  # a new document
    assert services.sync.changes().marker != after_exclude.marker


def test_the_changes_say_when_a_sync_holds_the_store(services: Services, two_pos):
    with SyncLock(two_pos).held(0.2):
        assert services.sync.changes().syncing
    assert not services.sync.changes().syncing


def test_a_run_unlocks_the_encrypted_keyring_once_and_syncs_without_asking_again(
        services: Services, store, intuit, monkeypatch):
    """The window asks for the passphrase once (``unlock``); every later sync, resend or
    disconnect of that run uses the unlocked file; a wrong passphrase is refused."""
    monkeypatch.delenv(keychain.PASSPHRASE_VARIABLE, raising=False)
    connect(store, ConnectRequest("production", intuit.base_url, client_id="app-id",
                                  client_secret="app-secret", keychain=keychain.ENCRYPTED_FILE,
                                  passphrase=PASSPHRASE), follow_redirects, timeout=10)
    keychain.forget_unlocked()
    make_po(store, number="PO-1")
    assert services.connection.needs_passphrase()
    with pytest.raises(UserError, match="not the passphrase"):
        services.connection.unlock("wrong horse")
    assert services.connection.needs_passphrase()
    services.connection.unlock(PASSPHRASE)
    assert not services.connection.needs_passphrase()
    report = services.sync.run()  # no passphrase given: the unlocked file serves
    assert [(o.number, o.sync_state) for o in report.outcomes] == [("PO-1", "synced")]
    assert services.connection.disconnect().was_connected
    keychain.forget_unlocked()
