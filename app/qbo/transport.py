"""Sending one API request: limits, timeouts, retries with back-off, and error parsing.

Retried by themselves: 429 (waiting ``Retry-After`` when QuickBooks sends it,
else ``throttle_wait``, 60 s as Intuit documents), 5xx, dropped connections,
timeouts, and answers that are not JSON. A 401 refreshes the token and is
tried once more. Validation Faults (HTTP 400) are never retried here. Writes
are only retried when they carry a ``requestid``, so a retry after a lost
answer returns the first answer instead of creating a second object.

Run-wide budgets, kept apart by kind of request (the writes to each entity,
e.g. every PurchaseOrder create or update, and all reads): once a request has
gone unanswered after all its attempts (a 5xx, a timeout, a dropped
connection), the next ones of its kind get ``attempts_while_failing`` until
one of that kind gets its answer; neither a read's answer (a look-up that
works) nor another entity's write gives failing creates their full tries back.
Waits on 429s are budgeted the same way: once requests of one kind have been
held back ``throttle_budget`` seconds without one of them getting through, the
next 429 is not waited out (``throttled_out``). The sync engine calls
``fresh_start`` at the start of each run.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from app import jsonexact as wire
from app.qbo.errors import (
    QboClientError,
    QboFault,
    TransportError,
    fault_in,
    origin,
    parse_error,
)
from app.qbo.limits import RealmLimiter

log = logging.getLogger(__name__)

MAX_RETRY_AFTER = 600.0  # seconds: a longer (or infinite) Retry-After is not waited in full


class AccessTokens(Protocol):
    def access_token(self) -> str: ...

    def refresh(self, stale_access_token: str | None = None) -> Any: ...


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    throttle_wait: float = 60.0  # Intuit: "wait 60 seconds" after a 429
    throttle_waits: int = 10  # 429s mean "wait", not "failed": they have their own budget
    timeout: float = 30.0  # seconds for connecting plus reading one answer
    # Once a request has failed on QuickBooks' side after all its attempts, the next ones
    # get this many until one succeeds: a QuickBooks that fails everything is not waited
    # on in full for every document (the run-wide retry budget).
    attempts_while_failing: int = 2
    # 429s in a row are waited out up to this many seconds (counted as the waits asked
    # for) until a request of the same kind gets through; past it QuickBooks is failing
    # for the user and the throttled request is given up (``Transport.throttled_out``).
    throttle_budget: float = 180.0


@dataclass
class Response:
    status: int
    data: Any
    intuit_tid: str | None


@dataclass
class TransportStats:
    requests: int = 0
    throttled: int = 0
    retries: int = 0
    timeouts: int = 0  # sends that got no answer within the policy's timeout
    throttle_waited: float = 0.0  # seconds of waits asked for after 429s
    writes_answered: int = 0  # write requests that got QuickBooks' answer (even a refusal)
    writes_unanswered: int = 0  # write requests given up without an answer


class Transport:
    """Sends requests for one company (realm) and returns parsed JSON or raises."""

    def __init__(self, tokens: AccessTokens, limiter: RealmLimiter,
                 policy: RetryPolicy = RetryPolicy(), session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.tokens = tokens
        self.limiter = limiter
        self.policy = policy
        self.session = session or requests.Session()
        self.sleep = sleep
        self.stats = TransportStats()
        # by kind of request (``_kind``): requests in a row that failed on QuickBooks'
        # side, seconds held back by 429s since one of them got through, and whether
        # the throttle budget ran out (a 429 was given up)
        self._failing: dict[str, int] = {}
        self._held: dict[str, float] = {}
        self._out: set[str] = set()
        self._last_write_unanswered = False

    def fresh_start(self) -> None:
        """Give what follows (a new sync run) the full retries and throttle budget again."""
        self._failing, self._held, self._out = {}, {}, set()
        self._last_write_unanswered = False

    @property
    def last_write_unanswered(self) -> bool:
        """Whether the latest write was given up without QuickBooks' answer."""
        return self._last_write_unanswered

    @property
    def throttled_out(self) -> bool:
        """Whether a 429 was given up on because the throttle budget was spent."""
        return bool(self._out)

    def request(self, method: str, url: str, *, params: dict[str, Any] | None = None,
                json_body: Any = None, text_body: str | None = None, batch: bool = False,
                retry_safe: bool | None = None) -> Response:
        """Send, retrying what is safe to retry; raise a ``QboClientError`` when it cannot."""
        safe = method == "GET" if retry_safe is None else retry_safe
        if params and "requestid" in params:
            safe = True
        kind = _kind(url, json_body is not None)  # queries send text, writes JSON
        try:
            reply = self._request(method, url, params, json_body, text_body, batch, safe, kind)
        except QboFault as fault:
            if fault.transient:
                self._unanswered(kind)
            else:
                self._answered(kind)
            raise
        except TransportError:
            self._unanswered(kind)
            raise
        self._answered(kind)
        return reply

    def _answered(self, kind: str) -> None:
        self._failing.pop(kind, None)
        self._held.pop(kind, None)
        self._out.discard(kind)
        if kind != READS:
            self._last_write_unanswered = False
            self.stats.writes_answered += 1

    def _unanswered(self, kind: str) -> None:
        self._failing[kind] = self._failing.get(kind, 0) + 1
        if kind != READS:
            self._last_write_unanswered = True
            self.stats.writes_unanswered += 1

    def _request(self, method: str, url: str, params: dict[str, Any] | None, json_body: Any,
                 text_body: str | None, batch: bool, safe: bool, kind: str) -> Response:
        attempts = self.policy.attempts if not self._failing.get(kind) else \
            max(1, min(self.policy.attempts, self.policy.attempts_while_failing))
        refreshed = False
        attempt = 0
        throttled = 0
        while True:
            attempt += 1
            token = self.tokens.access_token()
            try:
                return self._send_once(method, url, token, params, json_body, text_body, batch)
            except QboFault as fault:
                if fault.auth_failed and not refreshed:
                    refreshed = True
                    self.tokens.refresh(stale_access_token=token)
                    continue
                if fault.throttled:  # not processed: always safe to send again, after a wait
                    self.stats.throttled += 1
                    throttled += 1
                    attempt -= 1
                    if throttled > self.policy.throttle_waits or not self._hold(kind, fault):
                        raise
                elif not (fault.transient and safe) or attempt >= attempts:
                    raise
                delay = self._delay(attempt, fault)
            except TransportError:
                if not safe or attempt >= attempts:
                    raise
                delay = self._delay(attempt, None)
            self.stats.retries += 1
            log.info("retrying %s %s in %.1f s (attempt %d)", method, _path(url), delay, attempt)
            self.sleep(delay)

    def _hold(self, kind: str, fault: QboFault) -> bool:
        """Whether the throttle budget still covers waiting after this 429 (and count it)."""
        wait = _throttle_wait(fault, self.policy)
        held = self._held.get(kind, 0.0)
        if held + wait > self.policy.throttle_budget:
            self._out.add(kind)
            log.info("throttled for %.1f s in a row: not waiting any longer", held)
            return False
        self._held[kind] = held + wait
        self.stats.throttle_waited += wait
        return True

    def _delay(self, attempt: int, fault: QboFault | None) -> float:
        if fault is not None and fault.throttled:
            wait = _throttle_wait(fault, self.policy)
            self.limiter.pause(wait)
            return 0.0  # the limiter holds every request of this company until then
        backoff = min(self.policy.max_delay, self.policy.base_delay * 2 ** (attempt - 1))
        return backoff * (0.5 + random.random() / 2)  # jitter: 50–100 % of the back-off

    def _send_once(self, method: str, url: str, token: str, params: dict[str, Any] | None,
                   json_body: Any, text_body: str | None, batch: bool) -> Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        data: str | bytes | None = None
        if json_body is not None:
            headers["Content-Type"] = "application/json"
            data = wire.dumps(json_body).encode("utf-8")
        elif text_body is not None:
            headers["Content-Type"] = "application/text"
            data = text_body
        with self.limiter.slot(batch=batch):
            self.stats.requests += 1
            try:
                reply = self.session.request(method, url, params=params, data=data,
                                             headers=headers,
                                             timeout=self.policy.timeout)
            except requests.Timeout:
                self.stats.timeouts += 1
                raise TransportError("QuickBooks did not answer in time", cause="timeout",
                                     server=origin(url)) from None
            except requests.ConnectionError as exc:
                where = origin(url)
                refused = _never_connected(exc)
                raise TransportError(
                    f"no connection to {where}" if refused else f"the connection to {where} "
                    "broke off", cause="unreachable" if refused else "dropped", server=where,
                    details={"error": _short(exc)}) from None
        tid = reply.headers.get("intuit_tid") or reply.headers.get("Intuit-Tid")
        if reply.status_code >= 400:
            error = parse_error(reply.status_code, reply.content,
                                reply.headers.get("Content-Type", ""), tid)
            if isinstance(error, QboFault) and error.throttled:
                error.retry_after = _retry_after(reply.headers.get("Retry-After"))
            raise error
        try:
            payload = wire.loads(reply.content)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than Python reads
            raise parse_error(reply.status_code, reply.content,
                              reply.headers.get("Content-Type", ""), tid) from None
        fault = fault_in(payload, reply.status_code, tid)
        if fault is not None:
            raise fault
        return Response(reply.status_code, payload, tid)


READS = "read"


def _kind(url: str, write: bool) -> str:
    """Requests that share a failing state: the writes to one entity, or all reads."""
    return f"write {_path(url).rstrip('/').rsplit('/', 1)[-1].lower()}" if write else READS


def _throttle_wait(fault: QboFault, policy: RetryPolicy) -> float:
    return fault.retry_after if fault.retry_after is not None else policy.throttle_wait


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP date; Intuit's header is unconfirmed, fall back to the policy
    if seconds != seconds:  # NaN
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def _never_connected(exc: requests.ConnectionError) -> bool:
    """Whether no connection was made at all (refused, no such host), rather than a
    connection that broke off on the way (where QuickBooks may have done the work)."""
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def _path(url: str) -> str:
    return url.split("?", 1)[0]


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 120 else text[:117] + "…"


__all__ = ["QboClientError", "Response", "RetryPolicy", "Transport"]
