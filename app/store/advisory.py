"""A PostgreSQL advisory lock: one holder at a time across every machine of a team store.

Session-level (``pg_advisory_lock``) on a connection of its own, so the work done while
it is held may commit in other sessions (a token refresh saves the new tokens before
the lock goes). PostgreSQL releases it if the holder's connection dies, so a crashed
process never leaves the others waiting.
"""

from __future__ import annotations

import hashlib
import threading
from types import TracebackType

from sqlalchemy import Connection, Engine, text


def lock_key(name: str) -> int:
    """``name`` as the signed 64-bit key PostgreSQL's advisory locks take."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big",
                          signed=True)


class AdvisoryLock:
    """``with lock:`` waits for, then holds, the store-wide lock called ``name``.

    Reusable, and safe to share between threads (they take turns).
    """

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.key = lock_key(name)
        self._threads = threading.Lock()
        self._connection: Connection | None = None

    def __enter__(self) -> AdvisoryLock:
        self._threads.acquire()
        try:
            connection = self.engine.connect()
            try:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": self.key})
                connection.commit()  # a session lock outlives the transaction
            except BaseException:
                connection.invalidate()
                connection.close()
                raise
            self._connection = connection
        except BaseException:
            self._threads.release()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        connection, self._connection = self._connection, None
        try:
            if connection is not None:
                try:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                       {"key": self.key})
                    connection.commit()
                except BaseException:
                    connection.invalidate()  # closing the session releases the lock
                    raise
                finally:
                    connection.close()
        finally:
            self._threads.release()
