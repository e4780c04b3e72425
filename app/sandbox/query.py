"""QBO's query language: parser and evaluator (API.md §4.1).

Grammar::

    SELECT (* | COUNT(*)) FROM Entity
      [WHERE cond (AND cond)*] [ORDERBY field [ASC|DESC] (, field [ASC|DESC])*]
      [STARTPOSITION n] [MAXRESULTS n]
    cond := field (= | < | > | <= | >= ) value | field IN (value, ...) | field LIKE 'str'

Keywords, ``true``/``false``, entity names and property names are
case-insensitive. Strings use single quotes with ``\\'`` escapes. Errors raise
4000 (parse) or 4001 (validation) Faults.

CHOSEN where API.md is silent: string comparisons are case-insensitive (QBO
matches ``DisplayName = 'acme'`` to "Acme"); rows come in numeric Id order
unless ORDERBY says otherwise; MAXRESULTS above 1000 is a 4001 like
STARTPOSITION 0; projections other than ``*`` are a 4000.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.sandbox import faults
from app.sandbox.entities import EntitySpec, lookup
from app.sandbox.faults import FaultError
from app.sandbox.state import Company, id_sort_key, parse_time

MAX_RESULTS = 1000
DEFAULT_RESULTS = 100
KEYWORDS = {"select", "count", "from", "where", "and", "or", "orderby", "order", "by", "asc",
            "desc", "startposition", "maxresults", "in", "like", "true", "false"}

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>'(?:\\.|[^'\\])*')
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<op><=|>=|<>|!=|=|<|>)
  | (?P<punct>[(),*])
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
""", re.VERBOSE)


@dataclass
class Token:
    kind: str  # string, number, op, punct, ident, keyword, end
    text: str
    value: Any
    column: int


@dataclass
class Condition:
    field: str
    op: str
    values: list[Any]


@dataclass
class Query:
    """A parsed query."""

    entity: str
    count: bool = False
    where: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    start: int = 1
    max_results: int = DEFAULT_RESULTS


def _parse_error(token: Token) -> FaultError:
    text = token.text if token.kind != "end" else "<EOF>"
    return FaultError([faults.query_parse(
        f'Encountered "{text}" at line 1, column {token.column}.')])


def tokenize(text: str) -> list[Token]:
    """Split a query; an unterminated string or stray character is a 4000."""
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _parse_error(Token("char", text[pos], None, pos + 1))
        kind = match.lastgroup or ""
        raw = match.group()
        column = pos + 1
        pos = match.end()
        if kind == "ws":
            continue
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", raw[1:-1])
            tokens.append(Token("string", raw, value, column))
        elif kind == "number":
            tokens.append(Token("number", raw, Decimal(raw), column))
        elif kind == "ident" and raw.lower() in KEYWORDS:
            tokens.append(Token("keyword", raw, raw.lower(), column))
        else:
            tokens.append(Token(kind, raw, raw, column))
    tokens.append(Token("end", "", None, len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        return token.kind == "keyword" and token.value in words

    def expect_keyword(self, word: str) -> Token:
        if not self.keyword(word):
            raise _parse_error(self.peek())
        return self.take()

    def expect_punct(self, char: str) -> Token:
        token = self.peek()
        if token.kind != "punct" or token.value != char:
            raise _parse_error(token)
        return self.take()

    def expect_ident(self) -> str:
        token = self.peek()
        if token.kind != "ident":
            raise _parse_error(token)
        return self.take().text

    def integer(self) -> int:
        token = self.peek()
        if token.kind != "number" or "." in token.text:
            raise _parse_error(token)
        return int(self.take().text)

    def value(self) -> Any:
        token = self.peek()
        if token.kind in ("string", "number"):
            return self.take().value
        if self.keyword("true", "false"):
            return self.take().value == "true"
        raise _parse_error(token)

    def parse(self) -> tuple[Query, str]:
        self.expect_keyword("select")
        count = False
        if self.keyword("count"):
            self.take()
            self.expect_punct("(")
            self.expect_punct("*")
            self.expect_punct(")")
            count = True
        else:
            self.expect_punct("*")
        self.expect_keyword("from")
        entity_token = self.peek()
        entity = self.expect_ident()
        query = Query(entity=entity, count=count)
        if self.keyword("where"):
            self.take()
            query.where.append(self.condition())
            while self.keyword("and"):
                self.take()
                query.where.append(self.condition())
        if self.keyword("orderby", "order"):
            if self.take().value == "order":
                self.expect_keyword("by")
            query.order.append(self.order_item())
            while self.peek().kind == "punct" and self.peek().value == ",":
                self.take()
                query.order.append(self.order_item())
        if self.keyword("startposition"):
            self.take()
            query.start = self._bounded(self.integer())
        if self.keyword("maxresults"):
            self.take()
            query.max_results = self._bounded(self.integer())
            if query.max_results > MAX_RESULTS:
                raise FaultError([faults.query_invalid(
                    f"value {query.max_results} is too large. Max allowed value is {MAX_RESULTS}")])
        if self.peek().kind != "end":
            raise _parse_error(self.peek())
        return query, entity_token.text

    @staticmethod
    def _bounded(value: int) -> int:
        if value < 1:
            raise FaultError([faults.query_invalid(
                f"value {value} is too small. Min allowed value is 1")])
        return value

    def order_item(self) -> tuple[str, bool]:
        name = self.expect_ident()
        descending = False
        if self.keyword("asc", "desc"):
            descending = self.take().value == "desc"
        return name, descending

    def condition(self) -> Condition:
        name = self.expect_ident()
        token = self.peek()
        if token.kind == "op" and token.value in ("=", "<", ">", "<=", ">="):
            self.take()
            return Condition(name, token.value, [self.value()])
        if self.keyword("in"):
            self.take()
            self.expect_punct("(")
            values = [self.value()]
            while self.peek().kind == "punct" and self.peek().value == ",":
                self.take()
                values.append(self.value())
            self.expect_punct(")")
            return Condition(name, "in", values)
        if self.keyword("like"):
            self.take()
            token = self.peek()
            if token.kind != "string":
                raise _parse_error(token)
            return Condition(name, "like", [self.take().value])
        raise _parse_error(token)


def parse(text: str) -> tuple[Query, EntitySpec]:
    """Parse and validate against the entity's queryable properties."""
    if not text or not text.strip():
        raise FaultError([faults.query_parse('Encountered "<EOF>" at line 1, column 1.')])
    query, raw_entity = _Parser(text.strip()).parse()
    spec = lookup(raw_entity)
    if spec is None:
        raise FaultError([faults.query_invalid(f"invalid context declaration: {raw_entity}")])
    query.entity = spec.name
    for cond in query.where:
        cond.field = _resolve_field(spec, cond.field)
        if cond.field == "Id" and cond.op not in ("=", "in"):
            raise FaultError([faults.query_invalid(
                f"Operator {cond.op} is not supported for property Id")])
    query.order = [(_resolve_field(spec, name), desc) for name, desc in query.order]
    return query, spec


def _resolve_field(spec: EntitySpec, name: str) -> str:
    for known in spec.queryable:
        if known.lower() == name.lower():
            return known
    raise FaultError([faults.query_invalid(
        f"Property {name} not found for Entity {spec.name}")])


# --- evaluation -------------------------------------------------------------------
def _get(obj: dict, path: str) -> Any:
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    if isinstance(value, dict) and "Address" in value:
        return value["Address"]
    return value


def _comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    """Coerce both sides to one type; None when they cannot be compared."""
    if left is None:
        return None
    if isinstance(left, bool):
        if isinstance(right, str):
            right = right.strip().lower() == "true"
        return (left, right) if isinstance(right, bool) else None
    if isinstance(left, (int, float, Decimal)):
        try:
            return Decimal(str(left)), Decimal(str(right))
        except InvalidOperation:
            return None
    text = str(left)
    other = str(right)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T.*", text):
        try:
            return parse_time(text), parse_time(other)
        except ValueError:
            return None
    if text.isdigit() and other.isdigit():
        return int(text), int(other)
    return text.casefold(), other.casefold()


def _compare(op: str, left: Any, right: Any) -> bool:
    pair = _comparable(left, right)
    if pair is None:
        return False
    a, b = pair
    if op == "=":
        return a == b
    if op == "<":
        return a < b
    if op == ">":
        return a > b
    if op == "<=":
        return a <= b
    return a >= b


def _like(value: Any, pattern: str) -> bool:
    if value is None:
        return False
    regex = ".*".join(re.escape(part) for part in pattern.split("%"))
    return re.fullmatch(regex, str(value), re.IGNORECASE | re.DOTALL) is not None


def _matches(obj: dict, cond: Condition) -> bool:
    value = _get(obj, cond.field)
    if cond.op == "in":
        return any(_compare("=", value, v) for v in cond.values)
    if cond.op == "like":
        return _like(value, cond.values[0])
    return _compare(cond.op, value, cond.values[0])


def _sort_key(value: Any) -> tuple:
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float)):
        return (2, Decimal(str(value)))
    text = str(value)
    if text.isdigit():
        return (2, Decimal(text))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T.*", text):
        return (3, parse_time(text))
    return (4, text.casefold())


def rows(company: Company, spec: EntitySpec) -> list[dict]:
    """Every object an entity query can see (singletons included)."""
    if spec.name == "CompanyInfo":
        return [company.company_info]
    if spec.name == "Preferences":
        return [company.preferences]
    return company.all(spec.name)


def _by_id(company: Company, spec: EntitySpec, query: Query) -> list[dict] | None:
    """The rows an ``Id =`` or ``Id IN`` condition can match, looked up by Id (a large
    company is not scanned for them); None when the query has no such condition. The
    conditions are still applied to what is found, so the answer is the scan's."""
    if spec.name in ("CompanyInfo", "Preferences"):
        return None
    for cond in query.where:
        if cond.field == "Id" and cond.op in ("=", "in"):
            keys = [str(v) for v in cond.values if not isinstance(v, bool)]
            if len(keys) != len(cond.values) or not all(k.isdigit() for k in keys):
                return None  # e.g. Id = 'abc': left to the scan
            found = (company.get(spec.name, str(int(k))) for k in dict.fromkeys(keys))
            unique = {obj["Id"]: obj for obj in found if obj is not None}
            return [unique[k] for k in sorted(unique, key=id_sort_key)]
    return None


def execute(company: Company, text: str) -> dict:
    """Run a query; return the ``QueryResponse`` object."""
    query, spec = parse(text)
    found = _by_id(company, spec, query)
    if found is None:
        found = rows(company, spec)
    mentions_active = any(c.field == "Active" for c in query.where)
    if spec.has_active and not mentions_active:
        found = [o for o in found if o.get("Active") is not False]
    found = [o for o in found if all(_matches(o, c) for c in query.where)]
    if query.count:
        return {"totalCount": len(found)}
    found.sort(key=lambda o: id_sort_key(o["Id"]))
    for name, descending in reversed(query.order):
        found.sort(key=lambda o, n=name: _sort_key(_get(o, n)), reverse=descending)
    page = found[query.start - 1: query.start - 1 + query.max_results]
    if not page:
        return {}
    return {spec.name: page, "startPosition": query.start, "maxResults": len(page)}


def utc_text(moment: datetime) -> str:
    """ISO text of a datetime (used by tests and CDC)."""
    return moment.isoformat()
