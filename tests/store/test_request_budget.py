"""The request budget a team store's instances share (app/store/budget.py), on PostgreSQL.

"Another instance" is a second engine on the same database (a connection pool of its
own, as another process has), or a real process where it matters (the crash).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from app.qbo.limits import Limits, RealmLimiter
from app.store.budget import POLL, RequestBudget, realm_key, shared_budget
from app.store.database import Store, alembic_config, make_engine

ROOT = Path(__file__).resolve().parents[2]
REALM = realm_key("local", "9130350000000001")
ROOMY = Limits(per_minute=10_000, per_second=10_000, concurrent=100, batches_per_minute=1000,
               window=1.0)
on_postgresql = pytest.mark.parametrize("backend", ["postgresql"])


@pytest.fixture
def instances(store: Store) -> Iterator:
    """``make(limits, **kw)`` → a budget on its own engine, as another instance has."""
    engines = []

    def make(limits: Limits = ROOMY, **kwargs) -> RequestBudget:
        engine = make_engine(store.url)
        engines.append(engine)
        return RequestBudget(engine, REALM, limits, **kwargs)

    yield make
    for engine in engines:
        engine.dispose()


def take_within(budget: RequestBudget, seconds: float, batch: bool = False) -> tuple[int, float]:
    """Ask (waiting as told) until a slot comes; the slot and the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        slot, wait = budget.take(batch)
        if slot is not None:
            return slot, time.monotonic() - start
        time.sleep(wait)
    raise AssertionError(f"no slot within {seconds} s")


def test_a_team_store_shares_its_budget_and_a_sqlite_store_keeps_it_in_process(store, backend):
    budget = shared_budget(store, "local", "123", Limits(), timeout=5.0)
    if backend == "postgresql":
        assert isinstance(budget, RequestBudget)
        assert budget.realm_key == "local:123" and budget.expiry == 20.0
    else:
        assert budget is None


def test_the_migration_goes_down_and_up_again(store, backend):
    def functions() -> int:
        if backend != "postgresql":
            return 0
        with store.engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM pg_proc WHERE proname = "
                                     "'syncdesk_take_request_slot'")).scalar_one()

    config = alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0012")
    assert not {"request_budget", "request_slot"} & set(inspect(store.engine).get_table_names())
    assert functions() == 0
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert {"request_budget", "request_slot"} <= set(inspect(store.engine).get_table_names())
    assert functions() == (1 if backend == "postgresql" else 0)


@on_postgresql
def test_two_instances_share_one_window(instances):
    limits = Limits(per_minute=6, per_second=1000, concurrent=100, window=1.0)
    first, second = instances(limits), instances(limits)
    for budget in (first, second) * 3:
        slot, wait = budget.take(False)
        assert slot is not None and wait == 0
        budget.give_back(slot)
    slot, wait = second.take(False)
    assert slot is None and 0 < wait <= 1.0 + POLL
    assert second.last is not None and second.last.recent == 6
    _, took = take_within(first, 5.0)
    assert took > 0.5  # the window had to slide past the first answers


@on_postgresql
def test_in_flight_slots_are_counted_across_instances(instances):
    limits = Limits(per_minute=1000, per_second=1000, concurrent=3, window=1.0)
    first, second = instances(limits), instances(limits)
    held = [first.take(False)[0] for _ in range(3)]
    assert None not in held
    slot, wait = second.take(False)
    assert slot is None and wait <= 2 * POLL + 0.01  # a slot in flight frees any moment
    assert second.last is not None and second.last.in_flight == 3
    first.give_back(held.pop())
    slot, _ = second.take(False)
    assert slot is not None


@on_postgresql
def test_batches_have_their_own_ceiling(instances):
    limits = Limits(per_minute=1000, per_second=1000, concurrent=100, batches_per_minute=2,
                    window=1.0)
    first, second = instances(limits), instances(limits)
    for budget in (first, second):
        slot, _ = budget.take(True)
        assert slot is not None
        budget.give_back(slot)
    assert second.take(True)[0] is None
    assert second.take(False)[0] is not None  # other requests still go


@on_postgresql
def test_a_pause_after_a_429_holds_every_instance(instances):
    first, second = instances(), instances()
    first.pause(0.6)
    slot, wait = second.take(False)
    assert slot is None and 0.4 < wait <= 0.6 + POLL + 0.01
    _, took = take_within(second, 5.0)
    assert took > 0.4


@on_postgresql
def test_the_slots_of_an_instance_that_crashed_expire(instances, store):
    """A real process takes every concurrent slot and is killed before it gives them back."""
    limits = Limits(per_minute=1000, per_second=1000, concurrent=4, window=1.0)
    with subprocess.Popen(
            [sys.executable, "-c", CRASHING_HOLDER, store.url, REALM, "4", "1.5"],
            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "holding 4"
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(10)
    budget = instances(limits)
    slot, _ = budget.take(False)
    assert slot is None and budget.last is not None and budget.last.in_flight == 4
    _, took = take_within(budget, 15.0)
    assert took > 0.2
    assert budget.last is not None and budget.last.in_flight < 4  # one has expired


CRASHING_HOLDER = """
import sys, time
from app.qbo.limits import Limits
from app.store.budget import RequestBudget
from app.store.database import make_engine
url, realm, count, expiry = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
limits = Limits(per_minute=1000, per_second=1000, concurrent=count, window=1.0)
budget = RequestBudget(make_engine(url), realm, limits, expiry=expiry)
held = [budget.take(False)[0] for _ in range(count)]
assert None not in held
print(f"holding {count}", flush=True)
time.sleep(60)
"""


@on_postgresql
def test_name_list_writes_take_turns_and_a_lost_turn_expires(instances):
    first, second = instances(name_list_lease=0.5), instances()
    assert first.take_name_list() == 0
    assert first.take_name_list() == 0  # the holder again (its own lock orders its threads)
    assert second.take_name_list() > 0
    first.give_back_name_list()
    assert second.take_name_list() == 0
    second.give_back_name_list()
    assert first.take_name_list() == 0  # and never given back: the lease runs out
    start = time.monotonic()
    while second.take_name_list() > 0:
        assert time.monotonic() - start < 10
        time.sleep(POLL)
    assert time.monotonic() - start > 0.2


@on_postgresql
def test_answered_requests_out_of_every_window_are_pruned(instances, store):
    budget = instances()
    slot, _ = budget.take(False)
    assert slot is not None
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO request_slot (realm_key, holder, batch, done, started_at, "
                          "ends_at) VALUES (:realm, 'gone', false, true, 1, 2)"),
                     {"realm": REALM})
    budget.give_back(slot)  # the first give-back of an instance prunes
    with store.engine.connect() as conn:
        holders = conn.execute(text("SELECT holder FROM request_slot")).scalars().all()
    assert holders == [budget.holder]


@on_postgresql
def test_the_limiter_waits_for_the_shared_slot_in_the_sending_thread(instances):
    """Two limiters (two instances) with room of their own, one shared window between them."""
    limits = Limits(per_minute=4, per_second=1000, concurrent=8, window=1.0)
    first = RealmLimiter(limits, shared=instances(limits))
    second = RealmLimiter(limits, shared=instances(limits))
    for limiter in (first, second, first, second):
        with limiter.slot():
            pass
    assert first.waited < 0.5 and second.waited < 0.5
    with second.slot():  # the fifth in the window: each limiter alone had room
        pass
    assert second.waited > 0.3


@on_postgresql
def test_a_429_on_one_limiter_holds_the_other(instances):
    first = RealmLimiter(ROOMY, shared=instances())
    second = RealmLimiter(ROOMY, shared=instances())
    first.pause(0.5)
    with second.slot():
        pass
    assert second.waited > 0.3


@on_postgresql
def test_one_name_list_write_at_a_time_across_limiters(instances):
    first = RealmLimiter(ROOMY, shared=instances())
    second = RealmLimiter(ROOMY, shared=instances())
    order: list[str] = []
    inside = threading.Event()

    def write_names() -> None:
        with first.name_list_lock:
            order.append("first in")
            inside.set()
            time.sleep(0.3)
            order.append("first out")

    writer = threading.Thread(target=write_names)
    writer.start()
    assert inside.wait(10)
    with second.name_list_lock:
        order.append("second in")
    writer.join(10)
    assert order == ["first in", "first out", "second in"]
