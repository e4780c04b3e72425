"""Finding records by the names and numbers people type."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from app.domain.states import DocKind
from app.errors import UserError
from app.store.models import Account, Invoice, Item, PurchaseOrder, QboObject, Supplier


def find_po(session: Session, number: str) -> PurchaseOrder:
    po = session.exec(select(PurchaseOrder).where(PurchaseOrder.number == number)).first()
    if po is None:
        raise UserError(f"there is no PO numbered {number!r}")
    return po


def find_invoice(session: Session, number: str) -> Invoice:
    invoice = session.exec(select(Invoice).where(Invoice.number == number)).first()
    if invoice is None:
        raise UserError(f"there is no invoice numbered {number!r}")
    return invoice


def find_document(session: Session, kind: DocKind, number: str) -> PurchaseOrder | Invoice:
    """A PO or an invoice by its number, or a ``UserError`` naming the missing one."""
    return find_po(session, number) if kind is DocKind.PO else find_invoice(session, number)


def supplier_by_name(session: Session, name: str) -> Supplier | None:
    """Exact name first, then the same name in another case."""
    exact = session.exec(select(Supplier).where(Supplier.name == name)).first()
    if exact is not None:
        return exact
    return session.exec(
        select(Supplier).where(func.lower(Supplier.name) == name.strip().lower())
    ).first()


def account_by_name(session: Session, name: str) -> Account | None:
    """A local account, else one of QuickBooks' (as the last sync read them), added here."""
    local, mirror = _local_or_mirrored(session, Account, "Account", name)
    if mirror is None:
        return local
    account = Account(name=mirror.name or name.strip(),
                      account_type=str(mirror.data.get("AccountType", "Expense")),
                      active=mirror.active, qbo_id=mirror.qbo_id)
    session.add(account)
    session.flush()
    return account


def item_by_name(session: Session, name: str) -> Item | None:
    """A local item, else one of QuickBooks' (as the last sync read them), added here."""
    local, mirror = _local_or_mirrored(session, Item, "Item", name)
    if mirror is None:
        return local
    expense = (mirror.data.get("ExpenseAccountRef") or {}).get("value")
    account = session.exec(select(Account).where(Account.qbo_id == str(expense))).first() \
        if expense else None
    item = Item(name=mirror.name or name.strip(), active=mirror.active, qbo_id=mirror.qbo_id,
                expense_account_id=account.id if account else None)
    session.add(item)
    session.flush()
    return item


def _local_or_mirrored(session: Session, model: type[Account] | type[Item], entity: str,
                       name: str) -> tuple[Account | Item | None, QboObject | None]:
    """The local row of that name (or of the QuickBooks record of that name); else the
    QuickBooks record to add locally (second), else neither."""
    key = name.strip().lower()
    local = session.exec(select(model).where(func.lower(model.name) == key)).first()
    if local is not None:
        return local, None
    mirror = _mirrored(session, entity, name)
    if mirror is None:
        return None, None
    known = session.exec(select(model).where(model.qbo_id == mirror.qbo_id)).first()
    return (known, None) if known is not None else (None, mirror)


def _mirrored(session: Session, entity: str, name: str) -> QboObject | None:
    """A QuickBooks list record of that name in the store's mirror of QuickBooks."""
    return session.exec(select(QboObject).where(
        QboObject.entity == entity, func.lower(QboObject.name) == name.strip().lower())).first()
