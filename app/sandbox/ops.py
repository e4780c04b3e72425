"""Create, update (full and sparse), delete and void, plus the links they maintain.

Callers hold ``company.lock``. Each function returns the object as QBO answers
it (a deep copy) or raises :class:`~app.sandbox.faults.FaultError`.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from app.sandbox import faults
from app.sandbox.entities import EntitySpec
from app.sandbox.faults import FaultError
from app.sandbox.rules import (
    WriteContext,
    clean,
    prepare,
    storable,
    to_decimal,
    to_number,
)
from app.sandbox.state import Company, meta_time

#: CHOSEN: the "other user" named in 5010 Details (QBO names the company user
#: whose save won; the sandbox has one user, the one userinfo describes).
SANDBOX_USER = "Sandbox User"


def save(company: Company, spec: EntitySpec, body: dict, include: set[str] | None = None) -> dict:
    """Create, or update when the body carries an ``Id``."""
    include = include or set()
    data = clean(body)
    if spec.kind == "singleton":
        return update_singleton(company, spec, data)
    obj_id = data.get("Id")
    if obj_id is None:
        return create(company, spec, data, include)
    return update(company, spec, data, include)


def _current(company: Company, spec: EntitySpec, obj_id: str) -> dict:
    current = company.get(spec.name, obj_id)
    if current is None:
        if company.was_deleted(spec.name, obj_id):
            raise FaultError([faults.object_deleted()])
        raise FaultError([faults.object_not_found()])
    return current


def _check_token(current: dict, data: dict) -> None:
    token = data.get("SyncToken")
    if token is None:
        raise FaultError([faults.required("SyncToken")])
    if str(token).strip() != current["SyncToken"]:
        raise FaultError([faults.stale_object(SANDBOX_USER)])


def create(company: Company, spec: EntitySpec, data: dict, include: set[str]) -> dict:
    """A new object: Id, SyncToken "0", MetaData."""
    ctx = WriteContext(company, spec, data, None, include)
    obj = prepare(ctx)
    if ctx.errors:
        raise FaultError(ctx.errors)
    now = meta_time(company.clock.now())
    stored = {**storable(obj), "domain": "QBO", "sparse": False, "Id": company.new_id(),
              "SyncToken": "0", "MetaData": {"CreateTime": now, "LastUpdatedTime": now}}
    if spec.name == "PurchaseOrder" and stored.get("DocNumber") == str(company.next_doc_number):
        company.next_doc_number += 1
    company.put(spec.name, stored)
    refresh_links(company, skip=stored["Id"])
    _explicit_status(spec, data, stored)
    company.save()
    return copy.deepcopy(stored)


def update(company: Company, spec: EntitySpec, data: dict, include: set[str]) -> dict:
    """Full update by default; ``"sparse": true`` changes only the fields sent."""
    obj_id = str(data["Id"]).strip()
    if not obj_id.isdigit():
        raise FaultError([faults.invalid_id(obj_id)])
    current = _current(company, spec, obj_id)
    _check_token(current, data)
    sparse = str(data.get("sparse", "")).lower() == "true"
    if sparse:
        merged = {k: copy.deepcopy(v) for k, v in current.items()
                  if k not in ("Id", "SyncToken", "MetaData", "domain", "sparse")}
        merged.update({k: v for k, v in data.items() if k not in ("Id", "SyncToken", "sparse")})
    else:
        merged = dict(data)
    ctx = WriteContext(company, spec, merged, current, include)
    obj = prepare(ctx)
    if ctx.errors:
        raise FaultError(ctx.errors)
    stored = {**storable(obj), "domain": "QBO", "sparse": False, "Id": obj_id,
              "SyncToken": current["SyncToken"], "MetaData": dict(current["MetaData"])}
    if spec.name == "PurchaseOrder" and "LinkedTxn" in current:
        stored["LinkedTxn"] = copy.deepcopy(current["LinkedTxn"])  # read-only, derived
    # POs whose billed lines this write changed (a Bill update that drops or adds a link).
    relinked = {po_id for po_id, _ in _po_line_links(current) ^ _po_line_links(stored)}
    company.put(spec.name, stored)
    company.touch(stored)
    refresh_links(company, skip=obj_id, relinked=relinked)
    _explicit_status(spec, data, stored)
    company.save()
    return copy.deepcopy(stored)


def _explicit_status(spec: EntitySpec, data: dict, stored: dict) -> None:
    """A PO's POStatus follows its Bill links unless the client set it (closing by hand)."""
    if spec.name == "PurchaseOrder" and data.get("POStatus") in ("Open", "Closed"):
        stored["POStatus"] = data["POStatus"]


def update_singleton(company: Company, spec: EntitySpec, data: dict) -> dict:
    """CompanyInfo and Preferences: always a (deep) sparse merge."""
    current = company.company_info if spec.name == "CompanyInfo" else company.preferences
    _check_token(current, data)
    errors = []
    for key, limit in spec.limits.items():
        value = data.get(key)
        if isinstance(value, str) and len(value) > limit:
            errors.append(faults.string_too_long(key, limit, len(value)))
    if errors:
        raise FaultError(errors)
    changes = {k: v for k, v in data.items()
               if k not in ("Id", "SyncToken", "sparse", "MetaData", "domain")}
    _deep_merge(current, storable(changes))
    company.touch(current)
    return copy.deepcopy(current)


def _deep_merge(target: dict, changes: dict) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        elif key == "NameValue" and isinstance(value, list) and isinstance(target.get(key), list):
            by_name = {p.get("Name"): p for p in target[key]}
            for pair in value:
                if pair.get("Name") in by_name:
                    by_name[pair["Name"]].update(pair)
                else:
                    target[key].append(pair)
        else:
            target[key] = value


def _target(company: Company, spec: EntitySpec, body: dict) -> tuple[str, dict]:
    """The object a delete or void names, checked against its SyncToken."""
    data = clean(body)
    obj_id = str(data.get("Id", "")).strip()
    if not obj_id:
        raise FaultError([faults.required("Id")])
    current = _current(company, spec, obj_id)
    _check_token(current, data)
    return obj_id, current


def delete(company: Company, spec: EntitySpec, body: dict) -> dict:
    """``operation=delete``: transactions only; name lists are made inactive instead."""
    if not spec.deletable:
        raise FaultError([faults.operation_not_supported("delete", spec.name)])
    obj_id, current = _target(company, spec, body)
    closing = company.closing_date()
    if closing is not None and current.get("TxnDate", "9999") <= closing.isoformat():
        raise FaultError([faults.period_closed()])
    company.remove(spec.name, obj_id)
    refresh_links(company)
    company.save()
    return {"domain": "QBO", "status": "Deleted", "Id": obj_id}


def void(company: Company, spec: EntitySpec, body: dict) -> dict:
    """``operation=void`` (BillPayment): amounts become 0, links released.

    CHOSEN: like QBO's UI, a voided payment keeps its lines with Amount 0 and
    gets "Voided" in PrivateNote.
    """
    if not spec.voidable:
        raise FaultError([faults.operation_not_supported("void", spec.name)])
    obj_id, current = _target(company, spec, body)
    current["TotalAmt"] = 0
    for line in current.get("Line", []):
        line["Amount"] = 0
    note = current.get("PrivateNote", "")
    current["PrivateNote"] = f"Voided {note}".strip() if not note.startswith("Voided") else note
    company.touch(current)
    refresh_links(company, skip=obj_id)
    company.save()
    return copy.deepcopy(current)


def _po_line_links(obj: dict) -> set[tuple[str, str]]:
    """(PO Id, PO line Id) of every PurchaseOrder link on an object's lines."""
    return {(str(link.get("TxnId")), str(link.get("TxnLineId")))
            for line in obj.get("Line", []) for link in line.get("LinkedTxn", [])
            if link.get("TxnType") == "PurchaseOrder"}


def refresh_links(company: Company, skip: str | None = None,
                  relinked: set[str] | None = None) -> None:
    """Recompute PO ``LinkedTxn``/``POStatus`` and Bill ``LinkedTxn``/``Balance``.

    An object whose derived fields change gets a new SyncToken (QBO bumps it),
    except ``skip``, the object being written in this request. ``relinked``
    names POs whose billed lines the write changed while their bills stayed the
    same (one line of a bill losing its link): their status is derived again.
    """
    relinked = relinked or set()
    po_bills: dict[str, list[str]] = {}
    po_lines: dict[str, set[str]] = {}
    bill_pos: dict[str, list[str]] = {}
    for bill in company.all("Bill"):
        for line in bill.get("Line", []):
            for link in line.get("LinkedTxn", []):
                if link.get("TxnType") != "PurchaseOrder":
                    continue
                po_id = link["TxnId"]
                if bill["Id"] not in po_bills.setdefault(po_id, []):
                    po_bills[po_id].append(bill["Id"])
                po_lines.setdefault(po_id, set()).add(str(link.get("TxnLineId")))
                if po_id not in bill_pos.setdefault(bill["Id"], []):
                    bill_pos[bill["Id"]].append(po_id)
    bill_payments: dict[str, list[tuple[str, str, Decimal]]] = {}
    for payment in company.all("BillPayment"):
        kind = "BillPaymentCheck" if payment.get("PayType") == "Check" else "BillPaymentCreditCard"
        for line in payment.get("Line", []):
            for link in line.get("LinkedTxn", []):
                if link.get("TxnType") == "Bill":
                    bill_payments.setdefault(link["TxnId"], []).append(
                        (payment["Id"], kind, to_decimal(line.get("Amount")) or Decimal(0)))
    for po in company.all("PurchaseOrder"):
        links = [{"TxnId": b, "TxnType": "Bill"} for b in po_bills.get(po["Id"], [])]
        changed = links != po.get("LinkedTxn", [])
        # The PO being written re-derives its status from its links when it has any
        # (its lines may have changed); a PO without links keeps the status it was given.
        if not changed and not (po["Id"] == skip and links) and po["Id"] not in relinked:
            continue
        if links:
            po["LinkedTxn"] = links
        else:
            po.pop("LinkedTxn", None)
        line_ids = {line.get("Id") for line in po.get("Line", [])}
        closed = bool(line_ids) and line_ids <= po_lines.get(po["Id"], set())
        status = "Closed" if closed else "Open"
        if status != po.get("POStatus"):
            changed = True
        po["POStatus"] = status
        if changed:
            _bump(company, po, skip)
    for bill in company.all("Bill"):
        payments = bill_payments.get(bill["Id"], [])
        links = [{"TxnId": p, "TxnType": "PurchaseOrder"} for p in bill_pos.get(bill["Id"], [])]
        seen = set()
        for pay_id, kind, _ in payments:
            if pay_id not in seen:
                seen.add(pay_id)
                links.append({"TxnId": pay_id, "TxnType": kind})
        paid = sum((amount for _, _, amount in payments), Decimal(0))
        balance = to_number(to_decimal(bill.get("TotalAmt")) - paid)
        if links == bill.get("LinkedTxn", []) and balance == bill.get("Balance"):
            continue
        if links:
            bill["LinkedTxn"] = links
        else:
            bill.pop("LinkedTxn", None)
        bill["Balance"] = balance
        _bump(company, bill, skip)
    _vendor_balances(company)


def _vendor_balances(company: Company) -> None:
    """Vendor.Balance: open bills minus open vendor credits.

    CHOSEN: derived data, so it changes without a new SyncToken (the vendor
    record itself was not edited).
    """
    open_amounts: dict[str, Decimal] = {}
    for entity, sign in (("Bill", 1), ("VendorCredit", -1)):
        for txn in company.all(entity):
            vendor_id = txn.get("VendorRef", {}).get("value")
            amount = to_decimal(txn.get("Balance")) or Decimal(0)
            open_amounts[vendor_id] = open_amounts.get(vendor_id, Decimal(0)) + sign * amount
    for vendor in company.all("Vendor"):
        vendor["Balance"] = to_number(open_amounts.get(vendor["Id"], Decimal(0)))


def _bump(company: Company, obj: dict, skip: str | None) -> None:
    if obj["Id"] != skip:
        obj["SyncToken"] = str(int(obj["SyncToken"]) + 1)
        obj["MetaData"]["LastUpdatedTime"] = meta_time(company.clock.now())
