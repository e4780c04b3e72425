"""Token lifecycle: refresh on expiry and on 401, rotation across threads and processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from app.connection.service import (
    ConnectRequest,
    StoreTokenStore,
    connect,
    connection,
    connection_status,
    open_client,
)
from app.qbo.oauth import follow_redirects
from app.qbo.tokens import NeedsReconnect
from app.store.database import resolve_db_url
from tests.qbo.conftest import FAST


@pytest.fixture
def connected(store, sandbox):
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    return store


def refresh_works(sandbox, refresh_token: str) -> bool:
    answer = requests.post(f"{sandbox.base_url}/oauth2/v1/tokens/bearer", timeout=10,
                           data={"grant_type": "refresh_token", "refresh_token": refresh_token},
                           auth=("syncdesk-demo", "syncdesk-demo-secret"))
    return answer.status_code == 200


def test_an_expired_access_token_is_refreshed_on_401_and_the_call_retried(connected, sandbox):
    client = open_client(connected, policy=FAST)
    before = StoreTokenStore(connected).load()
    sandbox.advance_clock(4000)  # the sandbox's tokens expire; SyncDesk's clock does not know
    assert client.company_info()["CompanyName"]
    after = StoreTokenStore(connected).load()
    assert after.refresh_token != before.refresh_token
    assert not refresh_works(sandbox, before.refresh_token)  # superseded: invalid_grant


def test_threads_share_one_refresh(connected, sandbox):
    client = open_client(connected, policy=FAST)
    first = StoreTokenStore(connected).load()
    sandbox.advance_clock(4000)
    errors: list[Exception] = []

    def call() -> None:
        try:
            client.company_info()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    final = StoreTokenStore(connected).load()
    assert final.refresh_token != first.refresh_token
    assert refresh_works(sandbox, final.refresh_token)  # the stored one is the newest


CHILD = """
import sys
from app.connection.service import open_client
from app.store.database import open_store
from app.qbo.transport import RetryPolicy
store = open_store(sys.argv[1])
client = open_client(store, policy=RetryPolicy(attempts=3, base_delay=0.01, timeout=10))
for _ in range(5):
    client.company_info()
print("ok")
"""


def test_two_processes_share_the_rotating_refresh_token(connected, sandbox, db_path):
    sandbox.advance_clock(4000)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    children = [subprocess.Popen([sys.executable, "-c", CHILD, resolve_db_url(str(db_path))],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=env) for _ in range(2)]
    outputs = [child.communicate(timeout=120) for child in children]
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0 and out.strip() == "ok", err
    final = StoreTokenStore(connected).load()
    assert refresh_works(sandbox, final.refresh_token)
    assert connection(connected).state == "connected"


def test_a_refused_refresh_token_asks_for_reconnect_without_a_retry_storm(connected, sandbox):
    stored = StoreTokenStore(connected).load()
    assert refresh_works(sandbox, stored.refresh_token)  # someone else rotated it
    sandbox.advance_clock(4000)
    client = open_client(connected, policy=FAST)
    with pytest.raises(NeedsReconnect):
        client.company_info()
    assert connection(connected).state == "needs_reconnect"
    assert connection_status(connected)["state"] == "needs_reconnect"
    with pytest.raises(NeedsReconnect):
        open_client(connected)  # syncing pauses until the user connects again


def test_status_warns_when_the_refresh_token_is_near_its_end(connected, sandbox):
    from datetime import timedelta

    from app.store.models import QboConnection
    from app.store.types import utcnow

    with connected.session() as session:
        row = session.get(QboConnection, 1)
        row.refresh_expires_at = utcnow() + timedelta(days=3)
        session.add(row)
    status = connection_status(connected)
    assert "connect again" in status["warning"]
    assert json.loads(json.dumps(status))  # plain JSON
