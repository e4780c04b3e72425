"""Steps the vendor fixes share: who holds a name in QuickBooks, a free name to suggest,
reactivating a vendor (idempotent), linking a supplier, and the supplier's documents to
send again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.domain.events import Event
from app.domain.qbo_limits import DISPLAY_NAME_MAX
from app.domain.states import NEEDS_ATTENTION, DocKind
from app.errors import UserError
from app.operations.suppliers import SUPPLIER_KIND
from app.qbo.client import QboClient
from app.store.models import HistoryEvent, Invoice, PurchaseOrder, Supplier
from app.sync import records
from app.sync.fixes.base import Change, FixContext, InputError, Side, Target
from app.sync.lists import DELETED_SUFFIX, QboLists, original_name

#: Characters QuickBooks does not take in a name.
BAD_NAME_CHARACTERS = {":": "a colon", "\t": "a tab", "\n": "a line break", "\r": "a line break"}
SUFFIXES = (" (Vendor)", " (Supplier)")
LINK_CHANGE = "Supplier's QuickBooks vendor"


def holder(lists: QboLists, name: str) -> tuple[str, dict[str, Any]] | None:
    """Who holds ``name`` in QuickBooks: ("vendor"|"customer"|"employee", its record); an
    active vendor before an inactive one, inactive records counting as holders."""
    vendor = lists.vendor_named(name) or lists.vendor_named(name, active=False)
    if vendor is not None:
        return "vendor", vendor
    return lists.name_holder(name)


def describe(kind: str, record_: dict[str, Any]) -> str:
    """"an inactive vendor 'X' (id 12)", "a customer 'X' (id 7)"."""
    active = bool(record_.get("Active", True))
    words = f"{kind}" if active else f"inactive {kind}"
    article = "an" if words[0] in "aeiou" else "a"
    return f"{article} {words} '{original_name(record_)}' (id {record_.get('Id')})"


def record_rows(kind: str, record_: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The QuickBooks record involved, as (label, value) rows."""
    rows = [("Held by", f"a {kind}" if kind != "employee" else "an employee"),
            ("Name in QuickBooks", str(record_.get("DisplayName", ""))),
            ("QuickBooks id", str(record_.get("Id", ""))),
            ("Active", "yes" if record_.get("Active", True) else "no")]
    return tuple(rows)


def name_taken(lists: QboLists, name: str) -> bool:
    return holder(lists, name) is not None


def supplier_named(session: Session, name: str, other_than: int) -> Supplier | None:
    return session.exec(select(Supplier).where(
        func.lower(Supplier.name) == name.strip().lower(), Supplier.id != other_than)).first()


def name_problem(session: Session, lists: QboLists, supplier_id: int, name: str) -> str | None:
    """Why ``name`` cannot be the supplier's new name (None when it can)."""
    text = name.strip()
    if not text:
        return "give the supplier a name"
    if len(text) > DISPLAY_NAME_MAX:
        return f"QuickBooks takes at most {DISPLAY_NAME_MAX} characters ({len(text)} given)"
    for char, words in BAD_NAME_CHARACTERS.items():
        if char in text:
            return f"QuickBooks does not take {words} in a name"
    found = holder(lists, text)
    if found is not None:
        return f"{describe(*found)} already holds this name in QuickBooks"
    other = supplier_named(session, text, supplier_id)
    if other is not None:
        return f"another supplier is already named '{other.name}' in SyncDesk"
    return None


def suggest_name(session: Session, lists: QboLists, supplier_id: int, name: str) -> str:
    """A name nobody holds in QuickBooks (nor another supplier here), within its limits:
    "NAME (Vendor)", then "NAME (Supplier)", then "NAME (Vendor 2)", …"""
    base = " ".join(name.replace(":", " ").split())
    candidates = [*SUFFIXES, *(f" (Vendor {n})" for n in range(2, 100))]
    for suffix in candidates:
        text = base[: DISPLAY_NAME_MAX - len(suffix)].rstrip() + suffix
        if name_problem(session, lists, supplier_id, text) is None:
            return text
    return ""


def supplier_of(ctx: FixContext, target: Target) -> Supplier:
    """The target's supplier, as it is now (detached from its session)."""
    with ctx.session() as session:
        supplier = session.get(Supplier, target.supplier_id)
        assert supplier is not None
        session.expunge(supplier)
        return supplier


def linked_to_other(session: Session, vendor_id: str, supplier_id: int) -> Supplier | None:
    """Another supplier already linked to the QuickBooks vendor ``vendor_id``, if any."""
    return session.exec(select(Supplier).where(Supplier.qbo_vendor_id == str(vendor_id),
                                               Supplier.id != supplier_id)).first()


def free_vendor(ctx: FixContext, vendor_id: str, supplier_id: int, key: str) -> None:
    """An error at the field ``key`` when the vendor is another supplier's already (two
    suppliers sharing one vendor would mix their documents in QuickBooks)."""
    with ctx.session() as session:
        other = linked_to_other(session, vendor_id, supplier_id)
    if other is not None:
        raise InputError({key: f"supplier '{other.name}' is already linked to that "
                               "QuickBooks vendor; choose another vendor"})


def linked_vendor_ids(ctx: FixContext, supplier_id: int) -> set[str]:
    """The QuickBooks vendors other suppliers are linked to."""
    with ctx.session() as session:
        return {str(s.qbo_vendor_id) for s in session.exec(select(Supplier).where(
            col(Supplier.qbo_vendor_id).is_not(None), Supplier.id != supplier_id))}


def vendor_words(vendor: dict[str, Any]) -> str:
    """A vendor as a plan shows it: "active, named 'X'" / "inactive, named 'X (deleted)'"."""
    state = "active" if vendor.get("Active", True) else "inactive"
    return f"{state}, named '{vendor.get('DisplayName', '')}'"


def reactivated(vendor: dict[str, Any]) -> dict[str, Any]:
    """What ``vendor`` looks like once reactivated: active, its own name back."""
    return {**vendor, "Active": True, "DisplayName": original_name(vendor)}


def needs_reactivating(vendor: dict[str, Any]) -> bool:
    return not vendor.get("Active", True) or \
        str(vendor.get("DisplayName", "")).endswith(DELETED_SUFFIX)


def reactivate(client: QboClient, vendor_id: str) -> tuple[dict[str, Any], bool]:
    """Make the vendor active again with its own name; nothing when it already is (then
    False: the change was not SyncDesk's)."""
    current = client.read("Vendor", vendor_id)
    if not needs_reactivating(current):
        return current, False

    def change(body: dict[str, Any]) -> dict[str, Any]:
        body["Active"] = True
        name = str(body.get("DisplayName", ""))
        if name.endswith(DELETED_SUFFIX):
            body["DisplayName"] = name[: -len(DELETED_SUFFIX)]
        return body

    return client.update("Vendor", vendor_id, change), True


def link(session: Session, supplier_id: int, vendor: dict[str, Any], actor: str) -> bool:
    """Remember ``vendor`` as the supplier's QuickBooks vendor, in the supplier's history
    (False when it was linked already)."""
    supplier = session.get(Supplier, supplier_id)
    assert supplier is not None
    vendor_id = str(vendor["Id"])
    old = supplier.qbo_vendor_id
    if old == vendor_id:
        return False
    records.link_supplier(session, supplier_id, vendor_id)
    text = (f"Supplier linked to QuickBooks vendor '{original_name(vendor)}' "
            f"(id {vendor_id})" + (f", instead of vendor {old}" if old else ""))
    session.add(HistoryEvent(doc_kind=SUPPLIER_KIND, doc_id=supplier_id, actor=actor,
                             action=Event.FIXED.value, summary=text,
                             detail={"qbo_vendor_id": {"old": old, "new": vendor_id}}))
    return True


def made(changes: Sequence[Change], *, reactivated: bool = True, linked: bool = True
         ) -> list[Change]:
    """The plan's changes less the steps found done already (the vendor active, the
    supplier linked)."""
    return [c for c in changes
            if (reactivated or not (c.side is Side.QUICKBOOKS and c.what.startswith("Vendor ")))
            and (linked or c.what != LINK_CHANGE)]


def attention(session: Session, supplier_id: int) -> list[tuple[DocKind, str]]:
    """The supplier's documents that need attention (failed or blocked), POs first."""
    out: list[tuple[DocKind, str]] = []
    for kind, model in ((DocKind.PO, PurchaseOrder), (DocKind.INVOICE, Invoice)):
        rows = session.exec(select(model).where(
            model.supplier_id == supplier_id,
            col(model.sync_state).in_([s.value for s in NEEDS_ATTENTION]))
            .order_by(col(model.id))).all()
        out += [(kind, row.number) for row in rows]
    return out


def resend_all(session: Session, targets: tuple[Target, ...]) -> tuple[tuple[DocKind, str], ...]:
    """The targets and every other document of their suppliers that needs attention."""
    refs: list[tuple[DocKind, str]] = [t.ref for t in targets]
    for supplier_id in dict.fromkeys(t.supplier_id for t in targets):
        refs += [ref for ref in attention(session, supplier_id) if ref not in refs]
    return tuple(refs)


def one_supplier(targets: tuple[Target, ...]) -> Target:
    """The first target; every target of a vendor fix belongs to the same supplier."""
    suppliers = {t.supplier_id for t in targets}
    if len(suppliers) != 1:
        raise UserError("These documents belong to different suppliers; fix one supplier at "
                        "a time.")
    return targets[0]
