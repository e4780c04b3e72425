"""Finding (or, when the name is free, creating) the QuickBooks vendor of a supplier.

Order: the supplier's linked vendor id; else a vendor of the same name
(inactive ones included); a name held by a customer or an employee, or by an
inactive vendor, is a problem, never a reason to create a near-duplicate.
Vendors are created one at a time (QuickBooks takes name writes serially).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain import request_ids
from app.domain.problems import Kind, Problem
from app.qbo.client import QboClient
from app.qbo.errors import QboClientError, QboFault, TransportError
from app.qbo.query import quote
from app.sync.lists import QboLists, name_key, original_name
from app.sync.problems import diagnose


@dataclass
class VendorAnswer:
    vendor_id: str | None = None
    problem: Problem | None = None
    created: bool = False
    would_create: bool = False
    linked: bool = False  # a vendor was found by name and should be remembered


def _group(supplier_id: int) -> str:
    return f"supplier:{supplier_id}"


def resolve(supplier_id: int, name: str, linked_id: str | None, lists: QboLists,
            client: QboClient | None, store_id: str = "") -> VendorAnswer:
    """The vendor to use; with ``client=None`` (a dry run) nothing is created.

    ``store_id`` (the store's own id) goes into the request id of a new vendor.
    """
    if linked_id:
        vendor = lists.vendors.get(linked_id)
        if vendor is not None and vendor.get("Active", True):
            return VendorAnswer(vendor_id=linked_id)
        if vendor is not None:
            return VendorAnswer(problem=_inactive(supplier_id, name, vendor))
        # the linked vendor is gone (deleted or merged away): find it again by name
    active = lists.vendor_named(name)
    if active is not None:
        return VendorAnswer(vendor_id=active["Id"], linked=True)
    inactive = lists.vendor_named(name, active=False)
    if inactive is not None:
        return VendorAnswer(problem=_inactive(supplier_id, name, inactive))
    holder = lists.name_holder(name)
    if holder is not None:
        kind, record = holder
        state = "" if record.get("Active", True) else "an inactive "
        article = "" if state else ("an " if kind[0] in "aeiou" else "a ")
        return VendorAnswer(problem=Problem(
            Kind.DUPLICATE_NAME,
            f"The name '{name}' belongs to {article}{state}{kind} in QuickBooks, and QuickBooks "
            "lets only one customer, vendor or employee have a name.", _group(supplier_id),
            facts={"supplier": name, "holder_kind": kind, "holder_id": record.get("Id"),
                   "holder_active": bool(record.get("Active", True))}))
    if client is None:
        return VendorAnswer(would_create=True)
    try:
        vendor = client.create("Vendor", {"DisplayName": name, "PrintOnCheckName": name[:100]},
                               request_id=request_ids.vendor_create(store_id, supplier_id, name))
    except QboClientError as error:
        # The answer never came (or came broken): QuickBooks may have made the vendor all
        # the same. The name was free a moment ago, so a vendor of that name now is it.
        made = _made_after_all(client, name) if _outcome_unknown(error) else None
        if made is None:
            problem = diagnose(error, f"the new vendor '{name}'")
            if isinstance(error, QboFault):
                problem.group = _group(supplier_id)
            return VendorAnswer(problem=problem)
        vendor = made
    if name_key(original_name(vendor)) != name_key(name):  # an answer to another request
        return VendorAnswer(problem=Problem(
            Kind.ANSWER_MISMATCH,
            f"QuickBooks answered SyncDesk's request for the new vendor '{name}' with another "
            f"vendor ('{original_name(vendor)}', id {vendor.get('Id')}), so SyncDesk did not "
            "take it as this supplier's vendor.", _group(supplier_id),
            facts={"supplier": name, "answered_id": vendor.get("Id"),
                   "answered_name": vendor.get("DisplayName")}))
    lists.add_vendor(vendor)
    return VendorAnswer(vendor_id=vendor["Id"], created=True, linked=True)


def _outcome_unknown(error: QboClientError) -> bool:
    """Whether QuickBooks may have made the vendor although no answer came back (a lost or
    unreadable answer). A Fault (5xx included) is left alone: a vendor made all the same
    is found by name by the next sync (its name is then taken), and a look-up here would
    count as QuickBooks answering while it is failing."""
    return isinstance(error, TransportError)


def _made_after_all(client: QboClient, name: str) -> dict | None:
    """The active vendor named ``name`` in QuickBooks now, if there is one."""
    try:
        found = client.query(f"select * from Vendor where DisplayName = {quote(name)}"
                             ).get("Vendor", [])
    except QboClientError:
        return None
    return next((v for v in found if isinstance(v, dict) and v.get("Active", True)
                 and name_key(original_name(v)) == name_key(name)), None)


def _inactive(supplier_id: int, name: str, vendor: dict) -> Problem:
    return Problem(
        Kind.INACTIVE_VENDOR,
        f"The vendor '{original_name(vendor)}' is inactive in QuickBooks, so QuickBooks will "
        "not take new documents for it.", _group(supplier_id),
        facts={"supplier": name, "vendor_id": vendor.get("Id"),
               "vendor_name": vendor.get("DisplayName")})

