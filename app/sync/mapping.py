"""SyncDesk documents as QuickBooks PurchaseOrder and Bill bodies."""

from __future__ import annotations

from typing import Any

from app.domain.states import PoStatus
from app.sync.documents import SyncDoc, SyncLine
from app.sync.lists import QboLists
from app.sync.preflight import line_account, line_item, private_note


def _line(line: SyncLine, lists: QboLists) -> dict[str, Any]:
    body: dict[str, Any] = {"Amount": line.amount}
    if line.description:
        body["Description"] = line.description
    item = line_item(line, lists) if line.item else None
    if item is not None:
        detail: dict[str, Any] = {"ItemRef": {"value": item["Id"]},
                                  "BillableStatus": "NotBillable"}
        if line.qty is not None and line.unit_price is not None:
            detail["Qty"], detail["UnitPrice"] = line.qty, line.unit_price
        body["DetailType"] = "ItemBasedExpenseLineDetail"
        body["ItemBasedExpenseLineDetail"] = detail
    else:
        account = line_account(line, lists)
        assert account is not None, "preflight guarantees a known account"
        body["DetailType"] = "AccountBasedExpenseLineDetail"
        body["AccountBasedExpenseLineDetail"] = {"AccountRef": {"value": account["Id"]},
                                                 "BillableStatus": "NotBillable"}
    return body


def _header(doc: SyncDoc, vendor_id: str, lists: QboLists) -> dict[str, Any]:
    body: dict[str, Any] = {
        "VendorRef": {"value": vendor_id},
        "TxnDate": doc.txn_date.isoformat(),
        "DocNumber": doc.doc_number,
        "PrivateNote": private_note(doc),
    }
    ap = lists.ap_account()
    if ap is not None:
        body["APAccountRef"] = {"value": ap["Id"]}
    if lists.multicurrency:
        body["CurrencyRef"] = {"value": doc.currency}
    return body


def purchase_order_body(doc: SyncDoc, vendor_id: str, lists: QboLists) -> dict[str, Any]:
    body = _header(doc, vendor_id, lists)
    lines = []
    for line in doc.lines:
        entry = _line(line, lists)
        if line.qbo_line_id:
            entry["Id"] = line.qbo_line_id  # keeps the line, and the bills linked to it
        lines.append(entry)
    body["Line"] = lines
    body["POStatus"] = "Open" if doc.status == PoStatus.APPROVED.value else "Closed"
    return body


def bill_body(doc: SyncDoc, vendor_id: str, lists: QboLists) -> dict[str, Any]:
    body = _header(doc, vendor_id, lists)
    if doc.due_date:
        body["DueDate"] = doc.due_date.isoformat()
    lines = []
    for line in doc.lines:
        entry = _line(line, lists)
        if line.qbo_line_id:
            entry["Id"] = line.qbo_line_id
        elif doc.po is not None and doc.po.qbo_id and line.po_qbo_line_id:
            # Links go on new lines only: QuickBooks will not add a link to an existing line.
            entry["LinkedTxn"] = [{"TxnId": doc.po.qbo_id, "TxnType": "PurchaseOrder",
                                   "TxnLineId": line.po_qbo_line_id}]
        lines.append(entry)
    body["Line"] = lines
    return body


def linked_lines(doc: SyncDoc) -> list[SyncLine]:
    """The lines of an invoice that bill a PO line (and must come back linked)."""
    return [line for line in doc.lines if line.po_qbo_line_id]
