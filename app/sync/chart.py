"""The chart of accounts and the items as SyncDesk knows them, for ``list accounts|items``.

Both sides are shown: the local tables (what documents' lines name) and the
QuickBooks mirror that the last sync read (``QboObject``). A local record is
linked to a QuickBooks one by id, else by name (as the sync matches them);
each row says which sides hold it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlmodel import Session, select

from app.store.models import Account, Item, QboObject
from app.sync.lists import name_key, original_name


@dataclass
class ChartRow:
    name: str
    type: str | None  # QuickBooks' AccountType, or the item's Type
    active: bool
    qbo_id: str | None
    in_syncdesk: bool
    in_quickbooks: bool
    linked: bool  # the same record on both sides
    account: str | None = None  # items: the expense account purchases go to
    is_item: bool = False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if not data.pop("is_item"):
            data.pop("account")
        return data


def _mirror(session: Session, entity: str) -> list[QboObject]:
    return list(session.exec(select(QboObject).where(QboObject.entity == entity)))


def _merge(local: list[Account] | list[Item], mirror: list[QboObject]
           ) -> list[tuple[Account | Item | None, QboObject | None]]:
    by_id = {row.qbo_id: row for row in mirror}
    by_name: dict[str, QboObject] = {}
    for row in mirror:
        for name in (original_name(row.data, "Name"), str(row.data.get("FullyQualifiedName", ""))):
            if name:
                by_name.setdefault(name_key(name), row)
    pairs: list[tuple[Account | Item | None, QboObject | None]] = []
    used: set[str] = set()
    for record in local:
        match = by_id.get(record.qbo_id or "") or by_name.get(name_key(record.name))
        if match is not None and match.qbo_id in used:
            match = None
        if match is not None:
            used.add(match.qbo_id)
        pairs.append((record, match))
    pairs += [(None, row) for row in mirror if row.qbo_id not in used]
    return pairs


def list_accounts(session: Session) -> list[ChartRow]:
    rows = []
    for local, qbo in _merge(list(session.exec(select(Account))), _mirror(session, "Account")):
        data = qbo.data if qbo is not None else {}
        rows.append(ChartRow(
            name=original_name(data, "Name") if qbo is not None else (local.name if local else ""),
            type=data.get("AccountType") if qbo is not None else getattr(local, "account_type",
                                                                         None),
            active=bool(data.get("Active", True)) if qbo is not None else bool(
                local.active if local else True),
            qbo_id=qbo.qbo_id if qbo is not None else None,
            in_syncdesk=local is not None, in_quickbooks=qbo is not None,
            linked=local is not None and qbo is not None))
    return sorted(rows, key=lambda r: name_key(r.name))


def list_items(session: Session) -> list[ChartRow]:
    accounts = {row.qbo_id: original_name(row.data, "Name")
                for row in _mirror(session, "Account")}
    local_accounts = {a.id: a.name for a in session.exec(select(Account))}
    rows = []
    for local, qbo in _merge(list(session.exec(select(Item))), _mirror(session, "Item")):
        data = qbo.data if qbo is not None else {}
        if qbo is not None:
            ref = data.get("ExpenseAccountRef") or {}
            account = ref.get("name") or accounts.get(str(ref.get("value"))) \
                if ref.get("value") else None
        else:
            account = local_accounts.get(getattr(local, "expense_account_id", None))
        rows.append(ChartRow(
            name=original_name(data, "Name") if qbo is not None else (local.name if local else ""),
            type=data.get("Type") if qbo is not None else None,
            active=bool(data.get("Active", True)) if qbo is not None else bool(
                local.active if local else True),
            qbo_id=qbo.qbo_id if qbo is not None else None,
            in_syncdesk=local is not None, in_quickbooks=qbo is not None,
            linked=local is not None and qbo is not None, account=account, is_item=True))
    return sorted(rows, key=lambda r: name_key(r.name))
