"""A fresh picture of the QuickBooks lists a sync checks against.

Pulled at the start of every sync (never trusted from an old cache):
vendors (inactive included), customers' and employees' names (for name
clashes), accounts, items, and the preferences that decide rejections.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from app.qbo.client import QboClient
from app.store.models import QboObject
from app.store.types import utcnow

DELETED_SUFFIX = " (deleted)"  # QuickBooks renames a name it makes inactive
ALL = "Active in (true, false)"


def name_key(name: str) -> str:
    """How QuickBooks compares names: case and surrounding spaces do not matter."""
    return " ".join(name.split()).casefold()


def original_name(record: dict[str, Any], field_name: str = "DisplayName") -> str:
    """A record's name without the suffix QuickBooks adds when it is made inactive."""
    name = str(record.get(field_name, ""))
    if not record.get("Active", True) and name.endswith(DELETED_SUFFIX):
        return name[: -len(DELETED_SUFFIX)]
    return name


@dataclass
class QboLists:
    vendors: dict[str, dict[str, Any]] = field(default_factory=dict)
    customers: list[dict[str, Any]] = field(default_factory=list)
    employees: list[dict[str, Any]] = field(default_factory=list)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    preferences: dict[str, Any] = field(default_factory=dict)
    fetched_at: datetime = field(default_factory=utcnow)

    @classmethod
    def pull(cls, client: QboClient) -> QboLists:
        return cls(
            vendors={v["Id"]: v for v in client.query_all("Vendor", ALL)},
            customers=list(client.query_all("Customer", ALL)),
            employees=list(client.query_all("Employee", ALL)),
            accounts={a["Id"]: a for a in client.query_all("Account", ALL)},
            items={i["Id"]: i for i in client.query_all("Item", ALL)},
            preferences=client.preferences(),
        )

    @classmethod
    def from_mirror(cls, session: Session) -> QboLists:
        """The lists as the last pull left them in the store (see ``app.sync.pull``): the
        records only, read as plain values (a large company's mirror is not held twice, as
        records and as the session's rows)."""
        lists = cls()
        for entity, qbo_id, data in session.exec(
                select(QboObject.entity, QboObject.qbo_id, QboObject.data)):
            if entity == "Vendor":
                lists.vendors[qbo_id] = data
            elif entity == "Customer":
                lists.customers.append(data)
            elif entity == "Employee":
                lists.employees.append(data)
            elif entity == "Account":
                lists.accounts[qbo_id] = data
            elif entity == "Item":
                lists.items[qbo_id] = data
            elif entity == "Preferences":
                lists.preferences = data
        return lists

    # --- preferences ----------------------------------------------------------------

    @property
    def closing_date(self) -> date | None:
        text = self.preferences.get("AccountingInfoPrefs", {}).get("BookCloseDate")
        return date.fromisoformat(str(text)[:10]) if text else None

    def other_pref(self, name: str) -> str | None:
        for pair in self.preferences.get("OtherPrefs", {}).get("NameValue", []):
            if pair.get("Name") == name:
                return str(pair.get("Value"))
        return None

    @property
    def warns_duplicate_bill_number(self) -> bool:
        return (self.other_pref("WarnDuplicateBillNumber") or "true").lower() == "true"

    @property
    def home_currency(self) -> str:
        prefs = self.preferences.get("CurrencyPrefs", {})
        return str(prefs.get("HomeCurrency", {}).get("value") or "USD")

    @property
    def multicurrency(self) -> bool:
        return bool(self.preferences.get("CurrencyPrefs", {}).get("MultiCurrencyEnabled"))

    # --- names --------------------------------------------------------------------------

    def vendor_named(self, name: str, active: bool = True) -> dict[str, Any] | None:
        key = name_key(name)
        for vendor in self.vendors.values():
            if bool(vendor.get("Active", True)) == active and \
                    name_key(original_name(vendor)) == key:
                return vendor
        return None

    def name_holder(self, name: str) -> tuple[str, dict[str, Any]] | None:
        """A customer or employee already holding ``name`` (inactive ones count too)."""
        key = name_key(name)
        for kind, records in (("customer", self.customers), ("employee", self.employees)):
            for record in records:
                if name_key(original_name(record)) == key:
                    return kind, record
        return None

    def add_vendor(self, vendor: dict[str, Any]) -> None:
        self.vendors[vendor["Id"]] = vendor

    # --- accounts and items ----------------------------------------------------------

    def account_named(self, name: str) -> dict[str, Any] | None:
        key = name_key(name)
        for account in self.accounts.values():
            names = (original_name(account, "Name"), str(account.get("FullyQualifiedName", "")))
            if key in (name_key(n) for n in names):
                return account
        return None

    def item_named(self, name: str) -> dict[str, Any] | None:
        key = name_key(name)
        for item in self.items.values():
            if name_key(original_name(item, "Name")) == key:
                return item
        return None

    def ap_account(self) -> dict[str, Any] | None:
        for account in self.accounts.values():
            if account.get("AccountType") == "Accounts Payable" and account.get("Active", True):
                return account
        return None
