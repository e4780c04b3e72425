"""The batch endpoint (API.md §5): up to 30 items, each answered next to its ``bId``.

CHOSEN where API.md is silent: items run serially in request order (the 2017
blog says they run serially), so a later item does see an earlier one's
changes; more than 30 items is a whole-request 1040 Fault with HTTP 400.
"""

from __future__ import annotations

from collections.abc import Callable

from app.sandbox import faults
from app.sandbox.entities import lookup
from app.sandbox.faults import FaultError, fault_item
from app.sandbox.state import Company

MAX_ITEMS = 30
MAX_BID_WITH_REQUESTID = 10
OPERATIONS = ("create", "update", "delete")

#: (company, entity name, body, operation, include) -> response object
WriteFn = Callable[[Company, str, dict, str, set[str]], dict]
QueryFn = Callable[[Company, str], dict]


def run(company: Company, body: object, write: WriteFn, query: QueryFn,
        include: set[str], with_requestid: bool = False) -> dict:
    """Answer a ``BatchItemRequest`` body.

    With a ``requestid``, each ``bId`` may be at most 10 characters ([B-RID]);
    a longer one gets a 2050 Fault in its own item.
    """
    if not isinstance(body, dict) or not isinstance(body.get("BatchItemRequest"), list):
        raise FaultError([faults.required("BatchItemRequest")])
    items = body["BatchItemRequest"]
    if len(items) > MAX_ITEMS:
        raise FaultError([faults.batch_too_large(len(items), MAX_ITEMS)])
    answers = []
    for item in items:
        bid = item.get("bId") if isinstance(item, dict) else None
        if with_requestid and bid is not None and len(str(bid)) > MAX_BID_WITH_REQUESTID:
            err = faults.string_too_long("bId", MAX_BID_WITH_REQUESTID, len(str(bid)))
            answers.append({"Fault": fault_item([err]), "bId": bid})
            continue
        answers.append(_one(company, item, write, query, include))
    return {"BatchItemResponse": answers}


def _one(company: Company, item: object, write: WriteFn, query: QueryFn,
         include: set[str]) -> dict:
    if not isinstance(item, dict):
        return {"Fault": fault_item([faults.required("bId")])}
    bid = item.get("bId")
    try:
        answer = _dispatch(company, item, write, query, include)
    except FaultError as exc:
        answer = {"Fault": fault_item(exc.errors, exc.type)}
    if bid is not None:
        answer["bId"] = bid
    return answer


def _dispatch(company: Company, item: dict, write: WriteFn, query: QueryFn,
              include: set[str]) -> dict:
    if "Query" in item:
        return {"QueryResponse": query(company, str(item["Query"]))}
    operation = str(item.get("operation", "")).lower()
    options = str(item.get("optionsData", "")).lower()
    if options == "void":
        operation = "void"
    entity_keys = [k for k in item if lookup(k) is not None]
    if not entity_keys or operation not in (*OPERATIONS, "void"):
        raise FaultError([faults.required("operation" if entity_keys else "entity")])
    spec = lookup(entity_keys[0])
    assert spec is not None
    body = item[entity_keys[0]]
    if not isinstance(body, dict):
        raise FaultError([faults.bad_request_body("expected an object")])
    result = write(company, spec.name, body, operation, include)
    return {spec.name: result}
