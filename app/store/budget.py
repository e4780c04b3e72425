"""QuickBooks' request budget for one company, shared by every instance on a team store.

QuickBooks counts requests per company: two SyncDesks that each keep under 500 a
minute send up to 1,000 together. On a PostgreSQL store every instance takes its
slots from the store's own database instead (``RequestBudget``, a
``app.qbo.limits.SharedBudget``); one SQLite store is one instance, whose in-process
limiter is enough (``shared_budget`` gives None there).

``request_slot`` holds a row per request sent in the last window and per request in
flight; ``request_budget`` holds a row per company, locked while an instance counts
and takes a slot (so two cannot both take the last one), with the pause after a 429
and the name-list lease. One take is one call of a function in the database
(``syncdesk_take_request_slot``, migration 0017: lock the company's row, count, insert),
one round trip, the lock held only while the function runs; a give-back is one update.
No transaction stays open while a request is on the wire. Times are the database's
clock, so instances on machines whose clocks differ still agree.

A slot in flight carries an expiry: a crashed instance never gives its slots back,
and they stop counting as in flight once it passes. A slot given back is re-stamped
with the time its answer came in (QuickBooks counted it at some moment before that),
so the shared window stays behind QuickBooks' own. Rows out of every window are
pruned now and then.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from app.qbo.limits import Limits
from app.store import postgres
from app.store.database import Store

log = logging.getLogger(__name__)

POLL = 0.02  # seconds between asks while every concurrent slot is taken (plus jitter)
SHORTEST_WAIT = 0.005
PRUNE_EVERY = 30.0  # seconds between two prunes by one instance
NAME_LIST_LEASE = 120.0  # a crashed instance's name-list turn frees itself after this

_NOW = "extract(epoch FROM clock_timestamp())::float8"

_ENSURE = text("INSERT INTO request_budget (realm_key, paused_until) VALUES (:realm, 0) "
               "ON CONFLICT (realm_key) DO NOTHING")

# The function (migration 0017) locks the company's row, counts, and inserts a slot when
# there is room: one round trip, and the lock is held only while it runs.
_TAKE = text("""
SELECT o_slot AS slot, o_now AS now, o_paused_until AS paused_until, o_recent AS recent,
       o_last_second AS last_second, o_batches AS batches, o_in_flight AS in_flight,
       o_oldest AS oldest, o_oldest_second AS oldest_second, o_oldest_batch AS oldest_batch
FROM syncdesk_take_request_slot(:realm, :holder, :batch, :window, :second, :expiry,
                                :per_minute, :per_second, :concurrent, :batches)
""")

_GIVE_BACK = text(f"UPDATE request_slot SET done = true, ends_at = {_NOW} WHERE id = :slot")

_PAUSE = text(f"INSERT INTO request_budget (realm_key, paused_until) VALUES (:realm, {_NOW} "
              "+ :seconds) ON CONFLICT (realm_key) DO UPDATE SET paused_until = "
              "greatest(request_budget.paused_until, excluded.paused_until)")

_PRUNE = text(f"DELETE FROM request_slot WHERE realm_key = :realm AND ends_at < {_NOW} - :keep")

_TAKE_NAME_LIST = text(f"""
UPDATE request_budget SET name_list_holder = :holder, name_list_until = {_NOW} + :lease
WHERE realm_key = :realm AND (name_list_holder IS NULL OR name_list_holder = :holder
                              OR name_list_until <= {_NOW})
RETURNING realm_key
""")

_GIVE_BACK_NAME_LIST = text("UPDATE request_budget SET name_list_holder = NULL, "
                            "name_list_until = NULL "
                            "WHERE realm_key = :realm AND name_list_holder = :holder")


def holder_name() -> str:
    """Who holds a slot: this machine and process, and a random part (for the logs)."""
    return f"{socket.gethostname()[:40]}/{os.getpid()}/{secrets.token_hex(3)}"


def in_flight_expiry(timeout: float) -> float:
    """How long a slot in flight counts when it is never given back (``timeout``: the
    client's per-request timeout; a live request has ended well before this)."""
    return 2 * timeout + 10.0


@dataclass(frozen=True)
class Counts:
    """What the last take saw (for the logs and the tests)."""

    recent: int
    last_second: int
    batches: int
    in_flight: int


class RequestBudget:
    """A ``SharedBudget`` in a PostgreSQL store's database; thread-safe."""

    def __init__(self, engine: Engine, realm_key: str, limits: Limits | None = None,
                 expiry: float = in_flight_expiry(30.0),
                 name_list_lease: float = NAME_LIST_LEASE) -> None:
        # every call is one statement on its own (autocommit): one round trip, no
        # transaction left open; the store's connection pool is shared
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.realm_key = realm_key
        self.limits = limits or Limits()
        self.expiry = expiry
        self.name_list_lease = name_list_lease
        self.holder = holder_name()
        self.last: Counts | None = None
        self._ready = False
        self._last_prune = float("-inf")  # the first give-back prunes
        self._lock = threading.Lock()

    @property
    def _second(self) -> float:
        return self.limits.window / 60.0

    def _run(self, statement: Any, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(statement, {"realm": self.realm_key, **params})

    def take(self, batch: bool) -> tuple[int | None, float]:
        limits = self.limits
        row = self._run(_TAKE, holder=self.holder, batch=batch, window=limits.window,
                        second=self._second, expiry=self.expiry,
                        per_minute=limits.per_minute, per_second=limits.per_second,
                        concurrent=limits.concurrent,
                        batches=limits.batches_per_minute).one()
        self.last = Counts(row.recent, row.last_second, row.batches, row.in_flight)
        if row.slot is not None:
            return int(row.slot), 0.0
        return None, self._wait(row, batch)

    def _wait(self, row: Any, batch: bool) -> float:
        """Seconds until every limit that refused has room again (a poll for concurrency)."""
        limits, now = self.limits, row.now
        waits = [row.paused_until - now]

        def leaves(oldest: float | None, period: float) -> float:
            # the oldest answered request leaves the window then; in-flight ones are
            # re-stamped later than that when they end, so none leaves sooner
            return POLL if oldest is None else oldest + period - now

        if row.recent >= limits.per_minute:
            waits.append(leaves(row.oldest, limits.window))
        if row.last_second >= limits.per_second:
            waits.append(leaves(row.oldest_second, self._second))
        if batch and row.batches >= limits.batches_per_minute:
            waits.append(leaves(row.oldest_batch, limits.window))
        if row.in_flight >= limits.concurrent:
            waits.append(POLL)
        return max(SHORTEST_WAIT, *waits) + random.uniform(0, POLL)  # jitter: no herd

    def give_back(self, slot: int) -> None:
        """End the slot (best effort: a slot not given back expires by itself)."""
        try:
            self._run(_GIVE_BACK, slot=slot)
            if self._prune_due():
                self._run(_PRUNE, keep=self.limits.window + 1.0)
        except SQLAlchemyError as exc:
            log.warning("could not give a request slot back to the shared budget "
                        "(it expires by itself): %s", type(exc).__name__)

    def _prune_due(self) -> bool:
        now = time.monotonic()
        with self._lock:
            if now - self._last_prune < PRUNE_EVERY:
                return False
            self._last_prune = now
            return True

    def pause(self, seconds: float) -> None:
        """Hold every instance's requests (best effort: this instance pauses anyway)."""
        try:
            self._run(_PAUSE, seconds=seconds)
        except SQLAlchemyError as exc:
            log.warning("could not share the pause after QuickBooks throttled a request: %s",
                        type(exc).__name__)

    def take_name_list(self) -> float:
        if not self._ready:
            self._run(_ENSURE)
            self._ready = True
        got = self._run(_TAKE_NAME_LIST, holder=self.holder, lease=self.name_list_lease).first()
        return 0.0 if got is not None else POLL + random.uniform(0, POLL)

    def give_back_name_list(self) -> None:
        try:
            self._run(_GIVE_BACK_NAME_LIST, holder=self.holder)
        except SQLAlchemyError as exc:
            log.warning("could not give the name-list turn back (it expires by itself): %s",
                        type(exc).__name__)


def realm_key(environment: str, realm_id: str) -> str:
    return f"{environment}:{realm_id}"


def shared_budget(store: Store, environment: str, realm_id: str, limits: Limits,
                  timeout: float) -> RequestBudget | None:
    """The company's shared budget on a team (PostgreSQL) store; None on SQLite."""
    if not postgres.is_postgres(store.url):
        return None
    return RequestBudget(store.engine, realm_key(environment, realm_id), limits,
                         expiry=in_flight_expiry(timeout))
