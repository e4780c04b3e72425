"""Two SyncDesks on one team store stay under QuickBooks' limits together.

QuickBooks counts per company, so each instance keeping under the limits on its own
is not enough: these tests run two instances (real processes, or two clients with
engines of their own) against a sandbox with the limits on, in a shortened window,
each sending more than the window allows, and ask the sandbox how many it refused
(none) and how many it held at once. Without the shared budget each instance would
send its own window's worth and the sandbox would refuse the excess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from app.connection.service import ConnectRequest, connect, open_client
from app.qbo.client import BatchItem, QboClient
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.qbo.transport import RetryPolicy
from app.sandbox.server import SandboxServer
from app.store.budget import RequestBudget
from app.store.database import Store, open_store

ROOT = Path(__file__).resolve().parents[2]
INSTANCE = Path(__file__).with_name("budget_instance.py")
WINDOW = 2.0
POLICY = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, throttle_wait=WINDOW,
                     timeout=20)

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["postgresql"])]


@pytest.fixture
def company(store: Store) -> Iterator:
    """``company(spec)`` → a sandbox with those limits, the team store connected to it."""
    servers: list[SandboxServer] = []

    def make(spec: str) -> SandboxServer:
        server = SandboxServer(seed="empty", throttle=spec).start()
        servers.append(server)
        connect(store, ConnectRequest("local", server.base_url), follow_redirects, timeout=10)
        server.throttling.reset()  # count from here: connecting sent requests of its own
        return server

    yield make
    for server in servers:
        server.stop()


def run_instances(store: Store, *, requests: int, threads: int, per_window: int,
                  concurrent: int = 8) -> list[dict]:
    """Two ``budget_instance.py`` processes on the store, started together."""
    args = [store.url, str(requests), str(threads), str(WINDOW), str(per_window),
            str(concurrent)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [subprocess.Popen([sys.executable, str(INSTANCE), *args], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True, env=env)
                for _ in range(2)]
    try:
        for child in children:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        results = []
        for child in children:
            out, _ = child.communicate(timeout=120)
            assert child.returncode == 0
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait(10)


def test_two_processes_share_one_window(store, company):
    """Each instance alone would send its whole window's worth at once: 2 × 38 > 40."""
    sandbox = company(f"40/{WINDOW:g}s,concurrent=10,batch=off")
    start = time.monotonic()
    results = run_instances(store, requests=50, threads=4, per_window=38)
    took = time.monotonic() - start
    assert [r["errors"] for r in results] == [[], []]
    assert [r["throttled"] for r in results] == [0, 0]
    assert sandbox.throttling.refused == {}
    assert sandbox.throttling.admitted == 100
    # 100 requests at 38 a window: the last ones went in the third window at the earliest
    assert took > 2 * WINDOW
    assert min(r["waited"] for r in results) > 0  # both were held back, not just one


def test_two_processes_share_the_concurrent_slots(store, company):
    """Slow answers: each instance would keep 8 requests in flight, 16 together > 10."""
    sandbox = company(f"1000/{WINDOW:g}s,concurrent=10,batch=off")
    sandbox.before_hooks.append(lambda ctx: time.sleep(0.05))
    results = run_instances(store, requests=60, threads=8, per_window=900)
    assert [r["errors"] for r in results] == [[], []]
    assert [r["throttled"] for r in results] == [0, 0]
    assert sandbox.throttling.refused == {}
    assert sandbox.throttling.admitted == 120
    assert 2 <= sandbox.throttling.peak_in_flight(sandbox.realm_id) <= Limits().concurrent


def test_two_instances_share_the_batch_ceiling(store, company):
    """Two clients with stores (engines, connection pools) of their own, in threads."""
    sandbox = company(f"1000/{WINDOW:g}s,concurrent=10,batch=4/{WINDOW:g}s")
    limits = Limits(per_minute=900, per_second=10_000, batches_per_minute=4, window=WINDOW)
    other_store = open_store(store.url)
    try:
        clients = [open_client(s, limits, POLICY) for s in (store, other_store)]
        errors: list[Exception] = []

        def send(client: QboClient) -> None:
            try:
                for _ in range(3):
                    client.batch([BatchItem("1", query="select * from Vendor maxresults 1")])
            except Exception as exc:  # the test fails on it below
                errors.append(exc)

        threads = [threading.Thread(target=send, args=(c,)) for c in clients for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert [c.transport.stats.throttled for c in clients] == [0, 0]
        assert sandbox.throttling.refused == {}
        assert sandbox.throttling.admitted == 12  # three windows' worth of batches
    finally:
        other_store.close()


def test_a_429_one_instance_gets_holds_the_other(store, company):
    """An instance whose limits are above QuickBooks' collects a 429: the pause it keeps
    holds the other instance too, which then collects none."""
    sandbox = company(f"5/{WINDOW:g}s,concurrent=off,batch=off,retry-after=auto")
    greedy = open_client(store, Limits(per_minute=100, per_second=10_000, window=WINDOW),
                         POLICY)
    other_store = open_store(store.url)
    try:
        other = open_client(other_store, Limits(per_minute=100, per_second=10_000,
                                                window=WINDOW), POLICY)
        assert isinstance(other.transport.limiter.shared, RequestBudget)
        for _ in range(5):
            greedy.preferences()
        throttled = threading.Event()
        original = greedy.transport.limiter.pause

        def pause(seconds: float) -> None:
            original(seconds)
            throttled.set()

        greedy.transport.limiter.pause = pause  # type: ignore[method-assign]
        sent = threading.Thread(target=greedy.preferences)
        sent.start()
        assert throttled.wait(10)
        other.preferences()
        sent.join(30)
        assert greedy.transport.stats.throttled == 1
        assert other.transport.stats.throttled == 0
        assert other.transport.limiter.waited > 0.5
        assert sandbox.throttling.refused == {"requests": 1}
    finally:
        other_store.close()


def test_the_client_of_a_team_store_takes_its_slots_there(store, company):
    company("qbo")
    client: QboClient = open_client(store, Limits(), POLICY)
    budget = client.transport.limiter.shared
    assert isinstance(budget, RequestBudget)
    client.preferences()
    with store.engine.connect() as conn:
        slots = conn.execute(text("SELECT realm_key, done FROM request_slot")).all()
    assert (f"local:{client.realm_id}", True) in slots
    assert all(done for _, done in slots)  # every slot given back
