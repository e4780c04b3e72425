"""The client under every fault QuickBooks throws: recovery, or a clear logged failure."""

from __future__ import annotations

import logging
import threading

import pytest

from app.connection.service import ConnectRequest, connect, connection, open_client
from app.qbo.errors import TransportError
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.qbo.tokens import NeedsReconnect
from app.qbo.transport import RetryPolicy
from app.sandbox.server import SandboxServer

POLICY = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, throttle_wait=0.3,
                     timeout=1.0)


@pytest.fixture
def sandbox():
    with SandboxServer(throttle="off") as server:
        yield server


@pytest.fixture
def client(store, sandbox):
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    return open_client(store, Limits(), POLICY)


@pytest.mark.parametrize("kind", ["500", "503", "empty", "drop", "429"])
def test_reads_recover_from_transient_faults(client, sandbox, kind):
    sandbox.faults.add(kind, route="companyinfo", count=2)
    assert client.company_info()["CompanyName"]
    assert sandbox.faults.count(kind) == 2
    assert client.transport.stats.retries == 2


def test_a_slow_answer_times_out_and_is_retried(client, sandbox):
    sandbox.faults.add("slow", route="companyinfo", count=1, delay="3s")
    assert client.company_info()["CompanyName"]
    assert sandbox.faults.count("slow") == 1 and client.transport.stats.retries == 1


@pytest.mark.parametrize("kind", ["lost", "drop", "500", "empty", "slow"])
def test_a_create_whose_answer_is_lost_leaves_one_object(client, sandbox, kind):
    """The request id makes a retried create return the first answer, never a second object."""
    extra = {"delay": "3s"} if kind == "slow" else {}
    sandbox.faults.add(kind, route="POST/vendor", count=1, **extra)
    vendor = client.create("Vendor", {"DisplayName": "Exactly Once Ltd"},
                           request_id="sd-vendor-test-1")
    assert sandbox.faults.count(kind) == 1
    assert [v["Id"] for v in client.query_all("Vendor")] == [vendor["Id"]]


def test_a_revoked_access_token_is_refreshed_and_the_call_retried(client, sandbox, store):
    sandbox.faults.add("401", route="companyinfo", count=1)
    assert client.company_info()["CompanyName"]
    assert connection(store).state == "connected"


def test_a_revoked_grant_asks_for_reconnect(client, sandbox, store):
    sandbox.faults.add("401", route="companyinfo", count=1, revoke="grant")
    with pytest.raises(NeedsReconnect):
        client.company_info()
    assert connection(store).state == "needs_reconnect"


def test_a_persistent_gateway_error_is_a_clear_logged_failure(client, sandbox, caplog):
    sandbox.faults.add("503", route="companyinfo", count=None)
    with caplog.at_level(logging.INFO, logger="app.qbo.transport"), \
            pytest.raises(TransportError) as caught:
        client.company_info()
    error = caught.value
    assert error.http_status == 503 and "web page" in str(error)
    assert error.body_head.lower().startswith("<!doctype html") or "<html" in error.body_head
    assert sum("retrying GET" in r.getMessage() for r in caplog.records) == 3


def test_a_write_without_a_request_id_is_not_retried_after_a_lost_answer(client, sandbox):
    sandbox.faults.add("drop", route="POST/query", count=1)
    # queries are safe to repeat, so this one recovers …
    assert client.count("Vendor") == 0
    # … but a delete (no request id of the caller's) is only sent once by the transport
    sandbox.faults.add("lost", route="POST/vendor", count=1)
    with pytest.raises(TransportError):
        client.transport.request("POST", client._url("vendor"), params=client._params(),
                                 json_body={"DisplayName": "Sent Once"}, retry_safe=False)
    assert client.count("Vendor") == 1


def test_the_client_keeps_under_the_throttle(store):
    limits_spec = "20/2s,concurrent=3,batch=40/2s"
    with SandboxServer(throttle=limits_spec) as sandbox:
        connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
        client = open_client(store, Limits(per_minute=19, per_second=50, concurrent=3,
                                           window=2.0), POLICY)
        errors: list[Exception] = []

        def work() -> None:
            try:
                for _ in range(6):
                    client.company_info()
            except Exception as exc:  # collected for the assertion
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and client.transport.stats.throttled == 0


def test_throttled_requests_wait_and_go_through(store):
    with SandboxServer(throttle="5/1s,retry-after=auto") as sandbox:
        connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
        client = open_client(store, Limits(per_minute=1000, per_second=1000), POLICY)
        for _ in range(12):
            client.company_info()
        assert client.transport.stats.throttled > 0  # 429s happened and were absorbed
