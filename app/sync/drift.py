"""Drift: what QuickBooks holds of a synced document against what SyncDesk sent.

A pull compares QuickBooks' copy of each synced document it brings with SyncDesk's
(``app.sync.pull_documents``); ``Drift`` lists every difference, as a field with both
values, in words. ``Names`` gives the names of accounts, items and vendors by their
QuickBooks ids, for one pull.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from app.domain import qbo_limits
from app.domain.money import format_money, format_quantity
from app.domain.qbo_limits import MARKER
from app.domain.states import DocKind, PoStatus, SyncState
from app.store.identity import store_info
from app.store.models import (
    Account,
    HistoryEvent,
    InvoiceLine,
    Item,
    PoLine,
    PurchaseOrder,
    QboObject,
    Supplier,
)
from app.sync.lists import name_key, original_name

NONE = "(none)"


class Names:
    """Accounts, items and vendors by id, for one pull: QuickBooks' names and SyncDesk's.

    Accounts and items are read at once; vendors (a company may have tens of thousands)
    one at a time, when a name is asked for.
    """

    def __init__(self, session: Session) -> None:
        self.s = session
        self.mirror: dict[str, dict[str, QboObject]] = {}
        self._vendors: dict[str, QboObject | None] = {}  # read as asked for
        for row in session.exec(select(QboObject).where(
                col(QboObject.entity).in_(["Account", "Item", "Preferences"]))):
            self.mirror.setdefault(row.entity, {})[row.qbo_id] = row
        prefs = next(iter(self.mirror.pop("Preferences", {}).values()), None)
        # SyncDesk sends a currency only to a company that has more than one
        self.multicurrency = bool(prefs is not None and (prefs.data.get("CurrencyPrefs") or {})
                                  .get("MultiCurrencyEnabled"))
        self.accounts = {a.id: a for a in session.exec(select(Account))}
        self.items = {i.id: i for i in session.exec(select(Item))}

    def qbo_name(self, entity: str, ref: dict[str, Any]) -> str:
        """A QuickBooks reference for people: the name the mirror has, else QuickBooks'
        own, else its id."""
        value = ref.get("value")
        if not value:
            return NONE
        row = self._row(entity, str(value))
        if row is not None and row.name:
            return row.name
        if ref.get("name"):
            return str(ref["name"])
        return f"{entity.lower()} {value}"

    def _row(self, entity: str, qbo_id: str) -> QboObject | None:
        if entity != "Vendor":
            return self.mirror.get(entity, {}).get(qbo_id)
        if qbo_id not in self._vendors:
            self._vendors[qbo_id] = self.s.exec(select(QboObject).where(
                QboObject.entity == entity, QboObject.qbo_id == qbo_id)).first()
        return self._vendors[qbo_id]

    def qbo_id(self, entity: str, name: str, linked: str | None) -> str | None:
        """The QuickBooks id of SyncDesk's account or item: its link, else by name."""
        if linked:
            return linked
        key = name_key(name)
        for qbo_id, row in self.mirror.get(entity, {}).items():
            names = (original_name(row.data, "Name"),
                     str(row.data.get("FullyQualifiedName", "")))
            if key in (name_key(n) for n in names):
                return qbo_id
        return None


class Drift:
    """Every difference between what SyncDesk sent of one document (its copy, as it was
    synced) and what QuickBooks holds now: each as a field with both values, in words.

    Only what SyncDesk sends is compared (see ``app.sync.mapping``); what QuickBooks adds
    or works out by itself (Balance, payments and their links, a PO's links to its
    bills, a due date SyncDesk did not give) is not drift. Values are compared as
    QuickBooks means them: amounts as numbers (150 = 150.00), dates by day, names of
    accounts, items and vendors by their QuickBooks id.
    """

    def __init__(self, session: Session, names: Names, kind: DocKind, doc: Any,
                 obj: dict[str, Any]) -> None:
        self.s, self.names, self.kind, self.doc, self.obj = session, names, kind, doc, obj
        self.found: list[dict[str, str]] = []
        self.links: list[dict[str, str]] = []  # PO links first: the most serious
        self.po: PurchaseOrder | None = None
        self.po_lines: dict[int, PoLine] = {}
        if kind is DocKind.INVOICE and doc.po_id:
            self.po = self.s.get(PurchaseOrder, doc.po_id)
            self.po_lines = {line.id: line for line in self.s.exec(
                select(PoLine).where(PoLine.po_id == doc.po_id)) if line.id is not None}

    def differences(self) -> list[dict[str, str]]:
        self._header()
        self._lines()
        return self.links + self.found

    def differ(self, name: str, ours: str, theirs: str, text: str | None = None,
               into: list[dict[str, str]] | None = None) -> None:
        entry = {"field": name, "syncdesk": ours, "quickbooks": theirs}
        if text:
            entry["text"] = text  # how the explanation says it, when not "X in SyncDesk, …"
        (self.found if into is None else into).append(entry)

    # --- the header ------------------------------------------------------------------

    def _header(self) -> None:
        doc, obj = self.doc, self.obj
        if self.kind is DocKind.PO:
            number, number_field = doc.number, "number"
        else:
            number, number_field = doc.reference or doc.number, "supplier's number"
        theirs_number = str(obj.get("DocNumber") or "")
        if theirs_number != number:
            self.differ(number_field, number, theirs_number or NONE)
        ours_date = doc.txn_date if self.kind is DocKind.PO else doc.issue_date
        theirs_date = str(obj.get("TxnDate") or "")[:10]
        if theirs_date != ours_date.isoformat():
            self.differ("date", ours_date.isoformat(), theirs_date or NONE)
        if self.kind is DocKind.INVOICE and doc.due_date is not None:
            theirs_due = str(obj.get("DueDate") or "")[:10]
            if theirs_due != doc.due_date.isoformat():
                self.differ("due date", doc.due_date.isoformat(), theirs_due or NONE)
        supplier = self.s.get(Supplier, doc.supplier_id)
        vendor_ref = obj.get("VendorRef") or {}
        ours_vendor = supplier.qbo_vendor_id if supplier else None
        if str(vendor_ref.get("value")) != str(ours_vendor):
            self.differ("vendor", supplier.name if supplier else NONE,
                        self.names.qbo_name("Vendor", vendor_ref))
        currency = (obj.get("CurrencyRef") or {}).get("value")
        if self.names.multicurrency and currency and \
                str(currency).upper() != str(doc.currency).upper():
            self.differ("currency", doc.currency, str(currency))
        self._note()
        if self.kind is DocKind.PO:
            self._po_status()
        ours_total, theirs_total = format_money(doc.total), _fmt(obj.get("TotalAmt"))
        if ours_total != theirs_total:
            self.differ("total", ours_total, theirs_total)

    def _note(self) -> None:
        """SyncDesk's marker, then the memo (and a cancelled PO's words): as sent."""
        cancelled = self.kind is DocKind.PO and self.doc.status == PoStatus.CANCELLED.value
        theirs = str(self.obj.get("PrivateNote") or "")
        if MARKER not in theirs and not self._sent_by_syncdesk():
            # A record SyncDesk linked without writing it (a bill entered by hand, taken as
            # the invoice's by the fix-it): its note is QuickBooks' own; only the memo counts.
            if theirs.strip() != (self.doc.memo or "").strip():
                self.differ("memo", _quoted(self.doc.memo or ""), _quoted(theirs))
            return
        # The store's lineage marker; the bare one of an object synced before lineages.
        lineage: str | None = store_info(self.s).lineage
        if not qbo_limits.is_marked(theirs, self.doc.number, lineage) and \
                qbo_limits.is_marked(theirs, self.doc.number):
            lineage = None
        mark = qbo_limits.marker(self.doc.number, lineage)
        sent = qbo_limits.private_note(self.doc.number, self.doc.memo, cancelled, lineage)
        if theirs == sent:
            return
        rest = theirs[len(mark):]
        if not theirs.startswith(mark) or (rest[:1].isalnum() or rest[:1] in "-_/"):
            self.differ("note", _quoted(sent), _quoted(theirs),
                        f"note {_quoted(sent)} in SyncDesk, {_quoted(theirs)} in QuickBooks, "
                        f"where SyncDesk's mark '{mark}' is gone")
            return
        ours_memo, theirs_memo = _memo_part(sent, mark), _memo_part(theirs, mark)
        if ours_memo == theirs_memo:  # the same words, written differently around the mark
            self.differ("note", _quoted(sent), _quoted(theirs))
        else:
            self.differ("memo", _quoted(ours_memo), _quoted(theirs_memo))

    def _sent_by_syncdesk(self) -> bool:
        """Whether SyncDesk ever wrote this document to QuickBooks."""
        for event in self.s.exec(select(HistoryEvent).where(
                HistoryEvent.doc_kind == self.kind.value, HistoryEvent.doc_id == self.doc.id,
                HistoryEvent.action == "sync")):
            if (event.detail or {}).get("outcome") == SyncState.SYNCED:
                return True
        return False

    def _po_status(self) -> None:
        """A PO SyncDesk closed (or cancelled) and sent Closed, open again in QuickBooks.

        A PO SyncDesk sends Open and QuickBooks closes (billed in full, or by hand) is
        taken as closed here (``follow_po_status``), not drift; a PO with bills linked has its
        status worked out by QuickBooks from them.
        """
        theirs = self.obj.get("POStatus")
        if theirs != "Open" or self.obj.get("LinkedTxn") or \
                self.doc.status not in (PoStatus.CLOSED.value, PoStatus.CANCELLED.value):
            return
        if self._closed_by_syncdesk():
            self.differ("status", "Closed", "Open")

    def _closed_by_syncdesk(self) -> bool:
        """Whether SyncDesk's last write to QuickBooks came after the PO closed here:
        a PO closed in QuickBooks (``closed_in_qbo``) and not sent since is QuickBooks'."""
        events = self.s.exec(select(HistoryEvent).where(
            HistoryEvent.doc_kind == DocKind.PO.value, HistoryEvent.doc_id == self.doc.id,
            col(HistoryEvent.action).in_(["sync", "closed_in_qbo"]))
            .order_by(col(HistoryEvent.id).desc()))
        for event in events:
            if event.action == "closed_in_qbo":
                return False
            if (event.detail or {}).get("outcome") == SyncState.SYNCED:
                return True
        return False

    # --- the lines -------------------------------------------------------------------

    def _lines(self) -> None:
        model, parent = (PoLine, PoLine.po_id) if self.kind is DocKind.PO else (
            InvoiceLine, InvoiceLine.invoice_id)
        ours = list(self.s.exec(select(model).where(parent == self.doc.id)
                                .order_by(col(model.line_no))))
        theirs = [line for line in self.obj.get("Line", [])
                  if line.get("DetailType") != "SubTotalLineDetail"]
        if len(ours) != len(theirs):
            self.differ("lines", str(len(ours)), str(len(theirs)))
        ids = [line.qbo_line_id for line in ours]
        by_id = {str(line.get("Id")): line for line in theirs if line.get("Id") is not None}
        if all(ids) and len(set(ids)) == len(ids):  # QuickBooks' line ids say which is which
            pairs = [(line, by_id.get(str(line.qbo_line_id))) for line in ours]
            added = [line for line in theirs if str(line.get("Id")) not in set(ids)]
        else:  # lines without ids (never the case once synced): side by side
            pairs = [(line, theirs[i] if i < len(theirs) else None)
                     for i, line in enumerate(ours)]
            added = theirs[len(ours):]
        for line, their_line in pairs:
            if their_line is None:
                self.differ(f"line {line.line_no}", self._our_summary(line), "(removed)",
                            f"line {line.line_no} ({self._our_summary(line)}) removed in "
                            "QuickBooks")
            else:
                self._line(line, their_line)
        for their_line in added:
            summary = self._their_summary(their_line)
            self.differ("added line", NONE, summary, f"a line added in QuickBooks: {summary}")

    def _line(self, line: PoLine | InvoiceLine, their: dict[str, Any]) -> None:
        n = line.line_no
        ours_amount, theirs_amount = format_money(line.amount), _fmt(their.get("Amount"))
        if ours_amount != theirs_amount:
            self.differ(f"line {n} amount", ours_amount, theirs_amount)
        ours_text, theirs_text = line.description or "", str(their.get("Description") or "")
        if ours_text != theirs_text:
            self.differ(f"line {n} description", _quoted(ours_text), _quoted(theirs_text))
        self._reference(line, their)
        if self.kind is DocKind.INVOICE:
            assert isinstance(line, InvoiceLine)
            self._link(line, their)

    def _reference(self, line: PoLine | InvoiceLine, their: dict[str, Any]) -> None:
        """The line's account or item (and an item line's quantity and unit price)."""
        n = line.line_no
        item = self.names.items.get(line.item_id) if line.item_id else None
        account = self.names.accounts.get(line.account_id) if line.account_id else None
        if item is not None:
            ours_entity, ours_name = "Item", item.name
            ours_id = self.names.qbo_id("Item", item.name, item.qbo_id)
        else:
            ours_entity, ours_name = "Account", account.name if account else NONE
            ours_id = self.names.qbo_id("Account", account.name, account.qbo_id) \
                if account else None
        detail_type = their.get("DetailType")
        detail = their.get(str(detail_type)) or {}
        theirs_entity = "Item" if detail_type == "ItemBasedExpenseLineDetail" else "Account"
        ref = detail.get("ItemRef" if theirs_entity == "Item" else "AccountRef") or {}
        theirs_name = self.names.qbo_name(theirs_entity, ref)
        if ours_entity != theirs_entity:
            self.differ(f"line {n} account or item", f"{ours_entity.lower()} {ours_name}",
                        f"{theirs_entity.lower()} {theirs_name}")
            return
        same = str(ref.get("value")) == ours_id if ours_id is not None \
            else name_key(theirs_name) == name_key(ours_name)
        if not same:
            self.differ(f"line {n} {ours_entity.lower()}", ours_name, theirs_name)
        if item is None or line.qty is None or line.unit_price is None:
            return  # SyncDesk sends a quantity and unit price on item lines only
        for name, ours_value, key in (("quantity", line.qty, "Qty"),
                                      ("unit price", line.unit_price, "UnitPrice")):
            theirs_value = _decimal(detail.get(key))
            if theirs_value != ours_value:
                self.differ(f"line {n} {name}", format_quantity(ours_value),
                            format_quantity(theirs_value) if theirs_value is not None
                            else NONE)

    def _link(self, line: InvoiceLine, their: dict[str, Any]) -> None:
        """A bill line's link to the PO line it bills, as SyncDesk linked it.

        Links to other POs are QuickBooks' own business (a Resend keeps them, see
        ``mapping.bill_update``); a link to this invoice's PO that SyncDesk did not make
        is a difference, as a Resend takes it away.
        """
        po = self.po
        if po is None or not po.qbo_id:
            return
        billed = self.po_lines.get(line.po_line_id) if line.po_line_id else None
        wanted = billed.qbo_line_id if billed is not None else None
        held = [str(link.get("TxnLineId")) for link in their.get("LinkedTxn") or []
                if link.get("TxnType") == "PurchaseOrder" and str(link.get("TxnId")) == po.qbo_id]
        if held == ([wanted] if wanted else []):
            return
        n, name = line.line_no, f"line {line.line_no} link to {po.number}"
        ours = self._po_line(wanted) if wanted else "no link"
        theirs = ", ".join(self._po_line(i) for i in held) if held else "no link"
        if not held:
            text = f"line {n}: link to {ours} removed in QuickBooks"
        elif not wanted:
            text = f"line {n}: linked to {theirs} in QuickBooks, not in SyncDesk"
        else:
            text = f"line {n}: linked to {ours} in SyncDesk, to {theirs} in QuickBooks"
        self.differ(name, ours, theirs, text, into=self.links)

    def _po_line(self, qbo_line_id: str) -> str:
        assert self.po is not None
        line = next((ln for ln in self.po_lines.values() if ln.qbo_line_id == qbo_line_id),
                    None)
        return f"{self.po.number} line {line.line_no}" if line is not None else \
            f"{self.po.number} (QuickBooks line {qbo_line_id})"

    # --- short descriptions of a whole line -------------------------------------------

    def _our_summary(self, line: PoLine | InvoiceLine) -> str:
        item = self.names.items.get(line.item_id) if line.item_id else None
        account = self.names.accounts.get(line.account_id) if line.account_id else None
        where = f"item {item.name}" if item else (account.name if account else NONE)
        return ", ".join(p for p in (line.description, format_money(line.amount), where) if p)

    def _their_summary(self, their: dict[str, Any]) -> str:
        detail_type = their.get("DetailType")
        detail = their.get(str(detail_type)) or {}
        if detail_type == "ItemBasedExpenseLineDetail":
            where = "item " + self.names.qbo_name("Item", detail.get("ItemRef") or {})
        else:
            where = self.names.qbo_name("Account", detail.get("AccountRef") or {})
        return ", ".join(str(p) for p in (their.get("Description"), _fmt(their.get("Amount")),
                                          where) if p)


def _memo_part(note: str, mark: str) -> str:
    """What follows SyncDesk's mark in a note: the memo (and a cancelled PO's words)."""
    rest = note[len(mark):]
    if rest.startswith(qbo_limits.NOTE_SEPARATOR):
        return rest[len(qbo_limits.NOTE_SEPARATOR):]
    return rest.strip()


def _quoted(text: str) -> str:
    return f"'{text}'" if text else NONE


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _money(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _fmt(value: Any) -> str:
    money = _money(value)
    return format_money(money) if money is not None else "(none)"

