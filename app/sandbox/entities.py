"""Per-entity facts: names, kinds, operations, required fields, length limits.

Length limits come from API.md §3.9 (the official reference). ``CHOSEN`` marks
values API.md does not give.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NAME_ENTITIES = ("Vendor", "Customer", "Employee")
TXN_ENTITIES = ("PurchaseOrder", "Bill", "BillPayment", "VendorCredit")

_NAME_LIMITS = {"DisplayName": 500, "Title": 16, "Suffix": 16, "GivenName": 100,
                "MiddleName": 100, "FamilyName": 100, "CompanyName": 100,
                "PrintOnCheckName": 100, "AcctNum": 100, "TaxIdentifier": 20}
_TXN_LIMITS = {"DocNumber": 21, "PrivateNote": 4000, "Line.Description": 4000}

#: Fields every object has and every query may filter or sort on.
_COMMON = ("Id", "SyncToken", "MetaData.CreateTime", "MetaData.LastUpdatedTime")
_NAME_FIELDS = ("DisplayName", "Active", "GivenName", "MiddleName", "FamilyName", "CompanyName",
                "PrintOnCheckName", "Title", "Suffix", "Balance", "PrimaryEmailAddr",
                "AcctNum", "Vendor1099", "FullyQualifiedName", "TaxIdentifier")
_TXN_FIELDS = ("DocNumber", "TxnDate", "TotalAmt", "VendorRef", "APAccountRef", "DueDate",
               "Balance", "PrivateNote", "CurrencyRef", "POStatus", "Memo", "PayType",
               "SalesTermRef")


@dataclass(frozen=True)
class EntitySpec:
    """What the sandbox knows about one QBO entity."""

    name: str
    kind: str  # "name" | "list" | "txn" | "singleton"
    limits: dict[str, int] = field(default_factory=dict)
    queryable: tuple[str, ...] = ()
    deletable: bool = False
    voidable: bool = False

    @property
    def path(self) -> str:
        """The lower-case URL segment clients send."""
        return self.name.lower()

    @property
    def has_active(self) -> bool:
        """Name and list entities are made inactive rather than deleted."""
        return self.kind in ("name", "list")


SPECS: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        EntitySpec("Vendor", "name", _NAME_LIMITS, _COMMON + _NAME_FIELDS),
        EntitySpec("Customer", "name", _NAME_LIMITS, _COMMON + _NAME_FIELDS + ("Job",)),
        EntitySpec("Employee", "name", _NAME_LIMITS, _COMMON + _NAME_FIELDS),
        # AcctNum: 7 is the US limit (API.md §3.4); the sandbox is a US company.
        EntitySpec("Account", "list", {"Name": 100, "AcctNum": 7, "Description": 100},
                   (*_COMMON, "Name", "Active", "AccountType", "AccountSubType", "Classification",
                    "FullyQualifiedName", "AcctNum", "CurrentBalance", "SubAccount")),
        EntitySpec("Item", "list", {"Name": 100, "Description": 4000, "PurchaseDesc": 1000,
                                    "Sku": 100},
                   (*_COMMON, "Name", "Active", "Type", "Sku", "FullyQualifiedName", "UnitPrice",
                    "PurchaseCost")),
        # CHOSEN: Term Name 31, the QuickBooks list-name limit (API.md is silent).
        EntitySpec("Term", "list", {"Name": 31}, (*_COMMON, "Name", "Active", "DueDays", "Type")),
        EntitySpec("PurchaseOrder", "txn", {**_TXN_LIMITS, "Memo": 4000},
                   _COMMON + _TXN_FIELDS, deletable=True),
        EntitySpec("Bill", "txn", dict(_TXN_LIMITS), _COMMON + _TXN_FIELDS, deletable=True),
        EntitySpec("BillPayment", "txn", dict(_TXN_LIMITS), _COMMON + _TXN_FIELDS,
                   deletable=True, voidable=True),
        EntitySpec("VendorCredit", "txn", dict(_TXN_LIMITS), _COMMON + _TXN_FIELDS,
                   deletable=True),
        EntitySpec("CompanyInfo", "singleton", {"CompanyName": 1024, "LegalName": 1024},
                   (*_COMMON, "CompanyName", "LegalName", "Country")),
        EntitySpec("Preferences", "singleton", {}, _COMMON),
    )
}

_BY_LOWER = {name.lower(): spec for name, spec in SPECS.items()}


def lookup(name: str) -> EntitySpec | None:
    """Case-insensitive entity lookup (``vendor``, ``purchaseOrder``, ``BILL``)."""
    return _BY_LOWER.get(name.strip().lower())


#: Which entity each reference field points to, by its key.
REF_TARGETS: dict[str, tuple[str, ...]] = {
    "VendorRef": ("Vendor",),
    "CustomerRef": ("Customer",),
    "EmployeeRef": ("Employee",),
    "APAccountRef": ("Account",),
    "AccountRef": ("Account",),
    "BankAccountRef": ("Account",),
    "CCAccountRef": ("Account",),
    "ExpenseAccountRef": ("Account",),
    "IncomeAccountRef": ("Account",),
    "AssetAccountRef": ("Account",),
    "ItemRef": ("Item",),
    "TermRef": ("Term",),
    "SalesTermRef": ("Term",),
}

#: Classification per AccountType ([XSD] AccountTypeEnum, API.md §3.4).
ACCOUNT_TYPES: dict[str, str] = {
    "Bank": "Asset", "Accounts Receivable": "Asset", "Other Current Asset": "Asset",
    "Fixed Asset": "Asset", "Other Asset": "Asset", "Accounts Payable": "Liability",
    "Credit Card": "Liability", "Other Current Liability": "Liability",
    "Long Term Liability": "Liability", "Equity": "Equity", "Income": "Revenue",
    "Other Income": "Revenue", "Cost of Goods Sold": "Expense", "Expense": "Expense",
    "Other Expense": "Expense", "Non-Posting": "Asset",
}

#: A default AccountSubType per type (used when a client sends only the type).
DEFAULT_SUBTYPES: dict[str, str] = {
    "Bank": "Checking", "Accounts Receivable": "AccountsReceivable",
    "Other Current Asset": "OtherCurrentAssets", "Fixed Asset": "OtherFixedAssets",
    "Other Asset": "OtherLongTermAssets", "Accounts Payable": "AccountsPayable",
    "Credit Card": "CreditCard", "Other Current Liability": "OtherCurrentLiabilities",
    "Long Term Liability": "OtherLongTermLiabilities", "Equity": "OpeningBalanceEquity",
    "Income": "ServiceFeeIncome", "Other Income": "OtherMiscellaneousIncome",
    "Cost of Goods Sold": "SuppliesMaterialsCogs", "Expense": "OtherMiscellaneousServiceCost",
    "Other Expense": "OtherMiscellaneousExpense", "Non-Posting": "PurchaseOrder",
}

SUBTYPE_TO_TYPE = {sub: typ for typ, sub in DEFAULT_SUBTYPES.items()}

ITEM_TYPES = ("Inventory", "Service", "NonInventory")
LINE_DETAILS = ("AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail")
BILLABLE = ("Billable", "NotBillable", "HasBeenBilled")

USD = {"value": "USD", "name": "United States Dollar"}
