"""Change data capture (API.md §4.2): changed and deleted objects since a time.

CHOSEN where API.md is silent: a ``changedSince`` more than 30 days back is
answered with a 4001 Fault (rather than silently narrowed) so a client notices;
when more than 1000 objects changed, the 1000 oldest changes are returned.
"""

from __future__ import annotations

import copy
from datetime import timedelta

from app.sandbox import faults
from app.sandbox.entities import lookup
from app.sandbox.faults import FaultError
from app.sandbox.query import rows
from app.sandbox.state import Company, parse_time

MAX_OBJECTS = 1000
WINDOW = timedelta(days=30)


def changes(company: Company, entities: str | None, changed_since: str | None) -> dict:
    """The ``CDCResponse`` list for ``GET …/cdc``."""
    if not entities:
        raise FaultError([faults.required("entities", "entities")])
    if not changed_since:
        raise FaultError([faults.required("changedSince", "changedSince")])
    # A "+hh:mm" offset sent without URL-encoding arrives as " hh:mm"; read it as meant.
    if " " in changed_since.strip():
        changed_since = changed_since.strip().replace(" ", "+")
    try:
        since = parse_time(changed_since)
    except ValueError:
        raise FaultError([faults.query_invalid(
            f"Invalid changedSince value: {changed_since}")]) from None
    if since < company.clock.now() - WINDOW:
        raise FaultError([faults.query_invalid(
            "changedSince must be within the last 30 days")])
    specs = []
    for name in entities.split(","):
        spec = lookup(name)
        if spec is None:
            raise FaultError([faults.query_invalid(
                f"invalid context declaration: {name.strip()}")])
        if spec not in specs:
            specs.append(spec)
    found: list[tuple[object, str, dict]] = []
    for spec in specs:
        for obj in rows(company, spec):
            stamp = parse_time(obj["MetaData"]["LastUpdatedTime"])
            if stamp >= since:
                found.append((stamp, spec.name, copy.deepcopy(obj)))
        for tomb in company.deleted.get(spec.name, []):
            stamp = parse_time(tomb["time"])
            if stamp >= since:
                found.append((stamp, spec.name, {"domain": "QBO", "status": "Deleted",
                                                 "Id": tomb["Id"],
                                                 "MetaData": {"LastUpdatedTime": tomb["time"]}}))
    found.sort(key=lambda item: item[0])
    found = found[:MAX_OBJECTS]
    responses = []
    for spec in specs:
        objs = [obj for _, name, obj in found if name == spec.name]
        if objs:
            responses.append({spec.name: objs, "startPosition": 1, "maxResults": len(objs),
                              "totalCount": len(objs)})
        else:
            responses.append({})
    return {"CDCResponse": [{"QueryResponse": responses}]}
