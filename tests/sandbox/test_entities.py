"""Routes and JSON shapes: create, read, full/sparse update, delete, void, singletons."""

from __future__ import annotations

import re

import pytest

from app.sandbox import ops
from app.sandbox import query as query_module

META_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")


def test_create_read_shape(api):
    response = api.post("vendor", {"DisplayName": "Boraski Family Store"},
                        {"minorversion": "75"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["intuit_tid"]
    body = response.json()
    assert set(body) == {"Vendor", "time"}
    vendor = body["Vendor"]
    assert isinstance(vendor["Id"], str) and vendor["Id"].isdigit()
    assert vendor["SyncToken"] == "0"
    assert vendor["domain"] == "QBO"
    assert vendor["sparse"] is False
    assert vendor["Active"] is True
    assert vendor["Balance"] == 0
    assert vendor["Vendor1099"] is False
    assert vendor["PrintOnCheckName"] == "Boraski Family Store"
    assert vendor["CurrencyRef"]["value"] == "USD"
    assert META_TIME.match(vendor["MetaData"]["CreateTime"])
    assert vendor["MetaData"]["LastUpdatedTime"] == vendor["MetaData"]["CreateTime"]
    read = api.get(f"vendor/{vendor['Id']}")
    assert read.status_code == 200
    assert read.json()["Vendor"] == vendor
    # Entity segments in other cases work too.
    assert api.get(f"Vendor/{vendor['Id']}").json()["Vendor"] == vendor


@pytest.mark.parametrize(("entity", "body"), [
    ("Customer", {"DisplayName": "Cool Cars"}),
    ("Employee", {"GivenName": "Emily", "FamilyName": "Platt"}),
    ("Account", {"Name": "Freight In", "AccountType": "Cost of Goods Sold"}),
    ("Item", {"Name": "Bolts", "Type": "NonInventory", "PurchaseCost": 0.25}),
    ("Term", {"Name": "Net 45", "DueDays": 45}),
])
def test_other_entities_round_trip(api, entity, body):
    made = api.create(entity, body)
    assert made["SyncToken"] == "0"
    assert api.get(f"{entity.lower()}/{made['Id']}").json()[entity] == made
    if entity == "Account":
        assert made["Classification"] == "Expense"
        assert made["AccountSubType"] == "SuppliesMaterialsCogs"
        assert made["FullyQualifiedName"] == "Freight In"


def test_full_update_clears_omitted_fields_and_sparse_keeps_them(api):
    vendor = api.vendor("Full Co", CompanyName="Full Company", Title="Dr")
    updated = api.create("Vendor", {"Id": vendor["Id"], "SyncToken": "0",
                                    "DisplayName": "Full Co", "CompanyName": "Full Company"})
    assert "Title" not in updated
    assert updated["SyncToken"] == "1"
    sparse = api.create("Vendor", {"Id": vendor["Id"], "SyncToken": "1", "sparse": True,
                                   "Title": "Ms"})
    assert sparse["Title"] == "Ms"
    assert sparse["CompanyName"] == "Full Company"
    assert sparse["SyncToken"] == "2"
    assert sparse["MetaData"]["CreateTime"] == vendor["MetaData"]["CreateTime"]


def test_operation_update_parameter(api):
    vendor = api.vendor()
    response = api.post("vendor", {**vendor, "CompanyName": "Acme Inc"},
                        {"operation": "update", "format": "json"})
    assert response.status_code == 200, response.text
    assert response.json()["Vendor"]["CompanyName"] == "Acme Inc"


def test_lenient_client_library_quirks(api):
    """python-quickbooks and node-quickbooks send these; QBO accepts them."""
    account = api.account_id("Uncategorized Expense")
    vendor = api.create("Vendor", {"DisplayName": "Quirky Ltd", "SyncToken": 0, "Title": "",
                                   "CompanyName": "", "TermRef": None, "Balance": 0,
                                   "PrimaryEmailAddr": {"Address": ""}, "BillAddr": None,
                                   "Vendor1099": False})
    assert vendor["SyncToken"] == "0"
    assert "Title" not in vendor
    response = api.post("bill", {
        "SyncToken": 0, "Id": "", "DocNumber": "", "PrivateNote": "", "LinkedTxn": [],
        "VendorRef": {"value": vendor["Id"], "name": "", "type": ""},
        "APAccountRef": {"value": "", "name": ""}, "TotalAmt": 0, "Balance": 0,
        "Line": [{"Id": None, "LineNum": 0, "Description": "", "Amount": 12.5, "LinkedTxn": [],
                  "DetailType": "AccountBasedExpenseLineDetail",
                  "AccountBasedExpenseLineDetail": {
                      "AccountRef": {"value": account, "name": "", "type": None},
                      "BillableStatus": "NotBillable", "CustomerRef": None,
                      "TaxAmount": 0}}]}, {"format": "json", "minorversion": "75"})
    assert response.status_code == 200, response.text
    bill = response.json()["Bill"]
    assert bill["VendorRef"] == {"value": vendor["Id"], "name": "Quirky Ltd"}
    assert bill["APAccountRef"]["name"] == "Accounts Payable (A/P)"
    assert bill["TotalAmt"] == 12.5
    assert bill["Balance"] == 12.5
    assert bill["Line"][0]["Id"] == "1"
    assert bill["Line"][0]["AccountBasedExpenseLineDetail"]["AccountRef"]["name"] == \
        "Uncategorized Expense"


def test_lines_keep_their_ids_on_update(api):
    vendor = api.vendor()
    po = api.create("PurchaseOrder", {"VendorRef": {"value": vendor["Id"]},
                                      "Line": [api.expense_line("1"), api.expense_line("2")]})
    assert [line["Id"] for line in po["Line"]] == ["1", "2"]
    assert po["DocNumber"] == "1001"
    assert po["POStatus"] == "Open"
    assert po["TotalAmt"] == 3
    lines = [po["Line"][1], api.expense_line("5")]
    updated = api.create("PurchaseOrder", {**po, "Line": lines})
    assert [line["Id"] for line in updated["Line"]] == ["2", "3"]
    assert updated["TotalAmt"] == 7
    assert api.create("PurchaseOrder", {"VendorRef": {"value": vendor["Id"]},
                                        "Line": [api.expense_line()]})["DocNumber"] == "1002"


def test_bill_due_date_follows_the_vendor_terms(api):
    net30 = api.query("select * from Term where Name = 'Net 30'")["Term"][0]
    vendor = api.vendor("Termed", TermRef={"value": net30["Id"]})
    bill = api.create("Bill", {"VendorRef": {"value": vendor["Id"]}, "TxnDate": "2025-03-02",
                               "Line": [api.expense_line()]})
    assert bill["DueDate"] == "2025-04-01"


def test_delete_a_transaction(api):
    vendor = api.vendor()
    po = api.create("PurchaseOrder", {"VendorRef": {"value": vendor["Id"]},
                                      "Line": [api.expense_line()]})
    stale = api.post("purchaseorder", {"Id": po["Id"], "SyncToken": "7"},
                     {"operation": "delete"})
    assert api.errors(stale)[0]["code"] == "5010"
    response = api.post("purchaseorder", {"Id": po["Id"], "SyncToken": po["SyncToken"]},
                        {"operation": "delete"})
    assert response.status_code == 200
    assert response.json()["PurchaseOrder"] == {"domain": "QBO", "status": "Deleted",
                                                "Id": po["Id"]}
    gone = api.errors(api.get(f"purchaseorder/{po['Id']}"))
    assert gone == [{"Message": "Object Not Found",
                     "Detail": "Object Not Found : Another user has deleted this transaction.",
                     "code": "610", "element": ""}]


def test_names_cannot_be_deleted(api):
    vendor = api.vendor()
    response = api.post("vendor", {"Id": vendor["Id"], "SyncToken": "0"},
                        {"operation": "delete"})
    error = api.errors(response)[0]
    assert error["code"] == "500"
    assert error["Message"] == "Unsupported Operation"


def test_bill_payment_lowers_the_balance_and_void_restores_it(api):
    vendor = api.vendor()
    bank = api.account_id("Checking")
    bill = api.create("Bill", {"VendorRef": {"value": vendor["Id"]},
                               "Line": [api.expense_line("100.00")]})
    payment = api.create("BillPayment", {
        "VendorRef": {"value": vendor["Id"]}, "PayType": "Check", "TotalAmt": 40,
        "CheckPayment": {"BankAccountRef": {"value": bank}},
        "Line": [{"Amount": 40, "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Bill"}]}]})
    assert payment["TotalAmt"] == 40
    paid = api.get(f"bill/{bill['Id']}").json()["Bill"]
    assert paid["Balance"] == 60
    assert paid["SyncToken"] == "1"
    assert {"TxnId": payment["Id"], "TxnType": "BillPaymentCheck"} in paid["LinkedTxn"]
    voided = api.post("billpayment", {"Id": payment["Id"], "SyncToken": payment["SyncToken"],
                                      "sparse": True}, {"operation": "void"})
    assert voided.status_code == 200, voided.text
    assert voided.json()["BillPayment"]["TotalAmt"] == 0
    assert api.get(f"bill/{bill['Id']}").json()["Bill"]["Balance"] == 100
    bill_void = api.post("bill", {"Id": bill["Id"], "SyncToken": "2"}, {"operation": "void"})
    assert api.errors(bill_void)[0]["code"] == "500"


def test_bill_payment_requires_its_fields(api):
    vendor = api.vendor()
    errors = api.errors(api.post("billpayment", {"VendorRef": {"value": vendor["Id"]},
                                                 "PayType": "Check", "Line": []}))
    assert [(e["code"], e["element"]) for e in errors] == [
        ("2020", "TotalAmt"), ("2020", "CheckPayment.BankAccountRef")]


def test_vendor_credit(api):
    vendor = api.vendor()
    credit = api.create("VendorCredit", {"VendorRef": {"value": vendor["Id"]},
                                         "Line": [api.expense_line("25.00")]})
    assert credit["TotalAmt"] == 25
    assert credit["Balance"] == 25
    deleted = api.post("vendorcredit", {"Id": credit["Id"], "SyncToken": "0"},
                       {"operation": "delete"})
    assert deleted.json()["VendorCredit"]["status"] == "Deleted"


def test_company_info_and_preferences(api, sandbox):
    info = api.get(f"companyinfo/{sandbox.realm_id}").json()["CompanyInfo"]
    assert info["CompanyName"]
    assert info["Id"] == "1"
    assert api.errors(api.get("companyinfo/42"))[0]["code"] == "610"
    prefs = api.get("preferences").json()["Preferences"]
    assert prefs["CurrencyPrefs"]["HomeCurrency"]["value"] == "USD"
    updated = api.post("companyinfo", {"Id": "1", "SyncToken": info["SyncToken"],
                                       "sparse": True, "LegalName": "Legal Name LLC"})
    assert updated.json()["CompanyInfo"]["LegalName"] == "Legal Name LLC"
    assert updated.json()["CompanyInfo"]["CompanyName"] == info["CompanyName"]
    stale = api.post("preferences", {"Id": "1", "SyncToken": "99", "sparse": True})
    assert api.errors(stale)[0]["code"] == "5010"


def test_new_company_has_the_starting_accounts(api):
    accounts = api.query("select * from Account maxresults 1000")["Account"]
    types = {a["AccountType"] for a in accounts}
    assert {"Accounts Payable", "Accounts Receivable", "Expense", "Bank"} <= types
    assert api.query("select count(*) from Vendor") == {"totalCount": 0}
    assert api.query("select count(*) from Bill") == {"totalCount": 0}


def test_deactivated_account_gets_deleted_suffix(api):
    account = api.create("Account", {"Name": "Fees Billed", "AccountType": "Income"})
    made = api.create("Account", {"Id": account["Id"], "SyncToken": "0", "sparse": True,
                                  "Active": False, "Name": "Fees Billed"})
    assert made["Name"] == "Fees Billed (deleted)"
    assert api.errors(api.post("account", {"Name": "Fees Billed",
                                           "AccountType": "Income"}))[0]["code"] == "6240"


# --- request-level behaviour ------------------------------------------------------------------
def test_requestid_replays_the_first_response(api):
    vendor = api.vendor()
    body = {"VendorRef": {"value": vendor["Id"]}, "DocNumber": "R-1",
            "Line": [api.expense_line()]}
    first = api.post("bill", body, {"requestid": "4f1c7a8e-0d3a-4c55-9a0e-5b1b2d9e0001"})
    second = api.post("bill", body, {"requestid": "4f1c7a8e-0d3a-4c55-9a0e-5b1b2d9e0001"})
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert api.query("select count(*) from Bill") == {"totalCount": 1}
    # Another requestid is another request: this one is a duplicate bill number.
    third = api.post("bill", body, {"requestid": "other"})
    assert api.errors(third)[0]["code"] == "6140"
    assert api.post("bill", body, {"requestid": "other"}).json() == third.json()


def test_request_id_header_does_not_decide_idempotency(api):
    vendor = api.vendor()
    headers = {"Request-Id": "same-header"}
    for doc in ("H-1", "H-2"):
        response = api.post("bill", {"VendorRef": {"value": vendor["Id"]}, "DocNumber": doc,
                                     "Line": [api.expense_line()]}, headers=headers)
        assert response.status_code == 200
    assert api.query("select count(*) from Bill") == {"totalCount": 2}


def test_requestid_too_long_is_2050(api):
    response = api.post("vendor", {"DisplayName": "X"}, {"requestid": "r" * 51})
    error = api.errors(response)[0]
    assert error["code"] == "2050"
    assert error["element"] == "requestid"
    assert "Max:50 supported. Supplied length:51" in error["Detail"]


def test_unknown_resource_is_unsupported_operation(api, sandbox):
    response = api.get("invoicez/1")
    error = api.errors(response)[0]
    assert error["code"] == "500"
    assert error["Message"] == "Unsupported Operation"
    relative = f"/v3/company/{sandbox.realm_id}/invoicez/1"
    assert error["Detail"].startswith(f"Operation Could not find resource for relative : "
                                      f"{relative} of full path: ")
    assert error["Detail"].endswith(" is not supported.")


def test_malformed_json_is_2010(api):
    response = api.session.post(api.url("vendor"), data="{not json",
                                headers={"Content-Type": "application/json"}, timeout=30)
    error = api.errors(response)[0]
    assert error["code"] == "2010"


def test_a_crash_is_a_json_system_fault(api, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(query_module, "execute", boom)
    response = api.get("query", query="select * from Vendor")
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("application/json")
    fault = response.json()["Fault"]
    assert fault["type"] == "SystemFault"
    assert fault["Error"][0]["code"] == "10000"
    assert fault["Error"][0]["Message"] == ("An application error has occurred while "
                                            "processing your request")
    assert fault["Error"][0]["Detail"].startswith("System Failure Error: ")


def test_errors_are_json_even_when_xml_is_also_accepted(api):
    response = api.session.get(api.url("vendor/999"), timeout=30,
                               headers={"Accept": "application/json, application/xml"})
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == "610"


def test_hooks_see_every_api_request(api, sandbox):
    seen = []
    sandbox.before_hooks.append(lambda ctx: seen.append((ctx.method, ctx.path)))
    sandbox.after_hooks.append(lambda ctx, response: response)
    api.get("preferences")
    api.query("select * from Vendor")
    assert seen == [("GET", "preferences"), ("GET", "query")]


def test_po_status_follows_links_unless_set_by_hand(api):
    vendor = api.vendor()
    po = api.create("PurchaseOrder", {"VendorRef": {"value": vendor["Id"]},
                                      "TxnDate": "2025-01-01",
                                      "Line": [api.expense_line("5"), api.expense_line("6")]})
    closed = api.create("PurchaseOrder", {"Id": po["Id"], "SyncToken": po["SyncToken"],
                                          "sparse": True, "POStatus": "Closed"})
    assert closed["POStatus"] == "Closed"
    note = api.create("PurchaseOrder", {"Id": po["Id"], "SyncToken": closed["SyncToken"],
                                        "sparse": True, "PrivateNote": "closed by hand"})
    assert note["POStatus"] == "Closed"
    reopened = api.create("PurchaseOrder", {**note, "POStatus": "Open"})
    assert reopened["POStatus"] == "Open"
    bad = api.post("purchaseorder", {**reopened, "POStatus": "Pending"})
    assert api.errors(bad)[0]["code"] == "2170"


def test_line_description_limit(api):
    vendor = api.vendor()
    line = api.expense_line(Description="d" * 4001)
    error = api.errors(api.post("bill", {"VendorRef": {"value": vendor["Id"]},
                                         "Line": [line]}))[0]
    assert error["code"] == "2050"
    assert error["element"] == "Line.Description"


def test_concurrent_writes_get_distinct_ids(api, sandbox):
    from concurrent.futures import ThreadPoolExecutor

    def make(n: int) -> str:
        return api.create("Vendor", {"DisplayName": f"Parallel {n}"})["Id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(make, range(40)))
    assert len(set(ids)) == 40
    assert api.query("select count(*) from Vendor") == {"totalCount": 40}
    # Same name from many threads at once: exactly one wins, the rest get 6240.
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda _: api.post("vendor", {"DisplayName": "Race"}).status_code,
                              range(16)))
    assert sorted(codes) == [200] + [400] * 15


def test_vendor_balance_follows_open_bills_and_credits(api):
    vendor = api.vendor()
    bank = api.account_id("Checking")
    bill = api.create("Bill", {"VendorRef": {"value": vendor["Id"]},
                               "Line": [api.expense_line("100.00")]})
    api.create("VendorCredit", {"VendorRef": {"value": vendor["Id"]},
                                "Line": [api.expense_line("15.50")]})
    api.create("BillPayment", {
        "VendorRef": {"value": vendor["Id"]}, "PayType": "Check", "TotalAmt": 30,
        "CheckPayment": {"BankAccountRef": {"value": bank}},
        "Line": [{"Amount": 30, "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Bill"}]}]})
    assert api.get(f"vendor/{vendor['Id']}").json()["Vendor"]["Balance"] == 54.5


def test_update_with_numeric_sync_token_and_string_sparse(api):
    vendor = api.vendor()
    updated = api.create("Vendor", {"Id": vendor["Id"], "SyncToken": 0, "sparse": "true",
                                    "AcctNum": "A-1"})
    assert updated["SyncToken"] == "1"
    assert updated["AcctNum"] == "A-1"
    assert updated["DisplayName"] == vendor["DisplayName"]


def test_a_crash_is_not_replayed_for_its_requestid(api, monkeypatch):
    real_save = ops.save

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(ops, "save", boom)
    failed = api.post("vendor", {"DisplayName": "Retry Me"}, {"requestid": "crash-1"})
    assert failed.status_code == 500
    assert failed.json()["Fault"]["type"] == "SystemFault"
    monkeypatch.setattr(ops, "save", real_save)
    retried = api.post("vendor", {"DisplayName": "Retry Me"}, {"requestid": "crash-1"})
    assert retried.status_code == 200
    assert api.post("vendor", {"DisplayName": "Retry Me"},
                    {"requestid": "crash-1"}).json() == retried.json()


def test_sub_accounts(api):
    parent = api.create("Account", {"Name": "Utilities", "AccountType": "Expense"})
    child = api.create("Account", {"Name": "Electric", "AccountType": "Expense",
                                   "ParentRef": {"value": parent["Id"]}})
    assert child["FullyQualifiedName"] == "Utilities:Electric"
    assert child["SubAccount"] is True
    assert child["ParentRef"] == {"value": parent["Id"], "name": "Utilities"}
    vendor = api.vendor()
    error = api.errors(api.post("account", {"Name": "Gas", "AccountType": "Expense",
                                            "ParentRef": {"value": vendor["Id"]}}))[0]
    assert error["code"] == "2500"
    assert error["Detail"] == f"Invalid Reference Id : Accounts element id {vendor['Id']} not found"
