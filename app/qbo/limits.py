"""Keeping each company under QuickBooks' limits, so its throttle is rarely hit.

QuickBooks allows, per company (realm): 500 requests a minute, 10 a second,
10 at once, and 40 batch requests a minute (shared/qbo/API.md §6). A
``RealmLimiter`` makes callers wait for a free slot instead of sending and
collecting a 429, and pauses everything when QuickBooks throttles anyway.
Name-list writes (Vendor, Account, Item) go one at a time: QuickBooks
refuses parallel ones ("You can only add or edit one name at a time").

The limits are per company, not per process: when several SyncDesks share one
company (a team store), a ``SharedBudget`` kept where all of them see it gives
out the slots, the pause and the name-list turn as well; the limiter here stays
the first gate, so the threads of one process never queue at the shared one.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Limits:
    """Client-side ceilings, a little under QuickBooks' own so timing noise never crosses them."""

    per_minute: int = 490
    per_second: int = 10
    concurrent: int = 8
    batches_per_minute: int = 39
    window: float = 60.0  # seconds; tests shorten it together with the sandbox's


class SharedBudget(Protocol):
    """Request slots shared by every instance on one company.

    ``take`` and ``take_name_list`` never wait themselves: they answer how long to
    wait before asking again, so the caller waits in its own (sending) thread.
    """

    def take(self, batch: bool) -> tuple[int | None, float]:
        """A slot (and 0), or None and the seconds to wait before asking again."""
        ...

    def give_back(self, slot: int) -> None: ...

    def pause(self, seconds: float) -> None:
        """Hold every instance's requests for ``seconds``."""
        ...

    def take_name_list(self) -> float:
        """0 once this instance may write a name list, else seconds to wait."""
        ...

    def give_back_name_list(self) -> None: ...


class _Window:
    """A sliding window of request times.

    A request is entered when it is sent and re-stamped when its answer is in:
    QuickBooks counts it when it arrives, which is somewhere in between, so the
    answer's time keeps the client's window behind QuickBooks' own whatever the
    latency.
    """

    def __init__(self, limit: int, period: float) -> None:
        self.limit, self.period = limit, period
        self.sent: deque[list[float]] = deque()

    def wait_time(self, now: float) -> float:
        horizon = now - self.period
        if any(entry[0] <= horizon for entry in self.sent):  # re-stamping breaks the order
            self.sent = deque(entry for entry in self.sent if entry[0] > horizon)
        if len(self.sent) < self.limit:
            return 0.0
        return min(entry[0] for entry in self.sent) + self.period - now

    def record(self, now: float) -> list[float]:
        entry = [now]
        self.sent.append(entry)
        return entry


class RealmLimiter:
    """Slots for one company's requests; thread-safe."""

    def __init__(self, limits: Limits = Limits(), clock: Callable[[], float] = time.monotonic,
                 shared: SharedBudget | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.limits = limits
        self.clock = clock
        self.shared = shared
        self.sleep = sleep
        self._cond = threading.Condition()
        self._minute = _Window(limits.per_minute, limits.window)
        self._second = _Window(limits.per_second, limits.window / 60.0)
        self._batches = _Window(limits.batches_per_minute, limits.window)
        self._in_flight = 0
        self._paused_until = 0.0
        self.name_list_lock = _NameListTurn(self)
        self.waited = 0.0  # total seconds callers spent waiting (for benchmarks)

    def pause(self, seconds: float) -> None:
        """Hold every request for ``seconds`` (after QuickBooks throttled us)."""
        with self._cond:
            self._paused_until = max(self._paused_until, self.clock() + seconds)
            self._cond.notify_all()
        if self.shared is not None:
            self.shared.pause(seconds)

    @contextmanager
    def slot(self, batch: bool = False) -> Iterator[None]:
        """Wait for room under every limit, then hold one in-flight slot."""
        start = self.clock()
        with self._cond:
            while True:
                now = self.clock()
                waits = [self._paused_until - now, self._minute.wait_time(now),
                         self._second.wait_time(now)]
                if batch:
                    waits.append(self._batches.wait_time(now))
                wait = max(waits)
                if wait <= 0 and self._in_flight < self.limits.concurrent:
                    break
                self._cond.wait(timeout=wait if wait > 0 else None)
            now = self.clock()
            entries = [self._minute.record(now), self._second.record(now)]
            if batch:
                entries.append(self._batches.record(now))
            self._in_flight += 1
            self.waited += now - start
        try:
            if self.shared is None:
                yield
            else:
                taken = self._take_shared(batch)
                try:
                    yield
                finally:
                    self.shared.give_back(taken)
        finally:
            with self._cond:
                done = self.clock()
                for entry in entries:
                    entry[0] = max(entry[0], done)
                self._in_flight -= 1
                self._cond.notify_all()

    def _take_shared(self, batch: bool) -> int:
        assert self.shared is not None
        start = self.clock()
        while True:
            taken, wait = self.shared.take(batch)
            if taken is not None:
                break
            self.sleep(wait)
        with self._cond:
            self.waited += self.clock() - start
        return taken


class _NameListTurn:
    """One name-list write at a time: in this process, then among the instances."""

    def __init__(self, limiter: RealmLimiter) -> None:
        self._limiter = limiter
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()
        shared = self._limiter.shared
        if shared is None:
            return
        try:
            while (wait := shared.take_name_list()) > 0:
                self._limiter.sleep(wait)
        except BaseException:
            self._lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            if self._limiter.shared is not None:
                self._limiter.shared.give_back_name_list()
        finally:
            self._lock.release()
