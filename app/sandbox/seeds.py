"""Seed companies. ``empty``: a brand-new QBO company (CompanyInfo, default
Preferences, the accounts, terms and items a new company starts with).

``demo``: Larkspur Provisions Co., the QuickBooks side of SyncDesk's demo
company (:mod:`app.sandbox.demo_company`).
"""

from __future__ import annotations

from collections.abc import Callable

from app.sandbox import rules
from app.sandbox.entities import SPECS
from app.sandbox.ops import create
from app.sandbox.state import Company, meta_time

COMPANY_NAME = "SyncDesk Sandbox Company"

#: (Name, AccountType, AccountSubType): CHOSEN to resemble a new US QBO company's
#: starting chart; includes one Accounts Payable and one Accounts Receivable account.
NEW_COMPANY_ACCOUNTS = (
    ("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable"),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
    ("Checking", "Bank", "Checking"),
    ("Inventory Asset", "Other Current Asset", "Inventory"),
    ("Opening Balance Equity", "Equity", "OpeningBalanceEquity"),
    ("Services", "Income", "ServiceFeeIncome"),
    ("Sales of Product Income", "Income", "SalesOfProductIncome"),
    ("Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
    ("Office Supplies & Software", "Expense", "OfficeGeneralAdministrativeExpenses"),
    ("Uncategorized Expense", "Expense", "OtherMiscellaneousServiceCost"),
)
NEW_COMPANY_TERMS = (("Due on receipt", 0), ("Net 15", 15), ("Net 30", 30), ("Net 60", 60))


def _company_info(company: Company, now: str) -> dict:
    return {
        "CompanyName": COMPANY_NAME, "LegalName": COMPANY_NAME,
        "CompanyAddr": {"Id": "1", "Line1": "123 Sierra Way", "City": "San Pablo",
                        "CountrySubDivisionCode": "CA", "PostalCode": "87999"},
        "CustomerCommunicationAddr": {"Id": "1", "Line1": "123 Sierra Way",
                                      "City": "San Pablo", "CountrySubDivisionCode": "CA",
                                      "PostalCode": "87999"},
        "LegalAddr": {"Id": "1", "Line1": "123 Sierra Way", "City": "San Pablo",
                      "CountrySubDivisionCode": "CA", "PostalCode": "87999"},
        "PrimaryPhone": {}, "CompanyStartDate": now[:10], "FiscalYearStartMonth": "January",
        "Country": "US", "Email": {"Address": "noreply@example.invalid"}, "WebAddr": {},
        "SupportedLanguages": "en", "NameValue": [
            {"Name": "NeoEnabled", "Value": "true"},
            {"Name": "IndustryType", "Value": "Wholesale Trade"},
            {"Name": "SubscriptionStatus", "Value": "SUBSCRIBED"},
            {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
            {"Name": "PayrollFeature", "Value": "false"},
            {"Name": "AccountantFeature", "Value": "false"},
        ],
        "domain": "QBO", "sparse": False, "Id": "1", "SyncToken": "0",
        "MetaData": {"CreateTime": now, "LastUpdatedTime": now},
    }


def _preferences(now: str) -> dict:
    return {
        "AccountingInfoPrefs": {"FirstMonthOfFiscalYear": "January", "UseAccountNumbers": False,
                                "TaxYearMonth": "January", "ClassTrackingPerTxn": False,
                                "TrackDepartments": False, "TaxForm": "6",
                                "CustomerTerminology": "Customers",
                                "DepartmentTerminology": "Location",
                                "ClassTrackingPerTxnLine": False},
        "ProductAndServicesPrefs": {"ForSales": True, "ForPurchase": True,
                                    "QuantityWithPriceAndRate": True, "QuantityOnHand": True},
        "SalesFormsPrefs": {"CustomTxnNumbers": False, "AllowDeposit": False,
                            "AllowDiscount": False, "AllowEstimates": True,
                            "AllowShipping": False, "AllowServiceDate": False},
        "EmailMessagesPrefs": {},
        "VendorAndPurchasesPrefs": {"TrackingByCustomer": False,
                                    "BillableExpenseTracking": False,
                                    "POCustomField": []},
        "TimeTrackingPrefs": {"UseServices": True, "BillCustomers": False,
                              "ShowBillRateToAll": False, "WorkWeekStartDate": "Monday",
                              "MarkTimeEntriesBillable": False},
        "TaxPrefs": {"UsingSalesTax": False},
        "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": "USD"}},
        "ReportPrefs": {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": False},
        # CHOSEN: WarnDuplicateBillNumber on, as it was for the users in the seed
        # articles (real new companies ship it "false"; issue 3 asks for on).
        "OtherPrefs": {"NameValue": [
            {"Name": "SalesFormsPrefs.DefaultCustomerMessage", "Value": ""},
            {"Name": "DTXCopyMemo", "Value": "false"},
            {"Name": "Vendor1099Enabled", "Value": "true"},
            {"Name": "WarnDuplicateCheckNumber", "Value": "true"},
            {"Name": "WarnDuplicateBillNumber", "Value": "true"},
            {"Name": "WarnDuplicateJournalNumber", "Value": "false"},
            {"Name": "SignoutInactiveMinutes", "Value": "60"},
        ]},
        "domain": "QBO", "sparse": False, "Id": "1", "SyncToken": "0",
        "MetaData": {"CreateTime": now, "LastUpdatedTime": now},
    }


def seed_empty(company: Company) -> None:
    """A new company: no vendors, no transactions."""
    now = meta_time(company.clock.now())
    company.company_info = _company_info(company, now)
    company.preferences = _preferences(now)
    ids = {}
    for name, acct_type, sub in NEW_COMPANY_ACCOUNTS:
        made = create(company, SPECS["Account"],
                      rules.clean({"Name": name, "AccountType": acct_type,
                                   "AccountSubType": sub}), set())
        ids[name] = made["Id"]
    for name, days in NEW_COMPANY_TERMS:
        create(company, SPECS["Term"], {"Name": name, "DueDays": days}, set())
    create(company, SPECS["Item"], {"Name": "Hours", "Type": "Service",
                                    "IncomeAccountRef": {"value": ids["Services"]}}, set())
    create(company, SPECS["Item"], {"Name": "Sales", "Type": "Service",
                                    "IncomeAccountRef": {"value": ids["Sales of Product Income"]},
                                    "ExpenseAccountRef": {"value": ids["Cost of Goods Sold"]}},
           set())


def seed_demo(company: Company) -> None:
    """The demo company (imported here late: it builds on this module's helpers)."""
    from app.sandbox.demo_company import seed_demo as build

    build(company)


SEEDS: dict[str, Callable[[Company], None]] = {"empty": seed_empty, "demo": seed_demo}
