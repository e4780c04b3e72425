"""Fault injection: make chosen ``/v3`` requests fail the ways real QBO and its gateways do.

Kinds (``FAULT_KINDS``):

=========  ===============================================================  =============
kind       what the client gets                                             server work
=========  ===============================================================  =============
``401``    401, the lower-case envelope, code 3200, ``Token revoked: …``;   none
           the access token sent is revoked (refreshing gets a new one);
           ``401=grant`` revokes the whole grant (only a reconnect helps)
``429``    429 with QBO's XML ``IntuitResponse`` throttle body (code 3001)  none
``500``    500, JSON ``SystemFault`` code 10000                             none
``503``    503 with an HTML gateway page                                    none
``empty``  200 with an empty body                                           done
``slow``   the real answer, after a delay (``slow=5s``; default 35 s)       done
``drop``   the connection closes with no HTTP answer at all                 none
``lost``   the connection closes with no answer, *after* the work is done   done
=========  ===============================================================  =============

"done" means the request really ran (a create really created), which is what
makes naive clients create duplicates on retry. ``slow`` answers after the work
is done, so a client that timed out has still changed the company.

A rule selects requests by route (the first path segment after the realm,
case-insensitive: ``purchaseorder``, ``bill``, ``vendor``, ``query``, ``batch``,
``cdc``, ``preferences``, ``companyinfo``…, or ``*`` for every ``/v3`` request),
optionally by method, and fires either on the next N matching requests
(optionally after letting some through) or with a probability drawn from a
seeded RNG, so every run with the same seed and the same requests is the same.
Rules are tried in the order they were added; the first that fires wins and
later rules do not see that request. OAuth endpoints are never faulted.

Spec syntax (``--faults SPEC``, ``SandboxServer(faults=SPEC)``, ``faults.load(SPEC)``)::

    SPEC  := ITEM ("," ITEM)*
    ITEM  := "seed=" INT                              (the RNG seed; default 0)
           | ["p=" PROB ":"] KIND ["=" PARAM] [":" ROUTE [":" COUNT]]
    PARAM := DURATION (slow: "5s", "500ms", "1m")  |  "token" or "grant" (401)
    ROUTE := "*" | SEGMENT | METHOD "/" SEGMENT        (METHOD: GET or POST)
    COUNT := N | "*" | N "@" K       (N requests, every one, or N starting at the K-th match)

COUNT defaults to 1 for a schedule and to ``*`` (no cap) with ``p=``. Examples:
``lost:purchaseorder:2`` (the next two PO requests run but their answers are
lost), ``500:bill:1``, ``slow=5s:query:1``, ``p=0.1:429:*`` (one request in ten,
seeded), ``drop:POST/vendor:1@3`` (only the third POST to ``vendor``),
``401:*:1``, ``401=grant:*:1`` (the connection is gone for good),
``empty:GET/preferences:*``.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, replace

from app.sandbox.throttle import parse_duration

FAULT_KINDS = ("401", "429", "500", "503", "empty", "slow", "drop", "lost")
#: Friendlier names accepted everywhere a kind is.
ALIASES = {"revoked": "401", "unauthorized": "401", "throttle": "429", "throttled": "429",
           "error": "500", "systemfault": "500", "gateway": "503", "unavailable": "503",
           "timeout": "slow", "delay": "slow", "dropped": "drop", "lost-response": "lost"}
#: Kinds answered without running the request.
BEFORE_KINDS = ("401", "429", "500", "503", "drop")
DEFAULT_SLOW = 35.0  # seconds: over the usual 30 s client timeout
METHODS = ("GET", "POST")
_COUNT = re.compile(r"^(\d+)(?:@(\d+))?$")


def normalise_kind(kind: str) -> str:
    text = str(kind).strip().lower()
    text = ALIASES.get(text, text)
    if text not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r} (known: {', '.join(FAULT_KINDS)})")
    return text


@dataclass
class FaultRule:
    """One scheduled or probable fault. ``count`` None means no cap."""

    kind: str
    route: str = "*"
    method: str | None = None
    count: int | None = 1
    skip: int = 0  # matching requests let through before the rule may fire
    probability: float | None = None
    delay: float = DEFAULT_SLOW  # ``slow`` only
    revoke: str = "token"  # ``401`` only: revoke the access "token" or the whole "grant"
    seen: int = 0  # matching requests the rule was asked about
    fired: int = 0

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def matches(self, method: str, route: str) -> bool:
        return (self.route == "*" or self.route == route) and \
            (self.method is None or self.method == method)

    def describe(self) -> str:
        kind = f"slow={self.delay:g}s" if self.kind == "slow" else \
            "401=grant" if self.kind == "401" and self.revoke == "grant" else self.kind
        route = f"{self.method}/{self.route}" if self.method else self.route
        count = "*" if self.count is None else str(self.count)
        if self.skip:
            count += f"@{self.skip + 1}"
        prefix = f"p={self.probability:g}:" if self.probability is not None else ""
        return f"{prefix}{kind}:{route}:{count}"


@dataclass(frozen=True)
class FiredFault:
    """One fault that happened: the n-th (from 1) overall, what, and to which request."""

    seq: int
    kind: str
    method: str
    path: str
    rule: str  # the rule's spec form


def route_of(path: str) -> str:
    """The routing key of a ``/v3/company/{realm}/…`` path: its first segment, lower case."""
    return path.strip("/").split("/", 1)[0].lower()


class FaultInjector:
    """The fault schedule of one sandbox; thread-safe.

    ``add`` / ``load`` / ``clear`` / ``reseed`` change it; ``fired`` says what
    happened; ``rules`` and ``pending`` show what is left.
    """

    def __init__(self, spec: str | None = None, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._fired: list[FiredFault] = []
        self.seed = seed
        self._rng = random.Random(seed)
        if spec:
            self.load(spec)

    # --- building the schedule ------------------------------------------------------------
    def add(self, kind: str, route: str = "*", count: int | None = 1, *,
            method: str | None = None, probability: float | None = None, skip: int = 0,
            delay: float | str | None = None, revoke: str = "token") -> FaultRule:
        """Schedule a fault: ``add("lost", route="purchaseorder", count=2)``.

        ``count=None`` fires on every match; ``probability`` makes each match fire
        with that chance (seeded RNG); ``skip`` lets that many matches through
        first; ``delay`` (seconds or ``"5s"``) is for ``slow``; ``revoke``
        (``"token"`` or ``"grant"``) is for ``401``. ``route`` may be
        written ``"POST/bill"`` instead of passing ``method``.
        """
        kind = normalise_kind(kind)
        route = str(route or "*").strip()
        if "/" in route:
            method_text, route = route.split("/", 1)
            if method is not None and method.upper() != method_text.upper():
                raise ValueError(f"two methods for one rule: {method!r} and {method_text!r}")
            method = method_text
        route = route.lower() or "*"
        if method is not None:
            method = method.upper()
            if method not in METHODS:
                raise ValueError(f"unknown method {method!r} (GET or POST)")
        if count is not None and count < 1:
            raise ValueError("count must be at least 1 (or None for every match)")
        if skip < 0:
            raise ValueError("skip cannot be negative")
        if probability is not None and not 0 <= probability <= 1:
            raise ValueError(f"a probability is between 0 and 1, not {probability}")
        if delay is None:
            seconds = DEFAULT_SLOW
        elif isinstance(delay, str):
            seconds = parse_duration(delay)
        else:
            seconds = float(delay)
        if delay is not None and kind != "slow":
            raise ValueError("only the slow fault takes a delay")
        if revoke not in ("token", "grant"):
            raise ValueError(f"401 revokes the 'token' or the 'grant', not {revoke!r}")
        if revoke != "token" and kind != "401":
            raise ValueError("only the 401 fault revokes")
        rule = FaultRule(kind, route, method, count, skip, probability, seconds, revoke)
        with self._lock:
            self._rules.append(rule)
        return rule

    def load(self, spec: str) -> list[FaultRule]:
        """Add every rule of a SPEC (see the module doc); all or nothing."""
        parsed, seed = parse_spec(spec)
        with self._lock:
            if seed is not None:
                self._reseed(seed)
            self._rules.extend(parsed)
        return parsed

    def clear(self) -> None:
        """Drop every rule and forget what fired (the RNG starts over from its seed)."""
        with self._lock:
            self._rules.clear()
            self._fired.clear()
            self._reseed(self.seed)

    def reseed(self, seed: int) -> None:
        """Restart the RNG that probability rules draw from."""
        with self._lock:
            self._reseed(seed)

    def _reseed(self, seed: int) -> None:
        self.seed = seed
        self._rng = random.Random(seed)

    # --- what happened ------------------------------------------------------------------
    @property
    def fired(self) -> list[FiredFault]:
        """Every fault that happened, in order."""
        with self._lock:
            return list(self._fired)

    def count(self, kind: str | None = None) -> int:
        """How many faults (of ``kind``) happened."""
        wanted = normalise_kind(kind) if kind is not None else None
        with self._lock:
            return sum(1 for f in self._fired if wanted is None or f.kind == wanted)

    @property
    def rules(self) -> list[FaultRule]:
        """Copies of every rule, exhausted ones included."""
        with self._lock:
            return [replace(rule) for rule in self._rules]

    @property
    def pending(self) -> list[FaultRule]:
        """Copies of the rules that may still fire."""
        return [rule for rule in self.rules if not rule.exhausted]

    # --- the server asks ------------------------------------------------------------------
    def pick(self, method: str, path: str) -> FaultRule | None:
        """The rule that fires for this request (recorded as fired), or None."""
        route = route_of(path)
        method = method.upper()
        with self._lock:
            for rule in self._rules:
                if rule.exhausted or not rule.matches(method, route):
                    continue
                rule.seen += 1
                if rule.seen <= rule.skip:
                    continue
                if rule.probability is not None and self._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                self._fired.append(FiredFault(len(self._fired) + 1, rule.kind, method,
                                              path, rule.describe()))
                return replace(rule)
            return None


def parse_spec(spec: str) -> tuple[list[FaultRule], int | None]:
    """Rules and the ``seed=`` (if any) of a SPEC. Raises ``ValueError`` naming the item."""
    rules: list[FaultRule] = []
    seed: int | None = None
    scratch = FaultInjector()
    for raw in (spec or "").split(","):
        item = raw.strip()
        if not item:
            continue
        try:
            if item.lower().startswith("seed="):
                seed = int(item[5:])
                continue
            rules.append(_parse_rule(scratch, item))
        except ValueError as exc:
            raise ValueError(f"fault {item!r}: {exc}") from None
    if not rules and seed is None:
        raise ValueError("empty fault spec (e.g. 'lost:purchaseorder:2,500:bill:1')")
    return rules, seed


def _parse_rule(scratch: FaultInjector, item: str) -> FaultRule:
    fields = item.split(":")
    probability = None
    if fields[0].lower().startswith("p="):
        probability = float(fields.pop(0)[2:])
        if not fields:
            raise ValueError("a probability needs a kind after it (p=0.1:429:*)")
    if len(fields) > 3:
        raise ValueError("too many ':' fields (KIND[=DELAY][:ROUTE[:COUNT]])")
    kind_text = fields[0]
    delay: str | None = None
    if "=" in kind_text:
        kind_text, delay = kind_text.split("=", 1)
    route = fields[1] if len(fields) > 1 else "*"
    count_text = fields[2].strip() if len(fields) > 2 else ("*" if probability is not None
                                                            else "1")
    count: int | None
    skip = 0
    if count_text == "*":
        count = None
    else:
        found = _COUNT.match(count_text)
        if not found:
            raise ValueError(f"COUNT is N, N@K or *, not {count_text!r}")
        count = int(found.group(1))
        if found.group(2) is not None:
            if int(found.group(2)) < 1:
                raise ValueError("@K counts matching requests from 1")
            skip = int(found.group(2)) - 1
    revoke = "token"
    if normalise_kind(kind_text) == "401" and delay is not None:
        revoke, delay = delay.strip().lower(), None
    return scratch.add(kind_text, route, count, probability=probability, skip=skip,
                       delay=delay, revoke=revoke)
