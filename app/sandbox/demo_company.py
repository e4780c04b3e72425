"""``--seed demo``: the QuickBooks side of SyncDesk's demo company, Larkspur Provisions Co.

A small wholesale food and catering supplier in Larkspur, California, that has
kept its books in QuickBooks Online since early 2024 and starts using SyncDesk
for purchasing on 1 July 2026, right after closing its books for the first
half of the year. SyncDesk's side (``syncdesk init --demo``) lives in
``app/operations/demo.py``; the sandbox imports nothing from it, so the names
both sides share are spelled out here and ``tests/sync/test_demo_company.py``
checks they agree.

What the first sync of the demo store meets here:

- every account SyncDesk's demo uses, with the same AccountType (exactly one
  Accounts Payable and one Accounts Receivable account), inside a fuller chart;
- :data:`LINKED_SUPPLIERS`: demo suppliers that already are active vendors with
  the same DisplayName (the sync links them by name); the other demo suppliers
  are not in QuickBooks under any name, so the sync creates them;
- ``Harbor Freight Lines``: an inactive vendor (``Harbor Freight Lines (deleted)``);
- ``Keystone Paper Co.``: an active vendor that already has Bill ``KP-2291``
  (another date and amount than SyncDesk's INV-2043);
- ``Northwind Traders``: a customer, not a vendor;
- Preferences: duplicate-bill-number warning on, books closed on 2026-06-30,
  home currency USD, no multicurrency;
- history from 2025 to June 2026 (POs, bills, bill payments, a vendor credit),
  all dated on or before the closing date, none of it clashing with a SyncDesk
  document.

Deterministic: no clock and no randomness. Ids follow creation order and every
MetaData time is derived from the object's own dates (:func:`_stamp`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app.sandbox import rules
from app.sandbox.entities import SPECS
from app.sandbox.ops import create, save
from app.sandbox.seeds import _company_info, _preferences
from app.sandbox.state import COMPANY_TZ, Company, meta_time

COMPANY_NAME = "Larkspur Provisions Co."
CLOSING_DATE = "2026-06-30"
COMPANY_START = datetime(2024, 2, 5, 9, 0, tzinfo=COMPANY_TZ)
#: When the books were closed (the Preferences change), the day before SyncDesk's first document.
BOOKS_CLOSED_AT = datetime(2026, 7, 1, 8, 15, tzinfo=COMPANY_TZ)

# --- names SyncDesk's demo (app/operations/demo.py) also uses ------------------------
DUPLICATE_NAME_SUPPLIER = "Northwind Traders"  # a customer here
INACTIVE_SUPPLIER = "Harbor Freight Lines"  # an inactive vendor here
USED_BILL_SUPPLIER = "Keystone Paper Co."  # has Bill KP-2291 here
USED_BILL_NUMBER = "KP-2291"

#: Demo suppliers that already are active vendors, with exactly these DisplayNames.
LINKED_SUPPLIERS = (
    "Acme Office Supply", "Bayside Produce", "Cascade Coffee Roasters", "Cobalt IT Services",
    "Delta Refrigeration", "Fairway Uniforms", "Greenleaf Organics", "Highland Spring Water",
    "Juniper Legal LLP", "Kestrel Logistics", "Maple & Main Bakery", "Northgate Hardware",
    "O'Brien & Sons Wholesale", "Pinecrest Signage", "Redwood Equipment Rental",
    "Saltmarsh Seafood", "Tidewater Propane", "Zephyr Courier", USED_BILL_SUPPLIER,
)

# --- chart of accounts: (Name, AccountType, AccountSubType[, parent]) -------------------
ACCOUNTS: tuple[tuple[str, ...], ...] = (
    ("Business Checking", "Bank", "Checking"),
    ("Savings", "Bank", "Savings"),
    ("Petty Cash", "Bank", "CashOnHand"),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
    ("Inventory Asset", "Other Current Asset", "Inventory"),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
    ("Prepaid Expenses", "Other Current Asset", "PrepaidExpenses"),
    ("Delivery Vehicles", "Fixed Asset", "Vehicles"),
    ("Kitchen Equipment", "Fixed Asset", "MachineryAndEquipment"),
    ("Accumulated Depreciation", "Fixed Asset", "AccumulatedDepreciation"),
    ("Security Deposits", "Other Asset", "SecurityDeposits"),
    ("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable"),
    ("Business Visa", "Credit Card", "CreditCard"),
    ("Sales Tax Payable", "Other Current Liability", "SalesTaxPayable"),
    ("Payroll Liabilities", "Other Current Liability", "PayrollTaxPayable"),
    ("Equipment Loan", "Long Term Liability", "NotesPayable"),
    ("Opening Balance Equity", "Equity", "OpeningBalanceEquity"),
    ("Owner's Investment", "Equity", "OwnersEquity"),
    ("Owner's Draw", "Equity", "PartnerDistributions"),
    ("Retained Earnings", "Equity", "RetainedEarnings"),
    ("Wholesale Sales", "Income", "SalesOfProductIncome"),
    ("Catering Income", "Income", "ServiceFeeIncome"),
    ("Delivery Fees", "Income", "OtherPrimaryIncome"),
    ("Interest Earned", "Other Income", "InterestEarned"),
    ("Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
    ("Job Materials", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
    ("Packaging Materials", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
    ("Advertising & Marketing", "Expense", "AdvertisingPromotional"),
    ("Bank Charges & Fees", "Expense", "BankCharges"),
    ("Dues & Subscriptions", "Expense", "DuesSubscriptions"),
    ("Equipment Rental", "Expense", "EquipmentRental"),
    ("Insurance", "Expense", "Insurance"),
    ("Legal & Professional Services", "Expense", "LegalProfessionalFees"),
    ("Meals & Entertainment", "Expense", "EntertainmentMeals"),
    ("Office Supplies & Software", "Expense", "OfficeGeneralAdministrativeExpenses"),
    ("Payroll Expenses", "Expense", "PayrollExpenses"),
    ("Rent & Lease", "Expense", "RentOrLeaseOfBuildings"),
    ("Repairs & Maintenance", "Expense", "RepairMaintenance"),
    ("Shipping & Delivery", "Expense", "ShippingFreightDelivery"),
    ("Taxes & Licenses", "Expense", "TaxesPaid"),
    ("Travel", "Expense", "Travel"),
    ("Uniforms & Workwear", "Expense", "OtherMiscellaneousServiceCost"),
    ("Utilities", "Expense", "Utilities"),
    ("Electricity", "Expense", "Utilities", "Utilities"),
    ("Water & Sewer", "Expense", "Utilities", "Utilities"),
    ("Vehicle Expenses", "Expense", "Auto"),
    ("Fuel", "Expense", "Auto", "Vehicle Expenses"),
    ("Uncategorized Expense", "Expense", "OtherMiscellaneousServiceCost"),
    ("Interest Paid", "Other Expense", "OtherMiscellaneousExpense"),
)
#: Accounts the company stopped using (QBO shows them as "NAME (deleted)").
INACTIVE_ACCOUNTS = (("Old Delivery Van", "Fixed Asset", "Vehicles"),
                     ("Telephone", "Expense", "Utilities"))

TERMS = (("Due on receipt", 0), ("Net 10", 10), ("Net 15", 15), ("Net 30", 30),
         ("Net 60", 60))

# --- vendors --------------------------------------------------------------------------
#: Vendors QuickBooks has that SyncDesk's demo does not know: (DisplayName, terms, 1099)
OTHER_VENDORS = (
    ("Tamalpais Property Management", "Due on receipt", False),
    ("Larkspur Water & Power", "Net 15", False),
    ("Golden Gate Business Insurance", "Net 30", False),
    ("Bay Payroll Services", "Due on receipt", False),
    ("Corte Madera Auto Care", "Net 15", True),
    ("Mount Tam Waste & Recycling", "Net 30", False),
    ("Sausalito Ice Company", "Net 15", False),
    ("Ross Valley Farms", "Net 10", False),
    ("Point Reyes Creamery", "Net 15", False),
    ("Sonoma Olive Oil Works", "Net 30", False),
    ("Bolinas Bay Oysters", "Net 10", False),
    ("Mill Valley Print Shop", "Net 30", True),
    ("Bayline Telecom", "Net 15", False),
    ("Pacific Fleet Fuel Cards", "Net 15", False),
    ("Golden State Linen Supply", "Net 30", False),
    ("Novato Pest Control", "Net 30", True),
    ("Ferry Plaza Spice Traders", "Net 30", False),
    ("Kentfield Bookkeeping", "Net 15", True),
    ("Marin County Tax Collector", "Due on receipt", False),
    ("Sea Cliff Restaurant Supply", "Net 30", False),
)
#: Vendors made inactive after their last bill (QuickBooks renames them "NAME (deleted)").
INACTIVE_VENDORS = (INACTIVE_SUPPLIER, "Old Mill Coffee Supply", "Sunrise Produce Co.",
                    "Valley Vending Services", "Coastal Ice Delivery")

LINKED_TERMS = {"Juniper Legal LLP": "Net 30", "Cobalt IT Services": "Net 15",
                "Delta Refrigeration": "Net 30", "Redwood Equipment Rental": "Net 15",
                USED_BILL_SUPPLIER: "Net 30", "Bayside Produce": "Net 10",
                "Saltmarsh Seafood": "Net 10"}
VENDOR_1099 = ("Juniper Legal LLP", "Cobalt IT Services", "Delta Refrigeration")

# --- customers and employees ---------------------------------------------------------------
CUSTOMERS = (DUPLICATE_NAME_SUPPLIER, "Bayview Cafe & Bistro", "Larkspur Community Center",
             "Meadowlark Events", "Mill Valley Farmers Market", "Corte Madera Cinema",
             "Redwood High School Boosters", "Sausalito Yacht Club")
INACTIVE_CUSTOMERS = ("Hillside Deli",)
EMPLOYEES = (("Dana", "Whitfield"), ("Luis", "Ortega"), ("Priya", "Raman"))

# --- items: (Name, Type, income account, expense account, price, cost, active) --------------
ITEMS = (
    ("Catering Service", "Service", "Catering Income", None, "65.00", "0", True),
    ("Delivery Fee", "Service", "Delivery Fees", None, "25.00", "0", True),
    ("Staff Hours", "Service", "Catering Income", "Payroll Expenses", "38.00", "22.00", True),
    ("Wholesale Tea, case", "NonInventory", "Wholesale Sales", "Cost of Goods Sold",
     "96.00", "48.00", True),
    ("Espresso Beans, 1 kg", "NonInventory", "Wholesale Sales", "Cost of Goods Sold",
     "42.00", "24.50", True),
    ("Gift Box Set", "NonInventory", "Wholesale Sales", "Packaging Materials",
     "34.00", "12.75", True),
    ("Holiday Hamper 2024", "NonInventory", "Wholesale Sales", "Cost of Goods Sold",
     "120.00", "61.00", False),
)

# --- history (all dated on or before the closing date) ---------------------------------------
#: (DocNumber, vendor, date, [(account, description, amount)], billed as (bill number, date))
#: or None for a PO still open at the close.
HISTORY_POS = (
    ("0931", "Bayside Produce", "2026-01-12",
     [("Cost of Goods Sold", "Winter citrus, 18 crates", "684.00")], ("BP-88213", "2026-01-16")),
    ("0932", "Cascade Coffee Roasters", "2026-01-26",
     [("Cost of Goods Sold", "Espresso beans, 10 kg", "412.50"),
      ("Cost of Goods Sold", "Decaf beans, 4 kg", "171.20")], ("CCR-8790", "2026-01-30")),
    ("0933", "Delta Refrigeration", "2026-02-09",
     [("Repairs & Maintenance", "Walk-in cooler compressor", "1260.00")],
     ("DR-20260211", "2026-02-11")),
    ("0934", "Fairway Uniforms", "2026-03-02",
     [("Uniforms & Workwear", "Chef jackets, 12", "534.00")], ("FU-3371", "2026-03-09")),
    ("0935", "Saltmarsh Seafood", "2026-03-23",
     [("Cost of Goods Sold", "Oysters and mussels", "918.40")], ("SS-10455", "2026-03-25")),
    ("0936", "Redwood Equipment Rental", "2026-04-13",
     [("Equipment Rental", "Refrigerated trailer, 2 weeks", "1450.00")],
     ("RER-6620", "2026-04-28")),
    ("0937", "Northgate Hardware", "2026-05-04",
     [("Repairs & Maintenance", "Shelving and brackets", "327.85")], ("NH-99817", "2026-05-06")),
    ("0938", "Bayside Produce", "2026-06-15",
     [("Cost of Goods Sold", "Summer stone fruit, 22 crates", "836.00")], None),
)
#: Bills without a PO: (vendor, DocNumber, date, [(account, description, amount)])
HISTORY_BILLS = (
    (INACTIVE_SUPPLIER, "HFL-3310", "2025-11-14",
     [("Shipping & Delivery", "Pallet freight, Oakland to Larkspur", "780.00")]),
    ("Old Mill Coffee Supply", "OM-1042", "2025-08-06",
     [("Cost of Goods Sold", "House blend, 25 kg", "615.00")]),
    ("Sunrise Produce Co.", "SP-7781", "2025-09-19",
     [("Cost of Goods Sold", "Heirloom tomatoes, 12 flats", "264.00")]),
    ("Valley Vending Services", "VV-220", "2025-10-01",
     [("Equipment Rental", "Break-room vending machine, Q4", "180.00")]),
    ("Coastal Ice Delivery", "CID-5513", "2025-12-12",
     [("Cost of Goods Sold", "Block ice, December", "142.50")]),
    ("Tamalpais Property Management", "RENT-2026-01", "2026-01-01",
     [("Rent & Lease", "Warehouse and kitchen rent, January", "4200.00")]),
    ("Tamalpais Property Management", "RENT-2026-02", "2026-02-01",
     [("Rent & Lease", "Warehouse and kitchen rent, February", "4200.00")]),
    ("Tamalpais Property Management", "RENT-2026-03", "2026-03-01",
     [("Rent & Lease", "Warehouse and kitchen rent, March", "4200.00")]),
    ("Tamalpais Property Management", "RENT-2026-04", "2026-04-01",
     [("Rent & Lease", "Warehouse and kitchen rent, April", "4200.00")]),
    ("Tamalpais Property Management", "RENT-2026-05", "2026-05-01",
     [("Rent & Lease", "Warehouse and kitchen rent, May", "4200.00")]),
    ("Tamalpais Property Management", "RENT-2026-06", "2026-06-01",
     [("Rent & Lease", "Warehouse and kitchen rent, June", "4200.00")]),
    ("Larkspur Water & Power", "LWP-0426", "2026-04-20",
     [("Electricity", "Electricity, March–April", "388.12"),
      ("Water & Sewer", "Water and sewer, March–April", "141.60")]),
    ("Larkspur Water & Power", "LWP-0626", "2026-06-19",
     [("Electricity", "Electricity, May–June", "402.77"),
      ("Water & Sewer", "Water and sewer, May–June", "139.05")]),
    (USED_BILL_SUPPLIER, "KP-2184", "2026-02-18",
     [("Office Supplies & Software", "Receipt rolls and labels", "298.40")]),
    (USED_BILL_SUPPLIER, USED_BILL_NUMBER, "2026-05-14",
     [("Office Supplies & Software", "Copier paper, 45 cases", "412.75")]),
    ("Juniper Legal LLP", "JL-1187", "2026-03-31",
     [("Legal & Professional Services", "Lease renewal review", "1850.00")]),
    ("Golden Gate Business Insurance", "GGBI-26-Q2", "2026-04-01",
     [("Insurance", "General liability and property, Q2", "2340.00")]),
    ("Cobalt IT Services", "CIT-7702", "2026-06-05",
     [("Office Supplies & Software", "Point-of-sale terminal setup", "480.00")]),
    ("Zephyr Courier", "ZC-55102", "2026-06-12",
     [("Shipping & Delivery", "Courier charges, May", "146.30")]),
    ("Mount Tam Waste & Recycling", "MTW-2606", "2026-06-20",
     [("Utilities", "Compost and recycling pickup, Q2", "315.00")]),
)
#: Item-based bill: (vendor, DocNumber, date, item, qty, unit price)
HISTORY_ITEM_BILLS = (
    ("Cascade Coffee Roasters", "CCR-8841", "2026-06-22", "Espresso Beans, 1 kg", "20", "24.50"),
)
#: Bills dated before this are paid (by check, or by card for these vendors).
PAID_BEFORE = "2026-06-01"
CARD_PAID = ("Zephyr Courier", "Cobalt IT Services", "Northgate Hardware")
VENDOR_CREDITS = (("Saltmarsh Seafood", "SS-CR-19", "2026-03-30",
                   [("Cost of Goods Sold", "Credit for spoiled mussels", "86.40")]),)


def seed_demo(company: Company) -> None:
    """Build Larkspur Provisions Co.'s QuickBooks company into an empty ``company``."""
    company.company_info = _company_info(company, meta_time(COMPANY_START))
    company.company_info.update(_identity())
    company.preferences = _preferences(meta_time(COMPANY_START))
    company.preferences["SalesFormsPrefs"]["CustomTxnNumbers"] = True
    accounts = _accounts(company)
    terms = {name: _make(company, "Term", {"Name": name, "DueDays": days})["Id"]
             for name, days in TERMS}
    vendors = _vendors(company, terms)
    for name in CUSTOMERS:
        _make(company, "Customer", {"DisplayName": name, "CompanyName": name,
                                    "PrimaryEmailAddr": {"Address": _email(name, "orders")},
                                    "SalesTermRef": {"value": terms["Net 30"]}})
    for given, family in EMPLOYEES:
        _make(company, "Employee", {"GivenName": given, "FamilyName": family,
                                    "DisplayName": f"{given} {family}",
                                    "PrimaryEmailAddr": {"Address":
                                                         f"{given.lower()}@larkspur.example"}})
    items = _items(company, accounts)
    _history(company, accounts, vendors, items)
    for name in INACTIVE_VENDORS:  # they stopped trading after their last bill
        _deactivate(company, "Vendor", vendors[name])
    for name in INACTIVE_CUSTOMERS:
        made = _make(company, "Customer", {"DisplayName": name, "CompanyName": name})
        _deactivate(company, "Customer", made["Id"])
    company.set_closing_date(CLOSING_DATE)
    company.set_other_pref("WarnDuplicateBillNumber", "true")
    _stamp(company)


# --- builders -----------------------------------------------------------------------------------
def _make(company: Company, entity: str, body: dict) -> dict:
    return create(company, SPECS[entity], rules.clean(body), set())


def _deactivate(company: Company, entity: str, obj_id: str) -> None:
    current = company.get(entity, obj_id)
    assert current is not None
    save(company, SPECS[entity], {"Id": obj_id, "SyncToken": current["SyncToken"],
                                  "sparse": True, "Active": False})


def _identity() -> dict:
    addr = {"Id": "1", "Line1": "240 Magnolia Ave", "City": "Larkspur",
            "CountrySubDivisionCode": "CA", "PostalCode": "94939", "Country": "US"}
    return {"CompanyName": COMPANY_NAME, "LegalName": "Larkspur Provisions Company LLC",
            "CompanyAddr": dict(addr), "CustomerCommunicationAddr": dict(addr),
            "LegalAddr": dict(addr), "PrimaryPhone": {"FreeFormNumber": "(415) 555-0142"},
            "CompanyStartDate": COMPANY_START.date().isoformat(),
            "Email": {"Address": "books@larkspur.example"},
            "WebAddr": {"URI": "https://larkspur.example"}}


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())[:20]


def _email(name: str, box: str = "accounts") -> str:
    return f"{box}@{_slug(name)}.example"


def _accounts(company: Company) -> dict[str, str]:
    ids: dict[str, str] = {}
    for row in ACCOUNTS:
        name, acct_type, sub = row[:3]
        body: dict = {"Name": name, "AccountType": acct_type, "AccountSubType": sub}
        if len(row) > 3:
            body["ParentRef"] = {"value": ids[row[3]]}
        ids[name] = _make(company, "Account", body)["Id"]
    for name, acct_type, sub in INACTIVE_ACCOUNTS:
        made = _make(company, "Account", {"Name": name, "AccountType": acct_type,
                                          "AccountSubType": sub})
        _deactivate(company, "Account", made["Id"])
    return ids


def _vendor_body(name: str, number: int, term_id: str | None, is_1099: bool) -> dict:
    body: dict = {
        "DisplayName": name, "CompanyName": name, "PrintOnCheckName": name[:100],
        "PrimaryEmailAddr": {"Address": _email(name)},
        "PrimaryPhone": {"FreeFormNumber": f"(415) 555-{1100 + number * 7:04d}"},
        "BillAddr": {"Line1": f"{100 + number * 13} Industrial Way", "City": "San Rafael",
                     "CountrySubDivisionCode": "CA", "PostalCode": "94901"},
        "AcctNum": f"LP-{1000 + number}", "Vendor1099": is_1099,
    }
    if term_id is not None:
        body["TermRef"] = {"value": term_id}
    return body


def _vendors(company: Company, terms: dict[str, str]) -> dict[str, str]:
    """Every vendor, active at first (history needs them); returns name -> Id."""
    rows: list[tuple[str, str | None, bool]] = []
    for name in LINKED_SUPPLIERS:
        rows.append((name, LINKED_TERMS.get(name), name in VENDOR_1099))
    rows.extend(OTHER_VENDORS)
    rows.extend((name, "Net 30", False) for name in INACTIVE_VENDORS)
    ids = {}
    for number, (name, term, is_1099) in enumerate(sorted(rows, key=lambda r: r[0].lower())):
        body = _vendor_body(name, number, terms[term] if term else None, is_1099)
        ids[name] = _make(company, "Vendor", body)["Id"]
    return ids


def _items(company: Company, accounts: dict[str, str]) -> dict[str, str]:
    ids = {}
    for name, kind, income, expense, price, cost, active in ITEMS:
        body: dict = {"Name": name, "Type": kind, "UnitPrice": price, "PurchaseCost": cost,
                      "IncomeAccountRef": {"value": accounts[income]}}
        if expense:
            body["ExpenseAccountRef"] = {"value": accounts[expense]}
        ids[name] = _make(company, "Item", body)["Id"]
        if not active:
            _deactivate(company, "Item", ids[name])
    return ids


def _account_line(accounts: dict[str, str], account: str, description: str,
                  amount: str) -> dict:
    return {"DetailType": "AccountBasedExpenseLineDetail", "Amount": amount,
            "Description": description,
            "AccountBasedExpenseLineDetail": {"AccountRef": {"value": accounts[account]},
                                              "BillableStatus": "NotBillable"}}


def _history(company: Company, accounts: dict[str, str], vendors: dict[str, str],
             items: dict[str, str]) -> None:
    bills: list[dict] = []
    for number, vendor, day, lines, billed in HISTORY_POS:
        po = _make(company, "PurchaseOrder", {
            "DocNumber": number, "TxnDate": day, "VendorRef": {"value": vendors[vendor]},
            "APAccountRef": {"value": accounts["Accounts Payable (A/P)"]},
            "Line": [_account_line(accounts, *line) for line in lines],
            "Memo": f"Ordered by {EMPLOYEES[0][0]}"})
        if billed is None:
            continue
        bill_number, bill_day = billed
        bill_lines = []
        for po_line, line in zip(po["Line"], lines, strict=True):
            entry = _account_line(accounts, *line)
            entry["LinkedTxn"] = [{"TxnId": po["Id"], "TxnType": "PurchaseOrder",
                                   "TxnLineId": po_line["Id"]}]
            bill_lines.append(entry)
        bills.append(_make(company, "Bill", {
            "DocNumber": bill_number, "TxnDate": bill_day,
            "VendorRef": {"value": vendors[vendor]}, "Line": bill_lines}))
    for vendor, number, day, lines in HISTORY_BILLS:
        bills.append(_make(company, "Bill", {
            "DocNumber": number, "TxnDate": day, "VendorRef": {"value": vendors[vendor]},
            "Line": [_account_line(accounts, *line) for line in lines]}))
    for vendor, number, day, item, qty, price in HISTORY_ITEM_BILLS:
        bills.append(_make(company, "Bill", {
            "DocNumber": number, "TxnDate": day, "VendorRef": {"value": vendors[vendor]},
            "Line": [{"DetailType": "ItemBasedExpenseLineDetail", "Description": item,
                      "ItemBasedExpenseLineDetail": {"ItemRef": {"value": items[item]},
                                                     "Qty": qty, "UnitPrice": price,
                                                     "BillableStatus": "NotBillable"}}]}))
    for vendor, number, day, lines in VENDOR_CREDITS:
        _make(company, "VendorCredit", {
            "DocNumber": number, "TxnDate": day, "VendorRef": {"value": vendors[vendor]},
            "Line": [_account_line(accounts, *line) for line in lines]})
    names = {vendor_id: name for name, vendor_id in vendors.items()}
    for bill in sorted(bills, key=lambda b: (b["TxnDate"], int(b["Id"]))):
        if bill["TxnDate"] >= PAID_BEFORE:
            continue  # still open at the close: the company's payables
        _pay(company, accounts, bill, names[bill["VendorRef"]["value"]])


def _pay(company: Company, accounts: dict[str, str], bill: dict, vendor: str) -> None:
    paid_on = min(date.fromisoformat(bill["TxnDate"]) + timedelta(days=21),
                  date.fromisoformat(CLOSING_DATE) - timedelta(days=1))
    body: dict = {"VendorRef": {"value": bill["VendorRef"]["value"]},
                  "TxnDate": paid_on.isoformat(), "TotalAmt": bill["TotalAmt"],
                  "Line": [{"Amount": bill["TotalAmt"],
                            "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Bill"}]}]}
    if vendor in CARD_PAID:
        body["PayType"] = "CreditCard"
        body["CreditCardPayment"] = {"CCAccountRef": {"value": accounts["Business Visa"]}}
    else:
        body["PayType"] = "Check"
        body["CheckPayment"] = {"BankAccountRef": {"value": accounts["Business Checking"]},
                                "PrintStatus": "PrintComplete"}
        body["DocNumber"] = str(4100 + int(bill["Id"]) % 900)
    _make(company, "BillPayment", body)


# --- MetaData without a clock -----------------------------------------------------------
def _txn_time(obj: dict) -> datetime:
    day = date.fromisoformat(obj["TxnDate"])
    minutes = (int(obj["Id"]) * 7) % 420
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=COMPANY_TZ) + \
        timedelta(minutes=minutes)


def _stamp(company: Company) -> None:
    """Give every object MetaData derived from its own dates, not from the wall clock.

    Lists were set up from the company's start, a few minutes apart; a
    transaction was entered on its TxnDate; a change made by a later
    transaction (a PO closed by its bill, a bill paid) carries that
    transaction's time; names made inactive, and the Preferences, were last
    changed when the books were closed.
    """
    created: dict[str, datetime] = {}
    for entity in ("Account", "Term", "Vendor", "Customer", "Employee", "Item"):
        for obj in company.all(entity):
            created[obj["Id"]] = COMPANY_START + timedelta(minutes=3 * int(obj["Id"]))
    for entity in ("PurchaseOrder", "Bill", "BillPayment", "VendorCredit"):
        for obj in company.all(entity):
            created[obj["Id"]] = _txn_time(obj)
    for items in company.objects.values():
        for obj in items.values():
            start = created[obj["Id"]]
            last = start
            if obj.get("SyncToken", "0") != "0":
                linked = [created[link["TxnId"]] for link in obj.get("LinkedTxn", [])
                          if link.get("TxnId") in created]
                last = max([start, *linked]) if linked else BOOKS_CLOSED_AT
            obj["MetaData"] = {"CreateTime": meta_time(start), "LastUpdatedTime": meta_time(last)}
    stamp = meta_time(BOOKS_CLOSED_AT)
    company.preferences["MetaData"] = {"CreateTime": meta_time(COMPANY_START),
                                       "LastUpdatedTime": stamp}
    company.company_info["MetaData"] = {"CreateTime": meta_time(COMPANY_START),
                                        "LastUpdatedTime": meta_time(COMPANY_START)}
    company.deleted.clear()
    company.save()
