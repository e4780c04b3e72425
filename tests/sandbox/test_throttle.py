"""Throttling as QBO does it: per-realm windows, concurrency, batches, the XML 429.

Windows are driven by a fake clock (``sandbox.throttling.clock``) so nothing
sleeps and nothing depends on timing; one test uses a real one-second window.
"""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET

import pytest
import requests

from app.sandbox.server import SandboxServer
from app.sandbox.throttle import ThrottleLimits, parse_throttle
from tests.sandbox.conftest import Api

# API.md §6, copied rather than imported, so a drift on either side shows.
NS = "{http://schema.intuit.com/finance/v3}"
THROTTLE_MESSAGE = "message=ThrottleExceeded; errorCode=003001; statusCode=429"
THROTTLE_DETAIL = "The request limit was reached.  Try again later"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def assert_qbo_throttle(response: requests.Response) -> None:
    """HTTP 429 with exactly QBO's XML IntuitResponse body, although JSON was asked for."""
    assert response.request.headers["Accept"] == "application/json"
    assert response.status_code == 429
    assert response.headers["Content-Type"].startswith("application/xml")
    text = response.text
    assert text.startswith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
    root = ET.fromstring(text)
    assert root.tag == f"{NS}IntuitResponse" and root.get("time")
    [fault] = list(root)
    assert fault.tag == f"{NS}Fault" and fault.get("type") == "SERVICE"
    [error] = list(fault)
    assert error.tag == f"{NS}Error" and error.get("code") == "3001"
    assert [child.tag for child in error] == [f"{NS}Message", f"{NS}Detail"]
    assert error.find(f"{NS}Message").text == THROTTLE_MESSAGE
    assert error.find(f"{NS}Detail").text == THROTTLE_DETAIL


@pytest.fixture
def throttled():
    """A sandbox factory: ``throttled("3/10s")`` → (sandbox, api, fake clock)."""
    made = []

    def make(spec: str):
        server = SandboxServer(throttle=spec).start()
        clock = FakeClock()
        server.throttling.clock = clock
        api = Api(server)
        made.append((server, api))
        return server, api, clock

    yield make
    for server, api in made:
        api.close()
        server.stop()


def statuses(api: Api, n: int, path: str = "preferences") -> list[int]:
    return [api.get(path).status_code for _ in range(n)]


# --- the spec ------------------------------------------------------------------------------------
def test_qbo_is_the_default_and_the_spec_spells_it():
    qbo = ThrottleLimits(requests=500, window=60, concurrent=10, batches=40, batch_window=60)
    assert parse_throttle("qbo") == qbo
    assert parse_throttle("500/60s,concurrent=10,batch=40/60s") == qbo
    assert parse_throttle(qbo.describe()) == qbo
    assert parse_throttle("off") is None
    with SandboxServer() as sandbox:
        assert sandbox.throttling.limits == qbo


def test_spec_variants_and_errors():
    limits = parse_throttle("5/1s")
    assert (limits.requests, limits.window, limits.concurrent, limits.batches) == (5, 1, 10, 40)
    limits = parse_throttle("20/500ms,concurrent=off,batch=3/1m,retry-after=auto")
    assert (limits.requests, limits.window, limits.concurrent) == (20, 0.5, None)
    assert (limits.batches, limits.batch_window, limits.retry_after) == (3, 60, "auto")
    assert parse_throttle("qbo,retry-after=60").retry_after == 60
    assert parse_throttle("requests=off").requests is None
    for bad in ("", "fast", "5", "5/0s", "0/1s", "concurrent=0", "batch=3", "retry-after=soon",
                "burst=3"):
        with pytest.raises(ValueError):
            parse_throttle(bad)


# --- each limit ----------------------------------------------------------------------------------
def test_requests_per_window_answer_429_with_qbos_xml(throttled):
    sandbox, api, clock = throttled("3/10s,concurrent=off,batch=off")
    assert statuses(api, 3) == [200, 200, 200]
    refused = api.get("preferences")
    assert_qbo_throttle(refused)
    assert "Retry-After" not in refused.headers  # off by default
    assert sandbox.throttling.refused["requests"] == 1
    clock.now += 9.9
    assert statuses(api, 1) == [429]
    clock.now += 0.2  # the first three leave the window
    assert statuses(api, 4) == [200, 200, 200, 429]


def test_the_window_slides(throttled):
    _sandbox, api, clock = throttled("3/10s,concurrent=off")
    assert statuses(api, 1) == [200]
    clock.now += 5
    assert statuses(api, 3) == [200, 200, 429]
    clock.now += 5.1  # only the first request has left the window
    assert statuses(api, 2) == [200, 429]


def test_a_refused_request_does_not_count(throttled):
    sandbox, api, clock = throttled("3/10s,concurrent=off")
    assert statuses(api, 3) == [200, 200, 200]
    clock.now += 9
    assert statuses(api, 5) == [429] * 5  # hammering inside the window …
    clock.now += 1.5
    assert statuses(api, 4) == [200, 200, 200, 429]  # … costs nothing once it has passed
    assert sandbox.throttling.refused["requests"] == 6


def test_a_throttled_write_does_nothing(throttled):
    sandbox, api, _clock = throttled("1/1m,concurrent=off")
    assert api.post("vendor", {"DisplayName": "First"}).status_code == 200
    assert_qbo_throttle(api.post("vendor", {"DisplayName": "Second"}))
    assert [v["DisplayName"] for v in sandbox.company.all("Vendor")] == ["First"]


def test_batch_requests_per_window(throttled):
    sandbox, api, clock = throttled("100/1m,batch=2/1m,concurrent=off")
    batch = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Account"}]}
    assert [api.post("batch", batch).status_code for _ in range(2)] == [200, 200]
    assert_qbo_throttle(api.post("batch", batch))
    assert statuses(api, 1) == [200]  # other requests still pass
    assert sandbox.throttling.refused == {"batch": 1}
    clock.now += 60.1
    assert api.post("batch", batch).status_code == 200


def test_batches_count_toward_the_request_limit(throttled):
    _sandbox, api, _clock = throttled("3/1m,batch=10/1m,concurrent=off")
    batch = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Account"}]}
    assert [api.post("batch", batch).status_code for _ in range(2)] == [200, 200]
    assert statuses(api, 2) == [200, 429]


def test_more_than_30_operations_in_a_batch_is_1040(throttled):
    _sandbox, api, _clock = throttled("qbo")
    items = [{"bId": str(n), "Query": "select * from Vendor"} for n in range(31)]
    [error] = api.errors(api.post("batch", {"BatchItemRequest": items}))
    assert (error["code"], error["Message"]) == ("1040", "Batch size exceeds allowed limit")


def test_concurrent_requests_over_the_limit_get_429(throttled):
    sandbox, api, _clock = throttled("100/1m,concurrent=2")
    release = threading.Event()
    entered = threading.Semaphore(0)

    def hold(ctx):
        if ctx.path == "companyinfo/" + sandbox.realm_id:
            entered.release()
            release.wait(30)
        return None

    sandbox.before_hooks.append(hold)
    results: list[int] = []

    def slow_request() -> None:
        with requests.Session() as session:
            results.append(session.get(api.url(f"companyinfo/{sandbox.realm_id}"),
                                       headers={"Authorization": f"Bearer {api.token}"},
                                       timeout=30).status_code)

    threads = [threading.Thread(target=slow_request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for _ in threads:
        assert entered.acquire(timeout=30)
    assert sandbox.throttling.in_flight(sandbox.realm_id) == 2
    try:
        assert_qbo_throttle(api.get("preferences"))
        assert sandbox.throttling.refused == {"concurrent": 1}
    finally:
        release.set()
        for thread in threads:
            thread.join(30)
    assert results == [200, 200]
    assert sandbox.throttling.in_flight(sandbox.realm_id) == 0
    assert sandbox.throttling.peak_in_flight(sandbox.realm_id) == 2  # the refused one never ran
    assert statuses(api, 1) == [200]
    sandbox.throttling.reset()
    assert sandbox.throttling.peak_in_flight(sandbox.realm_id) == 0


def test_retry_after_header_when_asked_for(throttled):
    sandbox, api, clock = throttled("2/10s,concurrent=off,retry-after=60")
    statuses(api, 2)
    assert api.get("preferences").headers["Retry-After"] == "60"
    sandbox.throttling.configure("2/10s,concurrent=off,retry-after=auto")
    clock.now += 6.5  # both requests leave the window 3.5 s from now
    refused = api.get("preferences")
    assert_qbo_throttle(refused)
    assert refused.headers["Retry-After"] == "4"


def test_throttle_off_and_reset(throttled):
    sandbox, api, _clock = throttled("1/1m")
    assert statuses(api, 2) == [200, 429]
    sandbox.throttling.reset()
    assert statuses(api, 2) == [200, 429]
    sandbox.throttling.configure("off")
    assert statuses(api, 3) == [200, 200, 200]


def test_oauth_endpoints_are_not_throttled(throttled):
    sandbox, api, _clock = throttled("1/1m")
    assert statuses(api, 2) == [200, 429]
    discovery = requests.get(f"{sandbox.base_url}/.well-known/openid_configuration", timeout=30)
    assert discovery.status_code == 200


def test_a_real_short_window():
    """No fake clock: a one-second window really frees up after a second."""
    with SandboxServer(throttle="2/1s,concurrent=off") as sandbox:
        api = Api(sandbox)
        try:
            assert statuses(api, 3) == [200, 200, 429]
            time.sleep(1.05)
            assert statuses(api, 1) == [200]
        finally:
            api.close()
