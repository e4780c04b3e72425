"""The sync from the command line: sync, dry run, resend, resync failures, exclude, log."""

from __future__ import annotations

import json

import pytest

from app.connection.service import ConnectRequest, connect
from app.qbo.oauth import follow_redirects
from tests.sync.conftest import make_po


@pytest.fixture
def db(store, sandbox, db_path):
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    make_po(store, number="PO-1")
    make_po(store, number="PO-2", account="Accounts Payable (A/P)")
    return db_path


def js(result):
    assert result.code == 0, result.err
    return json.loads(result.out)


def states(cli, db):
    return {r["number"]: (r["sync_state"], r["problem"])
            for r in js(cli("--db", db, "list", "pos", "--json"))}


def test_sync_dry_run_then_sync(cli, db):
    plan = js(cli("--db", db, "sync", "--dry-run", "--json"))
    assert plan["dry_run"] and plan["new_vendors"] == ["Acme Supply"]
    assert {d["number"]: d["action"] for d in plan["documents"]} == {
        "PO-1": "would-create", "PO-2": "blocked"}
    assert states(cli, db) == {"PO-1": ("queued", None), "PO-2": ("queued", None)}
    text = cli("--db", db, "sync")
    assert text.code == 0 and "PO-2 blocked" in text.out and "Accounts Payable" in text.out
    assert "[1/2] PO-1" in text.err  # progress goes to stderr
    assert states(cli, db) == {"PO-1": ("synced", None),
                               "PO-2": ("blocked", "ap_ar_line_account")}
    status = js(cli("--db", db, "status", "--json"))
    assert status["by_state"]["synced"] == 1 and status["by_problem"] == {
        "ap_ar_line_account": 1}
    again = js(cli("--db", db, "sync", "--json"))
    assert again["documents"] == []


def test_sync_without_a_connection_exits_1(cli, db_path):
    cli("--db", db_path, "init")
    result = cli("--db", db_path, "sync")
    assert result.code == 1 and "syncdesk connect" in result.err


def test_resend_and_resync_failures(cli, db):
    cli("--db", db, "sync")
    resent = js(cli("--db", db, "resend", "po", "PO-2", "--json"))
    assert [d["problem"] for d in resent["documents"]] == ["ap_ar_line_account"]
    cli("--db", db, "edit", "po", "PO-2", "--set", "line.1.account=Cost of Goods Sold",
        "--set", "line.2.account=Cost of Goods Sold")
    cli("--db", db, "override", "po", "PO-2")
    assert states(cli, db)["PO-2"] == ("queued", None)
    cli("--db", db, "sync")
    assert states(cli, db)["PO-2"] == ("synced", None)
    retried = js(cli("--db", db, "resync-failures", "--json"))
    assert retried["documents"] == []


def test_excluded_documents_stay_out_of_resync_failures(cli, db):
    cli("--db", db, "sync")
    assert cli("--db", db, "exclude", "po", "PO-2", "--reason", "entered by hand in QBO"
               ).code == 0
    assert states(cli, db)["PO-2"] == ("excluded", "ap_ar_line_account")
    assert js(cli("--db", db, "resync-failures", "--json"))["documents"] == []
    assert cli("--db", db, "resend", "po", "PO-2").code == 1
    history = js(cli("--db", db, "history", "po", "PO-2", "--json"))
    assert history[-1]["action"] == "excluded" and "by hand" in history[-1]["summary"]
    assert cli("--db", db, "include", "po", "PO-2").code == 0
    assert states(cli, db)["PO-2"] == ("queued", None)
    assert cli("--db", db, "exclude", "po", "PO-2").code == 2  # --reason is required


def test_the_sync_log_filters(cli, db):
    cli("--db", db, "sync")
    rows = js(cli("--db", db, "log", "--json"))
    assert {(r["document"], r["result"]) for r in rows} == {
        ("PO-1", "success"), ("PO-2", "blocked"), (None, "success")}  # None: the pull
    assert [r["operation"] for r in rows if r["document"] is None] == ["pull-full"]
    assert [r["document"] for r in js(cli("--db", db, "log", "--failed", "--json"))] == ["PO-2"]
    assert js(cli("--db", db, "log", "--since", "2999-01-01", "--json")) == []
    assert [r["result"] for r in js(cli("--db", db, "log", "--document", "PO-1", "--json"))] \
        == ["success"]


def test_a_sync_that_cannot_reach_quickbooks_exits_1(cli, db, sandbox):
    sandbox.stop()
    result = cli("--db", db, "sync")
    assert result.code == 1
    assert "could not be reached for reading its changes and lists: is it still " \
        "running" in result.err  # the local sandbox is named, with its address
    assert "Nothing to send" not in result.out
    assert states(cli, db) == {"PO-1": ("queued", None), "PO-2": ("queued", None)}
