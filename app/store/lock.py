"""Who works on a store: a lease kept in the store itself, exclusive or shared.

A row of ``sync_lock`` names the holder (host, process id, a random token) and
when its lease ends. The holder renews the lease while it runs (a background
thread) and deletes the row when it is done. A lease that ran out, or a holder
process that no longer exists on this machine (a crash, a kill), is taken over
by the next taker. Kept in the store rather than in a file beside it, so that it
also holds when several SyncDesks share one store.

Two modes:

- exclusive (the default): one holder and nobody beside it. On a SQLite store every
  sync takes it so (one sync at a time); everywhere, so do the operations that must
  never run beside a sync: moving the store to another company (a re-link),
  ``restore`` and applying a fix.
- shared (``SyncLock.for_sync`` on a team store, PostgreSQL): several syncs hold it
  at once, each with its own row (``sync:<token>``), and share the work through
  per-document claims (``app.store.claims``, renewed and given back with the lock).
  A shared taker waits for an exclusive holder; an exclusive taker waits for every
  shared one.

On PostgreSQL a taker locks the table for the length of its check-and-insert, so that
a shared and an exclusive taker never both judge the store free.

Use::

    with SyncLock(store).held(wait=3.0) as lock:   # SyncBusy when another holds it
        ...                                        # lock.lost: another took it over
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

from sqlalchemy import Connection, delete, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from app.errors import UserError
from app.store import postgres
from app.store.database import Store
from app.store.models import SyncClaimRow, SyncLockRow
from app.store.types import utcnow

log = logging.getLogger(__name__)

NAME = "sync"
LEASE = timedelta(seconds=60)
WAIT = 3.0  # seconds a second sync waits for the first before it gives up
POLL = 0.2

_TABLE: Any = SyncLockRow.__table__
_CLAIMS: Any = SyncClaimRow.__table__


class SyncBusy(UserError):
    """Another sync holds this store."""


def side_by_side(store: Store) -> bool:
    """Whether syncs of ``store`` run side by side (a team store on PostgreSQL), sharing
    the work by claims; on SQLite one sync runs at a time."""
    return postgres.is_postgres(store.url)


def holders(name: str = NAME) -> Any:
    """The condition on ``sync_lock`` rows of every holder of lock ``name``."""
    return or_(_TABLE.c.name == name, _TABLE.c.name.like(f"{name}:%"))


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (unknown counts as alive)."""
    return _alive(pid)


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
                 now: Callable[[], datetime] = utcnow, *, shared: bool = False) -> None:
        self.store = store
        self.name = name
        self.shared = shared
        self.lease = lease
        self.now = now
        self.token = secrets.token_hex(8)
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.lost = threading.Event()  # set when another holder took the lock over
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_sync(cls, store: Store, **kwargs: Any) -> SyncLock:
        """The lock a sync of ``store`` takes: shared on a team store, else exclusive."""
        return cls(store, shared=side_by_side(store), **kwargs)

    @property
    def row_name(self) -> str:
        """The name of this holder's row: the lock's own, or one of its own when shared."""
        return f"{self.name}:{self.token}" if self.shared else self.name

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
                raise SyncBusy(_busy_text(holder, self.host, self.shared))
            time.sleep(POLL)

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self.store.engine.begin() as conn:
            conn.execute(delete(_TABLE).where(_TABLE.c.name == self.row_name,
                                              _TABLE.c.token == self.token))
            conn.execute(delete(_CLAIMS).where(_CLAIMS.c.token == self.token))

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
        """Push the lease (and this holder's claims) further; False when another holder
        has taken the lock over."""
        now = self.now()
        with self.store.engine.begin() as conn:
            done = conn.execute(update(_TABLE).where(
                _TABLE.c.name == self.row_name, _TABLE.c.token == self.token
            ).values(expires_at=now + self.lease)).rowcount
            if done:
                conn.execute(update(_CLAIMS).where(_CLAIMS.c.token == self.token)
                             .values(expires_at=now + self.lease))
        if not done:
            self.lost.set()
        return bool(done)

    # --- the inside ------------------------------------------------------------------------

    def _values(self, now: datetime) -> dict[str, Any]:
        return {"name": self.row_name, "token": self.token, "host": self.host,
                "pid": self.pid, "acquired_at": now, "expires_at": now + self.lease}

    def _try(self) -> Any | None:
        """None when the lock is now ours; else the row of a holder in the way."""
        now = self.now()
        try:
            with self.store.engine.begin() as conn:
                _one_taker_at_a_time(conn)
                rows = conn.execute(select(_TABLE).where(holders(self.name))).all()
                in_the_way = None
                for row in rows:
                    if row.token == self.token:
                        continue
                    if self._gone(row, now):
                        # Compare and swap: only if the holder is still the one judged gone.
                        if conn.execute(delete(_TABLE).where(
                                _TABLE.c.name == row.name, _TABLE.c.token == row.token
                        )).rowcount:
                            log.warning("took over the sync lock of process %s on %s (%s)",
                                        row.pid, row.host, "its lease ran out"
                                        if row.expires_at <= now else "it is no longer running")
                        continue
                    if not self.shared or row.name == self.name:  # exclusive: in the way
                        in_the_way = in_the_way or row
                if in_the_way is not None:
                    return in_the_way
                conn.execute(delete(_TABLE).where(_TABLE.c.name == self.row_name))
                conn.execute(insert(_TABLE).values(**self._values(now)))
                return None
        except IntegrityError:  # another taker inserted the row first (SQLite)
            with self.store.engine.connect() as conn:
                row = conn.execute(select(_TABLE).where(_TABLE.c.name == self.row_name)).first()
            return row if row is not None else self._try()
        except OperationalError as exc:  # SQLite: another taker wrote meanwhile
            log.info("the sync lock is being taken by another: %s", exc)
            with self.store.engine.connect() as conn:
                row = conn.execute(select(_TABLE).where(holders(self.name))).first()
            return row if row is not None else self._try()

    def _gone(self, row: Any, now: datetime) -> bool:
        """Whether the holder of ``row`` is gone: its lease ran out, or its process no
        longer runs on this machine."""
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


def _one_taker_at_a_time(conn: Connection) -> None:
    """On PostgreSQL, hold the lock table against other takers until this transaction ends
    (plain reads still go): the check of who holds it and the insert are then one step.
    SQLite writes one transaction at a time anyway."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE sync_lock IN SHARE ROW EXCLUSIVE MODE"))


def _busy_text(row: Any, host: str, shared: bool = False) -> str:
    where = f"process {row.pid}" + ("" if row.host == host else f" on {row.host}")
    started = f"started {row.acquired_at:%Y-%m-%d %H:%M:%S} UTC by {where}"
    if shared:  # a sync of a team store, held back by work that must run alone
        return (f"another SyncDesk is restoring, re-linking or fixing this store ({started}), "
                "and a sync must not run beside that; try again when it has finished.")
    return (f"a sync is already running on this store ({started}); try again when it has "
            "finished.")
