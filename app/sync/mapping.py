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
        link = po_link(doc, line)
        if link is not None:  # on an update, bill_update decides where it can go
            entry["LinkedTxn"] = [link]
        lines.append(entry)
    body["Line"] = lines
    return body


def po_link(doc: SyncDoc, line: SyncLine) -> dict[str, str] | None:
    """The link an invoice line must have in QuickBooks: the PO line it bills."""
    if doc.po is None or not doc.po.qbo_id or not line.po_qbo_line_id:
        return None
    return {"TxnId": doc.po.qbo_id, "TxnType": "PurchaseOrder",
            "TxnLineId": line.po_qbo_line_id}


def bill_update(doc: SyncDoc, body: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """``bill_body`` made fit to update ``current``, the Bill as QuickBooks holds it now.

    A Bill update is a full update: a line sent without its ``LinkedTxn`` loses
    its link and the PO reopens; and QuickBooks takes a link only on a new line
    (no ``Id``), silently leaving out one added to an existing line (API.md §3.2,
    §3.7). So every line repeats the links QuickBooks holds on it, and a line
    whose link QuickBooks does not hold (never taken, or dropped since) goes as a
    new line carrying it. A link to the invoice's own PO that SyncDesk's line no
    longer names (its PO line was changed or cleared here) is left out: for its
    own PO, SyncDesk's copy decides; links to other POs are kept.
    """
    held = {str(line["Id"]): line.get("LinkedTxn") or [] for line in current.get("Line", [])
            if line.get("Id") is not None}
    po_id = doc.po.qbo_id if doc.po is not None else None
    lines = []
    for line, sent in zip(doc.lines, body["Line"], strict=True):
        entry = {k: v for k, v in sent.items() if k != "LinkedTxn"}
        wanted = po_link(doc, line)
        theirs = held.get(str(entry["Id"]), []) if "Id" in entry else []
        if wanted is not None and not any(_same_link(link, wanted) for link in theirs):
            entry.pop("Id", None)  # only a new line takes a link
            entry["LinkedTxn"] = [wanted]
        else:
            kept = [dict(link) for link in theirs
                    if (wanted is not None and _same_link(link, wanted))
                    or not _links_to(link, po_id)]
            if kept:
                entry["LinkedTxn"] = kept
        lines.append(entry)
    return {**body, "Line": lines}


def _links_to(link: dict[str, Any], po_id: str | None) -> bool:
    return link.get("TxnType") == "PurchaseOrder" and str(link.get("TxnId")) == po_id


def _same_link(link: dict[str, Any], wanted: dict[str, str]) -> bool:
    return (link.get("TxnType") == wanted["TxnType"]
            and str(link.get("TxnId")) == wanted["TxnId"]
            and str(link.get("TxnLineId")) == wanted["TxnLineId"])


def linked_lines(doc: SyncDoc) -> list[SyncLine]:
    """The lines of an invoice that bill a PO line (and must come back linked)."""
    return [line for line in doc.lines if line.po_qbo_line_id]
