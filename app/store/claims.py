"""What each of several syncs running side by side is working on: claims with a lease.

Team mode (a PostgreSQL store) runs syncs side by side (``SyncLock`` shared). Before a
sync prepares or sends a document, it claims it: a row of ``sync_claim`` keyed by the
document ("po:17", "invoice:3"; "supplier:5" while a new vendor is made), naming the
sync's lock token, host and process, and when the lease ends. A document another live
sync holds is passed over. A claim goes back when the document's outcome is saved
(``release``), and all of a sync's claims when it ends (``SyncLock.release``); the
sync's heartbeat renews them with its lock (``SyncLock.renew``). A claim whose lease ran
out, or whose holder process no longer runs on this machine (a crash, a kill), is
taken over: the document then goes through the sync's look-up of a create of unknown
outcome, so what the dead sync sent is adopted, never made twice.

Leases rather than row locks (``SELECT … FOR UPDATE SKIP LOCKED``): a claim lasts
while the document is sent to QuickBooks and answered, seconds in which the sync keeps
no transaction open; a lease also says who holds the document, for the report.

Use::

    claims = Claims(store, lock)          # lock: the run's SyncLock (shared)
    holder = claims.take("po:17")         # None: ours now; else the row of its holder
    ...
    claims.release("po:17")
"""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.domain.states import DocKind
from app.store.database import Store
from app.store.lock import POLL, SyncLock, alive
from app.store.models import SyncClaimRow

log = logging.getLogger(__name__)

_TABLE: Any = SyncClaimRow.__table__


def document_key(kind: DocKind, doc_id: int) -> str:
    return f"{kind.value}:{doc_id}"


def supplier_key(supplier_id: int) -> str:
    return f"supplier:{supplier_id}"


class Claims:
    """The claims of one sync: the holder is its lock (token, host, process, lease)."""

    def __init__(self, store: Store, lock: SyncLock) -> None:
        self.store, self.lock = store, lock
        self.taken_over = 0  # claims of gone holders this sync took over

    def take(self, key: str) -> Any | None:
        """Claim ``key``: None when it is ours now, else the row of its live holder."""
        return self.take_many([key])[key]

    def take_many(self, keys: list[str]) -> dict[str, Any | None]:
        """Claim each of ``keys`` (in one transaction): by key, None when it is ours now,
        else the row of its live holder."""
        if not keys:
            return {}
        lock = self.lock
        now = lock.now()
        mine = {"token": lock.token, "host": lock.host, "pid": lock.pid, "claimed_at": now,
                "expires_at": now + lock.lease}
        held: dict[str, Any | None] = {}
        gone: list[Any] = []
        with self.store.engine.begin() as conn:
            conn.execute(_insert_new(conn), [{"key": key, **mine} for key in keys])
            found = {row.key: row for row in conn.execute(
                select(_TABLE).where(_TABLE.c.key.in_(keys)))}
            for key in keys:
                row = found.get(key)
                if row is None or row.token == lock.token:
                    held[key] = None if row is not None else _GIVEN_BACK
                elif not self._gone(row, now):
                    held[key] = row
                # Compare and swap: only if the holder is still the one judged gone.
                elif conn.execute(update(_TABLE).where(
                        _TABLE.c.key == key, _TABLE.c.token == row.token
                ).values(key=key, **mine)).rowcount:
                    held[key] = None
                    gone.append(row)
                else:
                    held[key] = _GIVEN_BACK
        for row in gone:
            self.taken_over += 1
            log.warning("took over %s from process %s on %s (%s)", row.key, row.pid, row.host,
                        "its lease ran out" if row.expires_at <= now
                        else "it is no longer running")
        again = [key for key, holder in held.items() if holder is _GIVEN_BACK]
        return {**held, **self.take_many(again)} if again else held

    def wait_for(self, key: str, wait: float) -> Any | None:
        """Claim ``key``, waiting up to ``wait`` seconds for its holder to give it back:
        None when it is ours, else the row of its holder."""
        deadline = time.monotonic() + wait
        while True:
            holder = self.take(key)
            if holder is None or time.monotonic() >= deadline:
                return holder
            time.sleep(POLL)

    def holder(self, key: str) -> Any | None:
        """The row of another live sync holding ``key``, or None."""
        with self.store.engine.connect() as conn:
            row = conn.execute(select(_TABLE).where(_TABLE.c.key == key)).first()
        if row is None or row.token == self.lock.token or self._gone(row, self.lock.now()):
            return None
        return row

    def release(self, *keys: str) -> None:
        if not keys:
            return
        with self.store.engine.begin() as conn:
            conn.execute(delete(_TABLE).where(_TABLE.c.key.in_(keys),
                                              _TABLE.c.token == self.lock.token))

    def held(self) -> list[str]:
        """The keys this sync holds now."""
        with self.store.engine.connect() as conn:
            return [row.key for row in conn.execute(
                select(_TABLE.c.key).where(_TABLE.c.token == self.lock.token))]

    def _gone(self, row: Any, now: Any) -> bool:
        if row.expires_at <= now:
            return True
        lock = self.lock
        return row.host == lock.host and row.pid != lock.pid and not alive(row.pid)


#: A claim given back (or changing hands) while it was being taken: taken again.
_GIVEN_BACK = object()


def _insert_new(conn: Connection) -> Any:
    """An insert of claims that passes over the keys claimed already."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    return insert(_TABLE).on_conflict_do_nothing(index_elements=["key"])
