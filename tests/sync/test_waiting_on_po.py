"""An invoice waiting on its PO says where that PO stands and what would let it go."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from app.commands.hints import as_command
from app.connection.service import ConnectRequest, connect
from app.qbo.oauth import follow_redirects
from app.sync.problems import what_to_do
from tests.sync.conftest import bill_po, make_po


@pytest.fixture
def db(store, sandbox, db_path):
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    return db_path


def last_error(cli, db, kind, number):
    result = cli("--db", db, "show", kind, number, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)["last_error"]


def test_a_po_waiting_for_approval_is_named_with_the_command_that_approves_it(cli, db, store):
    make_po(store, number="PO-1")  # approved and queued
    edited = cli("--db", db, "edit", "po", "PO-1", "--set", "memo=Rush order")
    assert edited.code == 0 and "pending" in edited.out  # re-approval is on: back to pending
    bill_po(store, "PO-1", "INV-1")
    result = cli("--db", db, "sync")
    assert result.code == 0, result.err
    error = last_error(cli, db, "invoice", "INV-1")
    assert error["kind"] == "waiting_on_po"
    assert "PO-1, which is waiting for approval" in error["explanation"]
    assert "syncdesk approve po PO-1" in error["what_to_do"]
    assert "Nothing to do" not in error["what_to_do"]
    assert "waiting for approval" in result.out  # the sync's own table says it too
    text = cli("--db", db, "show", "invoice", "INV-1").out
    assert "What to do: Approve PO-1 first: syncdesk approve po PO-1." in text
    # Approved, the PO is queued: now there is nothing to do but sync.
    assert cli("--db", db, "approve", "po", "PO-1").code == 0
    error = last_error(cli, db, "invoice", "INV-1")
    assert error["what_to_do"].startswith("Nothing to do here: it goes as soon as PO-1")
    assert "not in QuickBooks yet" in error["explanation"]
    assert cli("--db", db, "sync").code == 0
    assert last_error(cli, db, "invoice", "INV-1") is None


def test_a_blocked_or_excluded_po_is_shown_not_waited_for(cli, db, store):
    make_po(store, number="PO-1", account="Accounts Payable (A/P)")  # blocked by itself
    bill_po(store, "PO-1", "INV-1")
    assert cli("--db", db, "sync").code == 0
    error = last_error(cli, db, "invoice", "INV-1")
    assert "PO-1, which is blocked itself (a line uses an Accounts Payable" in \
        error["explanation"]
    assert "syncdesk show po PO-1" in error["what_to_do"]
    assert not error["what_to_do"].startswith("Nothing to do")
    assert cli("--db", db, "exclude", "po", "PO-1", "--reason", "by hand").code == 0
    error = last_error(cli, db, "invoice", "INV-1")
    assert "excluded from syncing" in error["explanation"]
    assert "syncdesk include po PO-1" in error["what_to_do"]
    assert "syncdesk exclude invoice INV-1 --reason TEXT" in error["what_to_do"]


def test_a_po_in_quickbooks_but_changed_there_is_not_said_to_be_missing(
        cli, db, store, client, sandbox):
    make_po(store, number="PO-1")
    assert cli("--db", db, "sync").code == 0
    with store.session() as s:
        from app.operations.lookup import find_po
        qbo_id = find_po(s, "PO-1").qbo_id

    def raise_line_2(po):
        po["Line"][1]["Amount"] = Decimal("80.00")
        return po

    client.update("PurchaseOrder", qbo_id, raise_line_2)
    bill_po(store, "PO-1", "INV-1")
    assert cli("--db", db, "sync").code == 0
    po = last_error(cli, db, "po", "PO-1")
    assert po["kind"] == "changed_in_qbo"
    error = last_error(cli, db, "invoice", "INV-1")
    assert error["kind"] == "waiting_on_po"
    assert "not in QuickBooks yet" not in error["explanation"]
    assert "whose latest version is blocked itself (changed in QuickBooks after it synced)" \
        in error["explanation"]
    assert "syncdesk show po PO-1" in error["what_to_do"]


@pytest.mark.parametrize(("status", "state", "expected"), [
    ("pending", "not_synced", "Approve PO-4 first: syncdesk approve po PO-4."),
    ("draft", "not_synced", "Approve PO-4 first: syncdesk approve po PO-4."),
    ("cancelled", "not_synced", "PO-4 was cancelled: bill another PO (syncdesk edit invoice "
                                "INV-1 --set po=NUMBER)"),
    ("approved", "failed", "Clear PO-4's own problem first (syncdesk show po PO-4"),
    ("approved", "queued", "Nothing to do here: it goes as soon as PO-4 is in QuickBooks"),
])
def test_what_to_do_follows_the_po(status, state, expected):
    text = what_to_do("waiting_on_po", "invoice", "INV-1",
                      {"po": "PO-4", "po_status": status, "po_sync_state": state}
                      ).words(as_command)
    assert expected in text
