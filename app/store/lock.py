"""One sync at a time on a store: a lease kept in the store itself.

A row of ``sync_lock`` names the holder (host, process id, a random token) and
when its lease ends. The holder renews the lease while it runs (a background
thread) and deletes the row when it is done. A lease that ran out, or a holder
process that no longer exists on this machine (a crash, a kill), is taken over
by the next sync. Kept in the store rather than in a file beside it, so that it
also holds when several SyncDesks share one store.

Use::

    with SyncLock(store).held(wait=3.0) as lock:   # SyncBusy when another sync runs
        ...                                        # lock.lost: another sync took over

Syncs take it, and so do the operations that must never run beside one: moving
the store to another company (``connect --relink``) and ``restore``.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from app.errors import UserError
from app.store.database import Store
from app.store.models import SyncLockRow
from app.store.types import utcnow

log = logging.getLogger(__name__)

NAME = "sync"
LEASE = timedelta(seconds=60)
WAIT = 3.0  # seconds a second sync waits for the first before it gives up
POLL = 0.2

_TABLE: Any = SyncLockRow.__table__


class SyncBusy(UserError):
    """Another sync holds this store."""


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (unknown counts as alive)."""
    if sys.platform == "win32":  # os.kill would end it there; the lease decides instead
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by someone else
    return True


class SyncLock:
    def __init__(self, store: Store, name: str = NAME, lease: timedelta = LEASE,
                 now: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.name = name
        self.lease = lease
        self.now = now
        self.token = secrets.token_hex(8)
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.lost = threading.Event()  # set when another holder took the lock over
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- taking and giving back ----------------------------------------------------------

    def acquire(self, wait: float = WAIT) -> None:
        """Take the lock, waiting up to ``wait`` seconds; ``SyncBusy`` if it stays taken."""
        deadline = time.monotonic() + wait
        while True:
            holder = self._try()
            if holder is None:
                self._start_heartbeat()
                return
            if time.monotonic() >= deadline:
                raise SyncBusy(_busy_text(holder, self.host))
            time.sleep(POLL)

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self.store.engine.begin() as conn:
            conn.execute(delete(_TABLE).where(_TABLE.c.name == self.name,
                                              _TABLE.c.token == self.token))

    @contextmanager
    def held(self, wait: float = WAIT) -> Iterator[SyncLock]:
        self.acquire(wait)
        try:
            yield self
        finally:
            self.release()

    def hand_over(self, engine: Any) -> None:
        """Make this holder the only one in the store at ``engine``: a store about to take
        the locked one's place (a restore), so that the lock stays held across the swap."""
        with engine.begin() as conn:
            conn.execute(delete(_TABLE))
            conn.execute(insert(_TABLE).values(**self._values(self.now())))

    def renew(self) -> bool:
        """Push the lease further; False when another holder has taken the lock over."""
        now = self.now()
        with self.store.engine.begin() as conn:
            done = conn.execute(update(_TABLE).where(
                _TABLE.c.name == self.name, _TABLE.c.token == self.token
            ).values(expires_at=now + self.lease)).rowcount
        if not done:
            self.lost.set()
        return bool(done)

    # --- the inside ------------------------------------------------------------------------

    def _values(self, now: datetime) -> dict[str, Any]:
        return {"name": self.name, "token": self.token, "host": self.host, "pid": self.pid,
                "acquired_at": now, "expires_at": now + self.lease}

    def _try(self) -> Any | None:
        """None when the lock is now ours; else the row of whoever holds it."""
        now = self.now()
        try:
            with self.store.engine.begin() as conn:
                row = conn.execute(select(_TABLE).where(_TABLE.c.name == self.name)).first()
                if row is None:
                    conn.execute(insert(_TABLE).values(**self._values(now)))
                    return None
                if not self._can_take(row, now):
                    return row
                # Compare and swap: only if the holder is still the one judged gone.
                taken = conn.execute(update(_TABLE).where(
                    _TABLE.c.name == self.name, _TABLE.c.token == row.token
                ).values(**self._values(now))).rowcount
                if taken:
                    log.warning("took over the sync lock of process %s on %s (%s)", row.pid,
                                row.host, "its lease ran out" if row.expires_at <= now
                                else "it is no longer running")
                    return None
                return row
        except IntegrityError:  # another sync inserted the row first
            with self.store.engine.connect() as conn:
                row = conn.execute(select(_TABLE).where(_TABLE.c.name == self.name)).first()
            return row if row is not None else self._try()

    def _can_take(self, row: Any, now: datetime) -> bool:
        if row.token == self.token:
            return True
        if row.expires_at <= now:
            return True
        return row.host == self.host and row.pid != self.pid and not _alive(row.pid)

    def _start_heartbeat(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="sync-lock-lease", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        interval = max(0.05, self.lease.total_seconds() / 4)
        while not self._stop.wait(interval):
            try:
                if not self.renew():
                    return
            except OperationalError as exc:  # the store is busy: try again next beat
                log.info("could not renew the sync lock yet: %s", exc)


def _busy_text(row: Any, host: str) -> str:
    where = f"process {row.pid}" + ("" if row.host == host else f" on {row.host}")
    return (f"a sync is already running on this store (started "
            f"{row.acquired_at:%Y-%m-%d %H:%M:%S} UTC by {where}); try again when it has "
            "finished.")
