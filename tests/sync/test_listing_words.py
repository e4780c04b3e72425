"""Text output a bookkeeper reads: counts as sentences, problems in words (kinds only in
--json), listings that fit a 100-column terminal, ``show`` saying only what happened."""

from __future__ import annotations

import json

import pytest

from app.commands.status import _lists_as_of
from app.connection.service import ConnectRequest, connect
from app.domain.problems import LABELS, Kind
from app.qbo.oauth import follow_redirects
from app.sandbox.server import SandboxServer
from tests.sync.conftest import make_po


@pytest.fixture
def db(store, sandbox, db_path):
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    return db_path


def test_resend_of_a_closed_po_says_which_po_closed(cli, db, store):
    make_po(store, number="PO-1")
    assert cli("--db", db, "sync").code == 0
    assert cli("--db", db, "close", "po", "PO-1").code == 0
    result = cli("--db", db, "resend", "po", "PO-1")
    assert result.code == 0, result.err
    assert "PO-1 closed in QuickBooks." in result.out.splitlines()
    assert not any(line.startswith("1 closed") for line in result.out.splitlines())


def test_counts_name_their_documents(cli, db, store):
    make_po(store, number="PO-1")
    make_po(store, number="PO-2")
    make_po(store, number="PO-3", account="Accounts Payable (A/P)")
    result = cli("--db", db, "sync")
    assert "2 POs created, PO-3 blocked." in result.out.splitlines()


def test_problems_read_in_words_and_kinds_stay_in_json(cli, db, store):
    make_po(store, number="PO-1", account="Accounts Payable (A/P)")
    assert cli("--db", db, "sync").code == 0
    listing = cli("--db", db, "list", "pos").out
    assert "Blocked: A/P or A/R account" in listing and "ap_ar_line_account" not in listing
    rows = json.loads(cli("--db", db, "list", "pos", "--json").out)
    assert rows[0]["problem"] == "ap_ar_line_account"
    status = cli("--db", db, "status").out
    assert "ap_ar_line_account" not in status
    assert "  1 document: a line uses an Accounts Payable or Receivable account" in status
    as_of = [line for line in status.splitlines() if "as of" in line]
    assert len(as_of) == 1 and as_of[0].startswith("  QuickBooks lists as of "), status
    assert set(LABELS) == set(Kind)


def test_lists_of_different_ages_are_one_line_naming_the_oldest():
    assert _lists_as_of({"Vendor": "2026-12-01T14:02:10", "Account": "2026-12-01T14:30:00",
                         "Item": "2026-12-01T14:02:59"}) == (
        "QuickBooks lists as of 2026-12-01 14:02 UTC (Item, Vendor; the others up to "
        "2026-12-01 14:30 UTC)")
    assert _lists_as_of({"Vendor": "2026-12-01T14:02:10", "Account": "2026-12-01T14:02:30"}) \
        == "QuickBooks lists as of 2026-12-01 14:02 UTC"


def test_show_of_a_po_back_in_approval_prints_no_approval_date(cli, db, store):
    make_po(store, number="PO-1")  # approved on 2026-08-03
    assert "approved on: 2026-08-03" in cli("--db", db, "show", "po", "PO-1").out
    assert cli("--db", db, "edit", "po", "PO-1", "--set", "memo=Rush").code == 0
    shown = cli("--db", db, "show", "po", "PO-1").out
    assert "status: pending" in shown and "approved on" not in shown


@pytest.fixture
def demo_sandbox():
    """The demo company in QuickBooks, untouched: each test (and backend) fills its own."""
    with SandboxServer(seed="demo", throttle="off") as server:
        yield server


def test_the_demo_fits_a_100_column_terminal(cli, db_path, demo_sandbox):
    assert cli("--db", db_path, "init", "--demo").code == 0
    assert cli("--db", db_path, "connect", "--env", "local", "--base-url",
               demo_sandbox.base_url).code == 0
    outputs = [cli("--db", db_path, "sync")]
    for what in ("pos", "invoices"):
        outputs.append(cli("--db", db_path, "list", what, "--sync-state", "needs_attention"))
    outputs.append(cli("--db", db_path, "status"))
    for result in outputs:
        assert result.code == 0, result.err
        for line in result.out.splitlines():
            assert len(line) <= 100, line
    sync, pos, invoices, status = (r.out for r in outputs)
    assert "PO-1061   Blocked  The name 'Northwind Traders' belongs to a customer" in sync
    assert "…" in sync  # the long explanations are cut short; show has them whole
    for text in (sync, pos, invoices, status):
        assert not any(kind.value in text for kind in Kind if "_" in kind.value), text
