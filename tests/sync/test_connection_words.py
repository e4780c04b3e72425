"""When QuickBooks (or the sandbox standing in for it) cannot be reached, or fails on its
side, SyncDesk says which, in one plain sentence with what to do."""

from __future__ import annotations

import json

import pytest

from app.connection.service import ConnectRequest, connect
from app.qbo.oauth import follow_redirects
from app.sync.engine import SyncEngine
from tests.sync.conftest import make_po

RAW = ("ConnectionError", "MissingSchema", "HTTPConnectionPool", "Max retries", "Intuit",
       "Traceback")


def plain(text: str) -> str:
    for word in RAW:
        assert word not in text, text
    return text


def test_connect_to_a_sandbox_that_is_not_running(cli, db_path, store):
    result = cli("--db", db_path, "connect", "--env", "local", "--base-url",
                 "http://127.0.0.1:1")
    assert result.code == 1
    message = plain(result.err)
    assert message.startswith("syncdesk: The SyncDesk sandbox at http://127.0.0.1:1 could not "
                              "be reached; nothing was connected. Is it running?")
    assert "syncdesk sandbox" in message and message.count("syncdesk: ") == 1


@pytest.mark.parametrize("url", ["notaurl", "ftp://127.0.0.1:5000", "http://127.0.0.1:1:2",
                                 "127.0.0.1:5000"])
def test_connect_with_a_base_url_that_is_no_web_address_is_a_usage_error(cli, db_path, store,
                                                                         url):
    result = cli("--db", db_path, "connect", "--env", "local", "--base-url", url)
    assert result.code == 2
    assert plain(result.err) == ("syncdesk: --base-url must be an http(s) address such as "
                                 "http://127.0.0.1:PORT (the address `syncdesk sandbox` "
                                 "printed)\n")


@pytest.fixture
def db(store, sandbox, db_path):
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    make_po(store, number="PO-1")
    return db_path


def test_sync_against_a_stopped_sandbox_names_it_and_what_to_do(cli, db, sandbox):
    url = sandbox.base_url.rstrip("/")
    sandbox.stop()
    result = cli("--db", db, "sync")
    assert result.code == 1
    message = plain(result.err)
    assert (f"The SyncDesk sandbox at {url} could not be reached for reading its changes "
            "and lists: is it still running (syncdesk sandbox)?") in message


def test_a_run_stopped_by_a_stopped_sandbox_says_so_in_plain_words(store, sandbox, client):
    from app.commands.hints import as_command

    make_po(store, number="PO-1")
    sandbox.stop()
    report = SyncEngine(store, client, actor="tester").run()
    assert report.stopped is not None and "syncdesk" not in report.stopped
    assert "is it still running? The next" in report.stopped
    assert report.to_json()["stopped"] == report.stopped
    assert "is it still running (syncdesk sandbox)? The next" in report.stopped_words(as_command)


def show(cli, db, number):
    result = cli("--db", db, "show", "po", number, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)["last_error"]


def test_a_quickbooks_server_error_is_not_blamed_on_the_internet(cli, db, sandbox):
    sandbox.faults.load("500:POST/purchaseorder:*")
    result = cli("--db", db, "sync")
    assert result.code == 0, result.err
    error = show(cli, db, "PO-1")
    assert error["kind"] == "transport"
    assert error["explanation"] == (
        "An error on QuickBooks' side stopped PO-1 (HTTP 500, code 10000). The next sync "
        "tries it again; Resend or resync-failures sends it now.")
    assert "internet" not in error["what_to_do"]
    assert error["what_to_do"].startswith("Nothing to do on your side: the next sync tries "
                                          "it again")
    status = cli("--db", db, "status").out
    assert "QuickBooks could not be reached, or failed on its side" in status


def test_a_dropped_connection_reads_as_one_sentence(store, sandbox, client):
    make_po(store, number="PO-1")
    engine = SyncEngine(store, client, actor="tester")
    engine.run(push=False)  # the lists first: the drop is for the create only
    sandbox.faults.load("drop:POST/purchaseorder:*")
    report = engine.run()
    outcome = report.outcomes[0]
    assert (outcome.sync_state, outcome.problem) == ("failed", "transport")
    assert plain(outcome.explanation) == (
        "The connection to QuickBooks broke off before it answered for PO-1. The next sync "
        "tries it again; Resend or resync-failures sends it now.")


def test_an_unreachable_quickbooks_says_to_check_the_internet():
    from app.commands.hints import as_command
    from app.qbo.errors import TransportError
    from app.sync.problems import diagnose, what_to_do

    far = diagnose(TransportError("no connection", cause="unreachable",
                                  server="https://quickbooks.api.intuit.com"), "PO-1")
    assert far.explanation == ("QuickBooks could not be reached for PO-1; check the internet "
                               "connection.")
    assert what_to_do("transport", "po", "PO-1", far.facts).words(as_command).startswith(
        "Check the internet connection")
    near = diagnose(TransportError("no connection", cause="unreachable",
                                   server="http://127.0.0.1:5000"), "PO-1")
    assert "Intuit" not in near.explanation and "sandbox" in near.explanation
    assert what_to_do("transport", "po", "PO-1", near.facts).words(as_command).startswith(
        "Start the sandbox again (syncdesk sandbox)")
