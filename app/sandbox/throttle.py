"""QBO's throttling, per realm (API.md §6).

Limits (``qbo``, the default): 500 requests per 60 s, 10 requests in flight,
40 batch requests per 60 s. Operations per batch (30, Fault 1040) are checked
by :mod:`app.sandbox.batch`. A request over any limit is answered HTTP 429 with
QBO's XML ``IntuitResponse`` body (code 3001), even when JSON was asked for.

Spec syntax (``--throttle SPEC``, ``SandboxServer(throttle=SPEC)``)::

    off                                   no throttling
    qbo                                   QBO's limits (the default)
    500/60s,concurrent=10,batch=40/60s    the same, spelled out
    5/1s                                  5 requests a second; the rest as qbo
    qbo,retry-after=60                    qbo, and 429s carry ``Retry-After: 60``
    20/2s,concurrent=off,batch=3/2s,retry-after=auto

Items are comma-separated and start from QBO's limits: ``N/DURATION`` (or
``requests=N/DURATION``), ``concurrent=N``, ``batch=N/DURATION``, each of them
``off`` to lift that one limit, and ``retry-after=SECONDS|auto|off`` (``auto``:
the whole seconds until a slot frees, at least 1). Durations: ``60s``, ``1m``,
``500ms``, ``1.5s`` (a bare number is seconds). ``Retry-After`` is off by default:
whether real QBO sends it is UNCONFIRMED, so clients must cope without it.

Windows slide: a request is refused when the window before it already holds N
admitted requests. CHOSEN: a refused (429) request does not count toward any
window. The server did no work for it, and this way a client that waits one
window length after a 429 is always admitted again, however often it was
refused (QBO's own bookkeeping is UNCONFIRMED).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

QBO_REQUESTS = 500
QBO_CONCURRENT = 10
QBO_BATCHES = 40
QBO_WINDOW = 60.0

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m)?$")
_RATE = re.compile(r"^(\d+)/(.+)$")


@dataclass(frozen=True)
class ThrottleLimits:
    """The limits one sandbox enforces per realm; ``None`` lifts a limit."""

    requests: int | None = QBO_REQUESTS
    window: float = QBO_WINDOW
    concurrent: int | None = QBO_CONCURRENT
    batches: int | None = QBO_BATCHES
    batch_window: float = QBO_WINDOW
    #: None: no header; a number: that many seconds; "auto": until a slot frees
    retry_after: float | str | None = None

    def describe(self) -> str:
        """The spec that gives these limits back."""
        def rate(n: int | None, window: float) -> str:
            return "off" if n is None else f"{n}/{_seconds(window)}"

        parts = [rate(self.requests, self.window),
                 f"concurrent={'off' if self.concurrent is None else self.concurrent}",
                 f"batch={rate(self.batches, self.batch_window)}"]
        if self.retry_after is not None:
            value = self.retry_after if isinstance(self.retry_after, str) else \
                _seconds(self.retry_after)[:-1]
            parts.append(f"retry-after={value}")
        return ",".join(parts)


def _seconds(value: float) -> str:
    return f"{value:g}s"


def parse_duration(text: str) -> float:
    """``60s``, ``1m``, ``500ms``, ``1.5s`` or a bare number of seconds."""
    found = _DURATION.match(text.strip().lower())
    if not found:
        raise ValueError(f"not a duration: {text!r} (use e.g. 60s, 1m, 500ms)")
    value = float(found.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}[found.group(2)]
    if value <= 0:
        raise ValueError(f"a duration must be positive: {text!r}")
    return value


def _count(text: str, what: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise ValueError(f"{what} must be a positive whole number, not {text!r}")
    return int(text)


def _rate(text: str, what: str) -> tuple[int | None, float | None]:
    if text == "off":
        return None, None
    found = _RATE.match(text)
    if not found:
        raise ValueError(f"{what} must look like N/DURATION (e.g. 500/60s), not {text!r}")
    return _count(found.group(1), what), parse_duration(found.group(2))


def parse_throttle(spec: str) -> ThrottleLimits | None:
    """A ``--throttle`` spec as limits; ``None`` for ``off``. Raises ``ValueError``."""
    text = (spec or "").strip().lower()
    if text == "off":
        return None
    if not text:
        raise ValueError("empty throttle spec (use qbo, off, or e.g. 500/60s,concurrent=10)")
    values: dict[str, object] = {}
    for raw in text.split(","):
        item = raw.strip()
        if item == "qbo":
            continue
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            key, value = "requests", item
        if key == "requests":
            values["requests"], window = _rate(value, "requests")
            if window is not None:
                values["window"] = window
        elif key == "batch":
            values["batches"], window = _rate(value, "batch")
            if window is not None:
                values["batch_window"] = window
        elif key == "concurrent":
            values["concurrent"] = None if value == "off" else _count(value, "concurrent")
        elif key == "retry-after":
            if value == "off":
                values["retry_after"] = None
            elif value == "auto":
                values["retry_after"] = "auto"
            else:
                values["retry_after"] = float(_count(value, "retry-after"))
        else:
            raise ValueError(f"unknown throttle item {item!r} (known: N/DURATION, requests=, "
                             "concurrent=, batch=, retry-after=, qbo, off)")
    return ThrottleLimits(**values)  # type: ignore[arg-type]


@dataclass
class Refusal:
    """Why a request was throttled, and when a slot frees (seconds from now)."""

    limit: str  # "requests", "concurrent" or "batch"
    wait: float

    def retry_after(self, setting: float | str | None) -> str | None:
        """The ``Retry-After`` value to send, if any."""
        if setting is None:
            return None
        if setting == "auto":
            return str(max(1, math.ceil(self.wait)))
        return str(int(setting))  # type: ignore[arg-type]


@dataclass
class _Realm:
    requests: deque[float] = field(default_factory=deque)
    batches: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    peak: int = 0  # the most requests in flight at once since the last reset


def _wait(sent: deque[float], limit: int, window: float, now: float) -> float | None:
    """Seconds until a slot frees, or None when there is room (prunes old entries)."""
    while sent and sent[0] <= now - window:
        sent.popleft()
    if len(sent) < limit:
        return None
    return max(0.0, sent[len(sent) - limit] + window - now)


class Throttle:
    """Admission control for ``/v3`` requests, per realm; thread-safe.

    ``admit`` either holds an in-flight slot (give it back with ``release``) and
    returns None, or returns a :class:`Refusal` and holds nothing.
    """

    def __init__(self, limits: ThrottleLimits | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._lock = threading.Lock()
        self._realms: dict[str, _Realm] = {}
        #: how many requests each limit refused ("requests", "concurrent", "batch")
        self.refused: Counter[str] = Counter()
        self.admitted = 0

    @property
    def enabled(self) -> bool:
        return self.limits is not None

    def configure(self, spec: str | ThrottleLimits | None) -> None:
        """Change the limits (a spec string, limits, or None for off); keeps the windows."""
        limits = parse_throttle(spec) if isinstance(spec, str) else spec
        with self._lock:
            self.limits = limits

    def reset(self) -> None:
        """Forget every window and the counters (in-flight requests stay counted)."""
        with self._lock:
            for realm in self._realms.values():
                realm.requests.clear()
                realm.batches.clear()
                realm.peak = realm.in_flight
            self.refused.clear()
            self.admitted = 0

    def in_flight(self, realm_id: str) -> int:
        with self._lock:
            realm = self._realms.get(realm_id)
            return realm.in_flight if realm else 0

    def peak_in_flight(self, realm_id: str) -> int:
        """The most requests of the realm in flight at once (since the last ``reset``)."""
        with self._lock:
            realm = self._realms.get(realm_id)
            return realm.peak if realm else 0

    def admit(self, realm_id: str, batch: bool) -> Refusal | None:
        with self._lock:
            realm = self._realms.setdefault(realm_id, _Realm())
            limits = self.limits
            if limits is None:
                realm.in_flight += 1
                realm.peak = max(realm.peak, realm.in_flight)
                return None
            now = self.clock()
            refusal: Refusal | None = None
            if limits.concurrent is not None and realm.in_flight >= limits.concurrent:
                # CHOSEN: a slot frees when a request in flight ends; say one second.
                refusal = Refusal("concurrent", 1.0)
            if refusal is None and limits.requests is not None:
                wait = _wait(realm.requests, limits.requests, limits.window, now)
                if wait is not None:
                    refusal = Refusal("requests", wait)
            if refusal is None and batch and limits.batches is not None:
                wait = _wait(realm.batches, limits.batches, limits.batch_window, now)
                if wait is not None:
                    refusal = Refusal("batch", wait)
            if refusal is not None:
                self.refused[refusal.limit] += 1
                return refusal
            realm.requests.append(now)
            if batch:
                realm.batches.append(now)
            realm.in_flight += 1
            realm.peak = max(realm.peak, realm.in_flight)
            self.admitted += 1
            return None

    def release(self, realm_id: str) -> None:
        with self._lock:
            realm = self._realms.get(realm_id)
            if realm is not None and realm.in_flight > 0:
                realm.in_flight -= 1
