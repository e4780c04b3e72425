"""Typed operations on one QuickBooks Online company.

Every request carries ``minorversion``. Creates carry a ``requestid`` chosen by
the caller from the local document and its revision, so a retry after a crash
or a lost answer returns the first answer instead of creating a duplicate.
Updates read the object first and send its current SyncToken (full update,
the only kind QuickBooks documents for Vendor, Bill and PurchaseOrder); a
5010 stale answer re-reads and tries once more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.domain import request_ids
from app.qbo.errors import BODY_HEAD, UNREADABLE, QboError, QboFault, TransportError, fault_in
from app.qbo.query import quote
from app.qbo.transport import Response, Transport

MINOR_VERSION = 75
PAGE = 1000  # QuickBooks' maximum page size
BATCH_MAX = 30
NAME_LISTS = frozenset({"Vendor", "Customer", "Employee", "Account", "Item", "Term"})
REQUEST_ID_MAX = request_ids.LIMIT


@dataclass
class BatchItem:
    """One operation of a batch: ``create``/``update``/``delete``, or a query."""

    bid: str
    entity: str = ""
    operation: str = "create"
    body: dict[str, Any] = field(default_factory=dict)
    query: str | None = None


@dataclass
class BatchResult:
    bid: str
    entity: str
    data: Any = None  # the object (or QueryResponse) on success
    fault: QboFault | None = None
    #: False when QuickBooks' answer had nothing readable for this item (no item of its
    #: ``bId``, or not an object): what became of it is unknown, unlike a Fault's "no"
    answered: bool = True


class QboClient:
    def __init__(self, api_base: str, realm_id: str, transport: Transport,
                 minor_version: int = MINOR_VERSION) -> None:
        self.api_base = api_base.rstrip("/")
        self.realm_id = realm_id
        self.transport = transport
        self.minor_version = minor_version

    # --- plumbing -------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.api_base}/v3/company/{self.realm_id}/{path}"

    def _params(self, **extra: Any) -> dict[str, Any]:
        return {"minorversion": str(self.minor_version),
                **{k: v for k, v in extra.items() if v is not None}}

    def _post(self, entity: str, body: dict[str, Any], **params: Any) -> dict[str, Any]:
        def send() -> Any:
            return self.transport.request("POST", self._url(entity.lower()),
                                          params=self._params(**params), json_body=body)

        if entity in NAME_LISTS:  # QuickBooks takes name-list writes one at a time
            with self.transport.limiter.name_list_lock:
                return _object(send(), entity)
        return _object(send(), entity)

    # --- objects --------------------------------------------------------------------

    def read(self, entity: str, obj_id: str) -> dict[str, Any]:
        reply = self.transport.request("GET", self._url(f"{entity.lower()}/{obj_id}"),
                                       params=self._params())
        return _object(reply, entity)

    def create(self, entity: str, body: dict[str, Any], request_id: str,
               allow_duplicate_doc_number: bool = False) -> dict[str, Any]:
        if not request_id or len(request_id) > REQUEST_ID_MAX:
            raise ValueError(f"requestid must be 1–{REQUEST_ID_MAX} characters")
        include = "allowduplicatedocnum" if allow_duplicate_doc_number else None
        return self._post(entity, body, requestid=request_id, include=include)

    def update(self, entity: str, obj_id: str, change: Callable[[dict[str, Any]], dict[str, Any]],
               request_id: str | None = None) -> dict[str, Any]:
        """Read the object, apply ``change`` to a copy, send it with the current SyncToken."""
        for attempt in (1, 2):
            current = self.read(entity, obj_id)
            if "SyncToken" not in current:
                raise TransportError(f"{UNREADABLE} (a {entity} without its SyncToken)", 200)
            body = change(dict(current))
            body["Id"], body["SyncToken"] = current["Id"], current["SyncToken"]
            body.pop("sparse", None)
            try:
                rid = request_ids.with_sync_token(request_id, str(current["SyncToken"])) \
                    if request_id else None
                return self._post(entity, body, requestid=rid)
            except QboFault as fault:
                if "5010" in fault.codes and attempt == 1:
                    continue  # someone changed it meanwhile: read again, apply again
                raise
        raise AssertionError("unreachable")

    def _by_operation(self, entity: str, obj_id: str, operation: str) -> dict[str, Any]:
        current = self.read(entity, obj_id)
        if "SyncToken" not in current:
            raise TransportError(f"{UNREADABLE} (a {entity} without its SyncToken)", 200)
        reply = self.transport.request(
            "POST", self._url(entity.lower()),
            params=self._params(operation=operation,
                                requestid=request_ids.delete_or_void(
                                    operation, entity, obj_id, str(current["SyncToken"]))),
            json_body={"Id": current["Id"], "SyncToken": current["SyncToken"]})
        data = _dict(reply, "the answer")
        answer = data.get(entity, data)
        if not isinstance(answer, dict):
            raise _odd(reply, f"{entity} is not an object")
        return answer

    def delete(self, entity: str, obj_id: str) -> dict[str, Any]:
        return self._by_operation(entity, obj_id, "delete")

    def void(self, entity: str, obj_id: str) -> dict[str, Any]:
        return self._by_operation(entity, obj_id, "void")

    # --- queries --------------------------------------------------------------------

    def query(self, text: str) -> dict[str, Any]:
        """One query, as QuickBooks' ``QueryResponse`` object (``{}`` when nothing matched)."""
        reply = self.transport.request("POST", self._url("query"), params=self._params(),
                                       text_body=text, retry_safe=True)
        found = _dict(reply, "the answer").get("QueryResponse", {})
        if not isinstance(found, dict):
            raise _odd(reply, "QueryResponse is not an object")
        for key, rows in found.items():
            if isinstance(rows, list) and not all(_is_object(row) for row in rows):
                raise _odd(reply, f"a {key} that is not an object")
        return found

    def query_all(self, entity: str, where: str = "", order_by: str = "Id",
                  page_size: int = PAGE) -> Iterator[dict[str, Any]]:
        """Every matching object, page by page (past QuickBooks' 1000-row page)."""
        for rows in self.query_pages(entity, where, order_by, page_size):
            yield from rows

    def query_pages(self, entity: str, where: str = "", order_by: str = "Id",
                    page_size: int = PAGE) -> Iterator[list[dict[str, Any]]]:
        """Every matching object, a page at a time (each page one request, asked for only
        when the one before is taken): a caller can apply each page before the next."""
        start = 1
        clause = f" where {where}" if where else ""
        while True:
            page = self.query(f"select * from {entity}{clause} orderby {order_by} "
                              f"startposition {start} maxresults {page_size}")
            rows = page.get(entity, [])
            if rows or start == 1:
                yield rows
            if len(rows) < page_size:
                return
            start += page_size

    def find(self, entity: str, **equals: str) -> list[dict[str, Any]]:
        """Objects whose fields equal the given strings, e.g. ``find("Bill", DocNumber="X")``."""
        where = " and ".join(f"{k} = {quote(v)}" for k, v in equals.items())
        return list(self.query_all(entity, where))

    def count(self, entity: str, where: str = "") -> int:
        clause = f" where {where}" if where else ""
        return int(self.query(f"select count(*) from {entity}{clause}").get("totalCount", 0))

    # --- batch and change data capture ---------------------------------------------

    def batch(self, items: list[BatchItem], request_id: str | None = None) -> list[BatchResult]:
        """Run up to 30 operations per request; each result is matched back by ``bId``."""
        results: list[BatchResult] = []
        for start in range(0, len(items), BATCH_MAX):
            chunk = items[start:start + BATCH_MAX]
            payload = []
            for item in chunk:
                if item.query is not None:
                    payload.append({"bId": item.bid, "Query": item.query})
                else:
                    payload.append({"bId": item.bid, "operation": item.operation,
                                    item.entity: item.body})
            rid = request_ids.batch(request_id, start // BATCH_MAX) if request_id else None
            reply = self.transport.request(
                "POST", self._url("batch"), params=self._params(requestid=rid),
                json_body={"BatchItemRequest": payload}, batch=True)
            answers = _dict(reply, "the answer").get("BatchItemResponse", [])
            if not isinstance(answers, list) or not all(isinstance(r, dict) for r in answers):
                raise _odd(reply, "BatchItemResponse is not a list of objects")
            by_bid = {r.get("bId"): r for r in answers}
            for item in chunk:
                results.append(self._batch_result(item, by_bid.get(item.bid), reply.intuit_tid))
        return results

    @staticmethod
    def _batch_result(item: BatchItem, answer: dict[str, Any] | None, tid: str | None
                      ) -> BatchResult:
        entity = item.entity or "QueryResponse"
        if answer is None:
            error = QboError(code="", message="QuickBooks returned no answer for this item",
                             http_status=200, intuit_tid=tid)
            return BatchResult(item.bid, entity, fault=QboFault([error], 200, tid),
                               answered=False)
        if "Fault" in answer or "fault" in answer:
            return BatchResult(item.bid, entity, fault=fault_in(answer, 200, tid))
        key = "QueryResponse" if item.query is not None else item.entity
        data = answer.get(key)
        if not isinstance(data, dict) or (item.query is None and not _is_object(data)):
            error = QboError(code="", message=UNREADABLE, http_status=200, intuit_tid=tid)
            return BatchResult(item.bid, entity, fault=QboFault([error], 200, tid),
                               answered=False)
        return BatchResult(item.bid, entity, data=data)

    def cdc(self, entities: list[str], changed_since: datetime) -> dict[str, list[dict[str, Any]]]:
        """Objects changed since ``changed_since`` (at most 30 days back), by entity.

        Deleted objects come as ``{"Id", "status": "Deleted", "MetaData"}``.
        """
        reply = self.transport.request(
            "GET", self._url("cdc"),
            params=self._params(entities=",".join(entities),
                                changedSince=changed_since.isoformat()))
        changes: dict[str, list[dict[str, Any]]] = {e: [] for e in entities}
        blocks = _dict(reply, "the answer").get("CDCResponse", [])
        if not isinstance(blocks, list):
            raise _odd(reply, "CDCResponse is not a list")
        for block in blocks:
            responses = block.get("QueryResponse", []) if isinstance(block, dict) else None
            if not isinstance(responses, list):
                raise _odd(reply, "a CDCResponse block without its QueryResponse list")
            for response in responses:
                if not isinstance(response, dict):
                    raise _odd(reply, "a QueryResponse that is not an object")
                for entity, rows in response.items():
                    if isinstance(rows, list):
                        if not all(_is_object(row) for row in rows):
                            raise _odd(reply, f"a changed {entity} that is not an object")
                        changes.setdefault(entity, []).extend(rows)
        return changes

    def company_info(self) -> dict[str, Any]:
        return self.read("CompanyInfo", self.realm_id)

    def preferences(self) -> dict[str, Any]:
        reply = self.transport.request("GET", self._url("preferences"), params=self._params())
        preferences = _dict(reply, "the answer").get("Preferences")
        if not isinstance(preferences, dict):
            raise _odd(reply, "no Preferences object")
        return preferences


# --- answers of an unexpected shape --------------------------------------------------
# A 200 whose JSON is not what the API documents (a number where an object belongs, a
# list instead of an object) becomes the client's own error, like any unreadable body.


def _odd(reply: Response, what: str) -> TransportError:
    try:
        head = repr(reply.data)[:BODY_HEAD]
    except Exception:  # e.g. nested deeper than repr goes
        head = ""
    return TransportError(f"{UNREADABLE} ({what})", reply.status, head, reply.intuit_tid)


def _dict(reply: Response, what: str) -> dict[str, Any]:
    if not isinstance(reply.data, dict):
        raise _odd(reply, f"{what} is not an object")
    return reply.data


def _is_object(obj: Any) -> bool:
    """An entity as the API sends it: an object with an Id, lines (if any) that are objects."""
    if not isinstance(obj, dict):
        return False
    if "Id" in obj and (isinstance(obj["Id"], bool) or not isinstance(obj["Id"], str | int)):
        return False
    lines = obj.get("Line", [])
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        return False
    return all(isinstance(line.get("LinkedTxn", []), list)
               and all(isinstance(link, dict) for link in line.get("LinkedTxn", []))
               for line in lines)


def _object(reply: Response, entity: str) -> dict[str, Any]:
    """``{entity: {...}}`` → the object; anything else is the client's error."""
    obj = _dict(reply, "the answer").get(entity)
    if not _is_object(obj) or "Id" not in obj:
        raise _odd(reply, f"no {entity} object with an Id")
    return obj
