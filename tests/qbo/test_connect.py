"""Connecting: the OAuth code flow against the sandbox, state checks, status, disconnect."""

from __future__ import annotations

import json

import pytest
import requests

from app.connection.service import ConnectRequest, connect, connection, disconnect
from app.qbo.oauth import ConnectError, follow_redirects


def test_connect_through_the_command_line(cli, db_path, sandbox):
    db = db_path
    assert cli("--db", db, "init").code == 0
    result = cli("--db", db, "connect", "--env", "local", "--base-url", sandbox.base_url)
    assert result.code == 0, result.err
    status = json.loads(cli("--db", db, "status", "--json").out)["connection"]
    assert status["state"] == "connected" and status["environment"] == "local"
    assert status["company"]  # read from CompanyInfo after connecting
    assert cli("--db", db, "disconnect").code == 0
    status = json.loads(cli("--db", db, "status", "--json").out)["connection"]
    assert status == {"state": "disconnected", "environment": None, "company": None}


def test_local_connect_needs_the_sandbox_url(cli, db_path):
    cli("--db", db_path, "init")
    result = cli("--db", db_path, "connect", "--env", "local")
    assert result.code == 2 and "--base-url" in result.err  # a usage error


def tamper(param: str, value: str | None):
    """A 'browser' that returns to SyncDesk with one redirect parameter changed."""

    def open_browser(url: str) -> None:
        answer = requests.get(url, allow_redirects=False, timeout=10)
        location = requests.Request("GET", answer.headers["Location"]).prepare()
        parts = requests.utils.urlparse(location.url)
        query = dict(p.split("=", 1) for p in parts.query.split("&"))
        if value is None:
            query.pop(param, None)
        else:
            query[param] = value
        target = parts._replace(query="&".join(f"{k}={v}" for k, v in query.items())).geturl()
        requests.get(target, timeout=10)

    return open_browser


@pytest.mark.parametrize("state", ["forged-state", None])
def test_a_wrong_or_missing_state_connects_nothing(store, sandbox, state):
    with pytest.raises(ConnectError, match="state"):
        connect(store, ConnectRequest("local", sandbox.base_url), tamper("state", state),
                timeout=10)
    assert connection(store) is None


def test_a_denied_request_connects_nothing(store, sandbox):
    def deny(url: str) -> None:
        answer = requests.get(url, allow_redirects=False, timeout=10)
        callback = answer.headers["Location"].split("?")[0]
        requests.get(callback, params={"error": "access_denied"}, timeout=10)

    with pytest.raises(ConnectError, match="access_denied"):
        connect(store, ConnectRequest("local", sandbox.base_url), deny, timeout=10)
    assert connection(store) is None


def test_reconnecting_replaces_the_connection(store, sandbox):
    first = connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, 10)
    second = connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, 10)
    assert first.realm_id == second.realm_id and connection(store).state == "connected"
    assert disconnect(store) and connection(store) is None
    assert not disconnect(store)
