"""What the shared request budget costs per request on a team (PostgreSQL) store.

On demand: ``SYNCDESK_BENCHMARKS=1 SYNCDESK_TEST_POSTGRES=URL python3 build/dev.py test
tests/benchmarks/test_budget_benchmark.py -s``. Prints figures; asserts nothing on time.

A take is one short transaction (lock the company's row, count and insert, commit) and
a give-back one update; QuickBooks' answers take 10–100 ms, so the budget should stay
in the low milliseconds even with two instances of eight threads each asking at once.
"""

from __future__ import annotations

import os
import statistics
import threading
import time

import pytest
from sqlalchemy import text

from app.qbo.limits import Limits, RealmLimiter
from app.store.budget import RequestBudget
from app.store.database import make_engine

ROOMY = Limits(per_minute=1_000_000, per_second=1_000_000, concurrent=1000,
               batches_per_minute=1000)
SLOTS = 1000

pytestmark = [
    pytest.mark.benchmark,
    pytest.mark.skipif(os.environ.get("SYNCDESK_BENCHMARKS") != "1",
                       reason="on demand: set SYNCDESK_BENCHMARKS=1"),
    pytest.mark.parametrize("backend", ["postgresql"]),
]


def per_slot(limiter: RealmLimiter, count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        with limiter.slot():
            pass
        times.append(time.perf_counter() - start)
    return times


def show(what: str, times: list[float]) -> None:
    ms = sorted(t * 1000 for t in times)
    print(f"{what}: {len(ms)} slots, median {statistics.median(ms):.3f} ms, "
          f"p95 {ms[int(len(ms) * 0.95)]:.3f} ms, max {ms[-1]:.3f} ms")


def test_budget_overhead(store):
    print()
    show("in-process limiter only", per_slot(RealmLimiter(ROOMY), SLOTS))
    engines = [make_engine(store.url) for _ in range(2)]
    try:
        trips = []
        for _ in range(SLOTS):
            start = time.perf_counter()
            with engines[0].connect() as conn:
                conn.execute(text("SELECT 1"))
            trips.append(time.perf_counter() - start)
        show("for comparison, SELECT 1 (a round trip and a pooled connection)", trips)
        shared = [RealmLimiter(ROOMY, shared=RequestBudget(e, "bench:1", ROOMY))
                  for e in engines]
        show("shared budget, one thread", per_slot(shared[0], SLOTS))

        times: list[float] = []
        lock = threading.Lock()

        def run(limiter: RealmLimiter) -> None:
            mine = per_slot(limiter, SLOTS // 8)
            with lock:
                times.extend(mine)

        threads = [threading.Thread(target=run, args=(limiter,))
                   for limiter in shared for _ in range(8)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.perf_counter() - start
        show("shared budget, two instances × 8 threads", times)
        print(f"  {len(times) / took:.0f} slots a second together "
              "(QuickBooks allows 500 a minute)")
    finally:
        for engine in engines:
            engine.dispose()
