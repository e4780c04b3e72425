"""OAuth tokens: where they are kept, and refreshing them one at a time.

Refresh tokens rotate: once QuickBooks issues a new one the old one is dead.
So a refresh (1) holds a lock shared by threads *and* processes (a lock file on
one computer; on a team store, a database lock shared by every computer), (2)
re-reads the stored tokens inside it, since another process may have refreshed
already, and (3) saves the new refresh token before the new access token is
used. An ``invalid_grant`` means the user must reconnect, unless the stored
tokens changed meanwhile (someone else rotated them: those are used); it is
never retried in a loop.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock

from app.logs import register_secret
from app.qbo.errors import OAuthError

log = logging.getLogger(__name__)

EARLY_REFRESH = 300.0  # refresh an access token this many seconds before it expires
REFRESH_WARNING_DAYS = 14  # warn in `status` when the refresh token ends sooner


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    access_expires_at: float  # epoch seconds
    refresh_expires_at: float | None = None
    realm_id: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> TokenSet:
        tokens = cls(**json.loads(text))
        register_secret(tokens.access_token)
        register_secret(tokens.refresh_token)
        return tokens

    @classmethod
    def from_response(cls, data: dict[str, Any], realm_id: str, now: float) -> TokenSet:
        """Intuit's token answer: access_token, refresh_token, expires_in, x_refresh_token_…"""
        refresh_in = data.get("x_refresh_token_expires_in")
        register_secret(str(data["access_token"]))
        register_secret(str(data["refresh_token"]))
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=str(data["refresh_token"]),
            access_expires_at=now + float(data.get("expires_in", 3600)),
            refresh_expires_at=now + float(refresh_in) if refresh_in else None,
            realm_id=realm_id,
        )

    def __repr__(self) -> str:  # never print a token, not even in a traceback
        return f"TokenSet(realm_id={self.realm_id!r}, access_expires_at={self.access_expires_at})"


class TokenStore(Protocol):
    """Where one connection's tokens live (the OS keychain, or the store for the sandbox)."""

    def load(self) -> TokenSet | None: ...

    def save(self, tokens: TokenSet) -> None: ...

    def clear(self) -> None: ...


Refresher = Callable[[str], dict[str, Any]]  # refresh token -> token endpoint's JSON answer


class NeedsReconnect(OAuthError):
    """The refresh token was refused: the user must connect again."""


class TokenManager:
    """Hands out a valid access token, refreshing it single-flight across threads and processes.

    ``lock`` serialises refreshes between processes: a lock file's path, or a lock
    object (e.g. ``app.store.advisory.AdvisoryLock`` for every computer of a team store).
    """

    def __init__(self, store: TokenStore, refresher: Refresher,
                 lock: Path | AbstractContextManager[Any],
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.refresher = refresher
        self.clock = clock
        self._thread_lock = threading.Lock()
        self._process_lock = FileLock(str(lock)) if isinstance(lock, Path) else lock

    def access_token(self) -> str:
        tokens = self.store.load()
        if tokens is None:
            raise NeedsReconnect("not_connected", "SyncDesk is not connected to QuickBooks")
        if tokens.access_expires_at - EARLY_REFRESH > self.clock():
            return tokens.access_token
        return self.refresh(stale_access_token=tokens.access_token).access_token

    def refresh(self, stale_access_token: str | None = None) -> TokenSet:
        """Refresh unless someone else already did since ``stale_access_token`` was read."""
        with self._thread_lock, self._process_lock:
            current = self.store.load()
            if current is None:
                raise NeedsReconnect("not_connected", "SyncDesk is not connected to QuickBooks")
            fresh = current.access_expires_at - EARLY_REFRESH > self.clock()
            if fresh and stale_access_token is not None and \
                    current.access_token != stale_access_token:
                return current  # another thread or process refreshed while we waited
            try:
                answer = self.refresher(current.refresh_token)
            except OAuthError as exc:
                if exc.needs_reconnect:
                    latest = self.store.load()
                    if latest is not None and latest.refresh_token != current.refresh_token:
                        log.info("the tokens were refreshed elsewhere meanwhile; using those")
                        return latest
                    log.warning("QuickBooks refused the refresh token; reconnect needed")
                    raise NeedsReconnect(exc.error, exc.description, exc.http_status,
                                         exc.intuit_tid) from None
                raise
            tokens = TokenSet.from_response(answer, current.realm_id, self.clock())
            self.store.save(tokens)  # saved before anyone uses the new access token
            return tokens
