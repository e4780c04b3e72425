"""Business rules answer with QBO's real Faults, compared field by field with API.md §7."""

from __future__ import annotations

import pytest

VALIDATION = "ValidationFault"
MSG_6000 = "A business validation error has occurred while processing your request"
INACTIVE_610 = ("Object Not Found : Something you're trying to use has been made inactive. "
                "Check the fields with accounts, customers, items, vendors or employees.")
DUP_6240 = ("The name supplied already exists. : Another customer, vendor or employee is "
            "already using this name. Please use a different name.")
BILL_BEFORE_PO = ("Business Validation Error: Add a purchase order that was created before this "
                  "transaction, or make sure the date of the transaction is correct.")
PERIOD_CLOSED = ("The account period has closed and the account books cannot be updated through "
                 "the QBO Services API. Please use the QBO website to make these changes.")


def only(errors: list[dict]) -> dict:
    assert len(errors) == 1, errors
    return errors[0]


def fault_type(response) -> str:
    return response.json()["Fault"]["type"]


# --- 6240 duplicate names ---------------------------------------------------------------
@pytest.mark.parametrize("other", ["Vendor", "Customer", "Employee"])
def test_display_name_unique_across_vendor_customer_employee(api, other):
    api.create(other, {"DisplayName": "Robertson & Associates"})
    response = api.post("vendor", {"DisplayName": "Robertson & Associates"})
    error = only(api.errors(response))
    assert error == {"Message": "Duplicate Name Exists Error", "Detail": DUP_6240,
                     "code": "6240", "element": ""}
    assert fault_type(response) == VALIDATION


def test_inactive_vendor_gets_deleted_suffix_and_keeps_its_name_taken(api):
    vendor = api.vendor("Boraski Family Store")
    response = api.post("vendor", {"Id": vendor["Id"], "SyncToken": vendor["SyncToken"],
                                   "sparse": True, "Active": False})
    assert response.status_code == 200, response.text
    inactive = response.json()["Vendor"]
    assert inactive["DisplayName"] == "Boraski Family Store (deleted)"
    assert inactive["PrintOnCheckName"] == "Boraski Family Store"
    assert inactive["Active"] is False
    assert inactive["SyncToken"] == "1"
    # The original name still counts as used, for a customer too.
    for entity in ("Vendor", "Customer"):
        error = only(api.errors(api.post(entity.lower(), {"DisplayName": "boraski family store"})))
        assert error["code"] == "6240"


def test_reactivating_restores_the_name(api):
    vendor = api.vendor("Comeback Co")
    inactive = api.create("Vendor", {"Id": vendor["Id"], "SyncToken": "0", "sparse": True,
                                     "Active": False})
    active = api.create("Vendor", {**inactive, "Active": True})
    assert active["DisplayName"] == "Comeback Co"
    assert active["SyncToken"] == "2"


def test_renaming_onto_a_taken_name_is_6240(api):
    api.vendor("First")
    second = api.vendor("Second")
    response = api.post("vendor", {**second, "DisplayName": "First"})
    assert only(api.errors(response))["code"] == "6240"


def test_vendor_without_any_name_is_6080(api):
    error = only(api.errors(api.post("vendor", {"DisplayName": "", "CompanyName": "X"})))
    assert error["code"] == "6080"
    assert error["Message"] == "No Name Provided"


def test_vendor_name_parts_make_the_display_name(api):
    vendor = api.create("Vendor", {"GivenName": "Bessie", "FamilyName": "Williams"})
    assert vendor["DisplayName"] == "Bessie Williams"


# --- 610 / 2500 references -------------------------------------------------------------
def test_inactive_vendor_on_a_bill_is_610(api):
    vendor = api.vendor("Gone Vendor")
    api.create("Vendor", {"Id": vendor["Id"], "SyncToken": "0", "sparse": True, "Active": False})
    response = api.post("bill", {"VendorRef": {"value": vendor["Id"]},
                                 "Line": [api.expense_line()]})
    error = only(api.errors(response))
    assert error == {"Message": "Object Not Found", "Detail": INACTIVE_610, "code": "610",
                     "element": "VendorRef"}


def test_inactive_account_and_item_on_lines_are_610(api):
    vendor = api.vendor()
    account = api.create("Account", {"Name": "Old Costs", "AccountType": "Expense"})
    api.create("Account", {"Id": account["Id"], "SyncToken": "0", "sparse": True,
                           "Active": False, "Name": "Old Costs"})
    item = api.create("Item", {"Name": "Widget", "Type": "NonInventory"})
    api.create("Item", {**item, "Active": False})
    response = api.post("purchaseorder", {
        "VendorRef": {"value": vendor["Id"]},
        "Line": [api.expense_line(account=account["Id"]),
                 {"DetailType": "ItemBasedExpenseLineDetail", "Amount": 10,
                  "ItemBasedExpenseLineDetail": {"ItemRef": {"value": item["Id"]}}}]})
    errors = api.errors(response)
    assert [(e["code"], e["element"]) for e in errors] == [
        ("610", "Line.AccountBasedExpenseLineDetail.AccountRef"),
        ("610", "Line.ItemBasedExpenseLineDetail.ItemRef")]
    assert all(e["Detail"] == INACTIVE_610 for e in errors)


def test_unknown_references_are_2500(api):
    response = api.post("bill", {"VendorRef": {"value": "9999"},
                                 "Line": [api.expense_line(account="8888")]})
    errors = api.errors(response)
    assert errors == [
        {"Message": "Invalid Reference Id",
         "Detail": "Invalid Reference Id : Names element id 9999 not found", "code": "2500",
         "element": "VendorRef"},
        {"Message": "Invalid Reference Id",
         "Detail": "Invalid Reference Id : Accounts element id 8888 not found", "code": "2500",
         "element": "Line.AccountBasedExpenseLineDetail.AccountRef"}]


# --- 6000 business rules --------------------------------------------------------------------
@pytest.mark.parametrize(("entity", "label"), [("Bill", "a Bill"),
                                                ("PurchaseOrder", "a Purchase Order")])
def test_ap_account_on_a_line_is_6000(api, entity, label):
    vendor = api.vendor()
    ap = api.account_id("Accounts Payable (A/P)")
    response = api.post(entity.lower(), {"VendorRef": {"value": vendor["Id"]},
                                         "Line": [api.expense_line(account=ap)]})
    error = only(api.errors(response))
    assert error == {"Message": MSG_6000,
                     "Detail": "Business Validation Error: You can't use an Accounts Payable "
                               f"account on the detail portion of {label}.",
                     "code": "6000", "element": ""}
    assert fault_type(response) == VALIDATION


@pytest.mark.parametrize("entity", ["Bill", "PurchaseOrder"])
def test_ar_account_on_a_line_is_6000(api, entity):
    vendor = api.vendor()
    ar = api.account_id("Accounts Receivable (A/R)")
    error = only(api.errors(api.post(entity.lower(), {"VendorRef": {"value": vendor["Id"]},
                                                      "Line": [api.expense_line(account=ar)]})))
    assert error["code"] == "6000"
    assert error["Message"] == MSG_6000
    assert error["Detail"] == ("Business Validation Error: When you use Accounts Receivable, "
                               "you must choose a customer in the Name field.")


def _po(api, vendor_id: str, date: str, lines: int = 1) -> dict:
    return api.create("PurchaseOrder", {
        "VendorRef": {"value": vendor_id}, "TxnDate": date,
        "Line": [api.expense_line("10.00") for _ in range(lines)]})


def _linked_line(api, po: dict, line_id: str = "1", amount: str = "10.00") -> dict:
    return api.expense_line(amount, LinkedTxn=[{"TxnId": po["Id"], "TxnType": "PurchaseOrder",
                                                "TxnLineId": line_id}])


def test_bill_dated_before_its_po_is_6000(api):
    vendor = api.vendor()
    po = _po(api, vendor["Id"], "2025-03-10")
    response = api.post("bill", {"VendorRef": {"value": vendor["Id"]}, "TxnDate": "2025-03-09",
                                 "Line": [_linked_line(api, po)]})
    error = only(api.errors(response))
    assert error == {"Message": MSG_6000, "Detail": BILL_BEFORE_PO, "code": "6000",
                     "element": ""}
    # Same day is fine.
    ok = api.post("bill", {"VendorRef": {"value": vendor["Id"]}, "TxnDate": "2025-03-10",
                           "Line": [_linked_line(api, po)]})
    assert ok.status_code == 200, ok.text


def test_linking_a_po_of_another_vendor_is_620(api):
    vendor, other = api.vendor("V1"), api.vendor("V2")
    po = _po(api, other["Id"], "2025-03-01")
    error = only(api.errors(api.post("bill", {"VendorRef": {"value": vendor["Id"]},
                                              "Line": [_linked_line(api, po)]})))
    assert error["code"] == "620"
    assert error["Message"] == "Txn ID Cannot Be Linked"
    assert error["Detail"] == (f"The Txn ID (identified by {po['Id']}) you're trying to use "
                               "can't be linked.")


# --- Bill updates and their PO links (API.md §3.2 full update, §3.7 linking) ------------------
def _read(api, entity: str, obj_id: str) -> dict:
    return api.get(f"{entity.lower()}/{obj_id}").json()[entity]


def _linked_bill(api, lines: int = 2) -> tuple[dict, dict]:
    """A PO of ``lines`` lines and a Bill linking every one of them (the PO is Closed)."""
    vendor = api.vendor()
    po = _po(api, vendor["Id"], "2025-03-01", lines)
    bill = api.create("Bill", {"VendorRef": {"value": vendor["Id"]}, "TxnDate": "2025-03-05",
                               "Line": [_linked_line(api, po, line["Id"])
                                        for line in po["Line"]]})
    assert _read(api, "PurchaseOrder", po["Id"])["POStatus"] == "Closed"
    return _read(api, "PurchaseOrder", po["Id"]), bill


def _po_links(obj: dict) -> list[tuple[str, str]]:
    return [(link["TxnId"], link["TxnLineId"]) for line in obj["Line"]
            for link in line.get("LinkedTxn", [])]


def test_a_bill_update_omitting_a_lines_link_drops_it_and_reopens_the_po(api):
    po, bill = _linked_bill(api)
    first, second = bill["Line"]
    second = {k: v for k, v in second.items() if k != "LinkedTxn"}
    updated = api.create("Bill", {**bill, "PrivateNote": "edited", "Line": [first, second]})
    assert [line["Id"] for line in updated["Line"]] == ["1", "2"]
    assert _po_links(updated) == [(po["Id"], "1")]
    reopened = _read(api, "PurchaseOrder", po["Id"])
    assert reopened["POStatus"] == "Open"
    assert reopened["SyncToken"] == str(int(po["SyncToken"]) + 1)
    assert reopened["LinkedTxn"] == [{"TxnId": bill["Id"], "TxnType": "Bill"}]
    unlinked = api.create("Bill", {**updated, "Line": [
        {k: v for k, v in line.items() if k != "LinkedTxn"} for line in updated["Line"]]})
    assert _po_links(unlinked) == [] and "LinkedTxn" not in unlinked
    assert "LinkedTxn" not in _read(api, "PurchaseOrder", po["Id"])


def test_a_bill_update_repeating_its_links_keeps_them_and_the_po_closed(api):
    po, bill = _linked_bill(api)
    updated = api.create("Bill", {**bill, "PrivateNote": "edited"})
    assert updated["PrivateNote"] == "edited" and updated["SyncToken"] == "1"
    assert _po_links(updated) == [(po["Id"], "1"), (po["Id"], "2")]
    assert updated["LinkedTxn"] == [{"TxnId": po["Id"], "TxnType": "PurchaseOrder"}]
    after = _read(api, "PurchaseOrder", po["Id"])
    assert after["POStatus"] == "Closed" and after["SyncToken"] == po["SyncToken"]


def test_a_link_added_to_an_existing_bill_line_is_left_out(api):
    """Only a new line (no Id) takes a link on an update (API.md §3.7)."""
    vendor = api.vendor()
    po = _po(api, vendor["Id"], "2025-03-01")
    bill = api.create("Bill", {"VendorRef": {"value": vendor["Id"]}, "TxnDate": "2025-03-05",
                               "Line": [api.expense_line("10.00")]})
    link = {"TxnId": po["Id"], "TxnType": "PurchaseOrder", "TxnLineId": "1"}
    ignored = api.create("Bill", {**bill, "Line": [{**bill["Line"][0], "LinkedTxn": [link]}]})
    assert _po_links(ignored) == [] and ignored["Line"][0]["Id"] == "1"
    assert _read(api, "PurchaseOrder", po["Id"])["POStatus"] == "Open"
    # The same link on a new line (no Id) is taken, and the PO closes.
    new_line = {k: v for k, v in ignored["Line"][0].items() if k not in ("Id", "LineNum")}
    linked = api.create("Bill", {**ignored, "Line": [{**new_line, "LinkedTxn": [link]}]})
    assert _po_links(linked) == [(po["Id"], "1")] and linked["Line"][0]["Id"] == "2"
    assert _read(api, "PurchaseOrder", po["Id"])["POStatus"] == "Closed"
    # Re-pointing an existing line's link is a new link too: left out, so the old one goes.
    other = _po(api, vendor["Id"], "2025-03-01")
    moved = api.create("Bill", {**linked, "Line": [{**linked["Line"][0], "LinkedTxn": [
        {**link, "TxnId": other["Id"]}]}]})
    assert _po_links(moved) == []
    assert _read(api, "PurchaseOrder", po["Id"])["POStatus"] == "Open"
    assert _read(api, "PurchaseOrder", other["Id"])["POStatus"] == "Open"


# --- 6140 duplicate bill numbers ---------------------------------------------------------------
def _bill(api, vendor_id: str, doc: str, **params):
    return api.post("bill", {"VendorRef": {"value": vendor_id}, "DocNumber": doc,
                             "Line": [api.expense_line()]}, params or None)


def test_duplicate_bill_number_for_the_same_vendor_is_6140(api):
    vendor = api.vendor()
    first = _bill(api, vendor["Id"], "INV-4411").json()["Bill"]
    response = _bill(api, vendor["Id"], "INV-4411")
    error = only(api.errors(response))
    assert error == {
        "Message": "Duplicate Document Number Error",
        "Detail": "Duplicate Document Number Error : You must specify a different number. This "
                  "number has already been used. DocNumber=INV-4411 is assigned to TxnType=Bill "
                  f"with TxnId={first['Id']}",
        "code": "6140", "element": "DocNumber"}
    # Another vendor may use the same number.
    assert _bill(api, api.vendor("Other")["Id"], "INV-4411").status_code == 200


def test_allowduplicatedocnum_accepts_a_duplicate(api):
    vendor = api.vendor()
    assert _bill(api, vendor["Id"], "INV-1").status_code == 200
    response = _bill(api, vendor["Id"], "INV-1", include="allowduplicatedocnum")
    assert response.status_code == 200, response.text


def test_preference_off_accepts_a_duplicate(api, sandbox):
    vendor = api.vendor()
    assert _bill(api, vendor["Id"], "INV-1").status_code == 200
    sandbox.set_preference("WarnDuplicateBillNumber", "false")
    assert _bill(api, vendor["Id"], "INV-1").status_code == 200


def test_preference_can_be_turned_off_over_http(api):
    prefs = api.get("preferences").json()["Preferences"]
    pairs = {p["Name"]: p["Value"] for p in prefs["OtherPrefs"]["NameValue"]}
    assert pairs["WarnDuplicateBillNumber"] == "true"
    response = api.post("preferences", {
        "Id": prefs["Id"], "SyncToken": prefs["SyncToken"], "sparse": True,
        "OtherPrefs": {"NameValue": [{"Name": "WarnDuplicateBillNumber", "Value": "false"}]}})
    assert response.status_code == 200, response.text
    vendor = api.vendor()
    assert _bill(api, vendor["Id"], "X").status_code == 200
    assert _bill(api, vendor["Id"], "X").status_code == 200


# --- 2050 / 2020 ------------------------------------------------------------------------------
def test_over_long_doc_number_is_2050_with_element_and_max(api):
    vendor = api.vendor()
    response = _bill(api, vendor["Id"], "X" * 45)
    error = only(api.errors(response))
    assert error == {
        "Message": "String length is either shorter or longer than supported by specification",
        "Detail": "String length specified does not match the supported length. Min:0 Max:21 "
                  "supported. Supplied length:45",
        "code": "2050", "element": "DocNumber"}


@pytest.mark.parametrize(("entity", "field", "limit"), [
    ("Vendor", "DisplayName", 500), ("Vendor", "CompanyName", 100), ("Vendor", "Title", 16),
    ("Vendor", "TaxIdentifier", 20), ("Account", "Name", 100), ("Item", "Name", 100),
    ("Item", "PurchaseDesc", 1000), ("Item", "Sku", 100)])
def test_name_list_length_limits(api, entity, field, limit):
    body = {"Vendor": {"DisplayName": "ok"}, "Account": {"Name": "ok", "AccountType": "Expense"},
            "Item": {"Name": "ok", "Type": "Service"}}[entity]
    body = {**body, field: "y" * (limit + 1)}
    error = only(api.errors(api.post(entity.lower(), body)))
    assert error["code"] == "2050"
    assert error["element"] == field
    assert f"Max:{limit:,} supported. Supplied length:{limit + 1:,}" in error["Detail"]
    body[field] = "y" * limit
    assert api.post(entity.lower(), body).status_code == 200


def test_missing_required_fields_are_2020(api):
    response = api.post("bill", {"DocNumber": "A1"})
    errors = api.errors(response)
    message = "Required param missing, need to supply the required value for the API"
    assert errors == [
        {"Message": message, "Detail": "Required parameter VendorRef is missing in the request",
         "code": "2020", "element": "VendorRef"},
        {"Message": message, "Detail": "Required parameter Line is missing in the request",
         "code": "2020", "element": "Line"}]


def test_missing_account_ref_on_a_line_is_2020(api):
    vendor = api.vendor()
    error = only(api.errors(api.post("purchaseorder", {
        "VendorRef": {"value": vendor["Id"]},
        "Line": [{"DetailType": "AccountBasedExpenseLineDetail", "Amount": 5,
                  "AccountBasedExpenseLineDetail": {}}]})))
    assert error["code"] == "2020"
    assert error["Detail"] == "Required parameter AccountRef is missing in the request"
    assert error["element"] == "Line.AccountBasedExpenseLineDetail.AccountRef"


# --- 5010 / 610 -----------------------------------------------------------------------------
def test_stale_sync_token_is_5010(api):
    vendor = api.vendor()
    api.create("Vendor", {**vendor, "CompanyName": "New"})
    response = api.post("vendor", {**vendor, "CompanyName": "Newer"})
    error = only(api.errors(response))
    assert error["code"] == "5010"
    assert error["Message"] == "Stale Object Error"
    assert error["Detail"].startswith("Stale Object Error : You and ")
    assert error["Detail"].endswith(" finished before you did, so your work was not saved.")
    assert "were working on this at the same time." in error["Detail"]


def test_unknown_id_on_read_is_610(api):
    response = api.get("vendor/4242")
    assert only(api.errors(response)) == {"Message": "Object Not Found", "Detail": INACTIVE_610,
                                          "code": "610", "element": ""}


def test_unknown_id_on_update_is_610(api):
    response = api.post("vendor", {"Id": "4242", "SyncToken": "0", "DisplayName": "X"})
    assert only(api.errors(response))["code"] == "610"


def test_non_numeric_id_is_2030(api):
    error = only(api.errors(api.get("vendor/1.5")))
    assert error["code"] == "2030"
    assert error["Detail"] == "Id should be a valid number. Supplied value:1.5"


# --- 6070 amount calculation --------------------------------------------------------------
def _item_line(item_id: str, amount, qty, price) -> dict:
    return {"DetailType": "ItemBasedExpenseLineDetail", "Amount": amount,
            "ItemBasedExpenseLineDetail": {"ItemRef": {"value": item_id}, "Qty": qty,
                                           "UnitPrice": price}}


def test_amount_not_qty_times_price_is_6070(api):
    vendor = api.vendor()
    item = api.create("Item", {"Name": "Widget", "Type": "NonInventory"})
    response = api.post("purchaseorder", {"VendorRef": {"value": vendor["Id"]},
                                          "Line": [_item_line(item["Id"], 150.01, 10, 15)]})
    error = only(api.errors(response))
    assert error == {"Message": "Amount calculation incorrect in the request",
                     "Detail": "The amount isn't equal to the Qty * UnitPrice. Supplied value: "
                               "150.01.",
                     "code": "6070", "element": "Line.Amount"}


def test_amount_check_uses_decimal_not_float(api):
    vendor = api.vendor()
    item = api.create("Item", {"Name": "Widget", "Type": "NonInventory"})
    # 3 * 0.1 is 0.30000000000000004 in binary floating point.
    response = api.post("purchaseorder", {"VendorRef": {"value": vendor["Id"]},
                                          "Line": [_item_line(item["Id"], 0.3, 3, 0.1),
                                                   _item_line(item["Id"], 33.34, 3, 11.1133)]})
    assert response.status_code == 200, response.text
    assert response.json()["PurchaseOrder"]["TotalAmt"] == 33.64


# --- 6200 closing date -----------------------------------------------------------------------
def test_txn_dated_on_or_before_the_closing_date_is_6200(api, sandbox):
    vendor = api.vendor()
    sandbox.set_closing_date("2025-01-31")
    for day in ("2025-01-31", "2025-01-02"):
        response = api.post("bill", {"VendorRef": {"value": vendor["Id"]}, "TxnDate": day,
                                     "Line": [api.expense_line()]})
        assert only(api.errors(response)) == {"Message": "Account Period Closed",
                                              "Detail": PERIOD_CLOSED, "code": "6200",
                                              "element": ""}
    ok = api.post("bill", {"VendorRef": {"value": vendor["Id"]}, "TxnDate": "2025-02-01",
                           "Line": [api.expense_line()]})
    assert ok.status_code == 200
    prefs = api.get("preferences").json()["Preferences"]
    assert prefs["AccountingInfoPrefs"]["BookCloseDate"] == "2025-01-31"


def test_deleting_a_txn_in_a_closed_period_is_6200(api, sandbox):
    vendor = api.vendor()
    bill = api.create("Bill", {"VendorRef": {"value": vendor["Id"]}, "TxnDate": "2025-01-15",
                               "Line": [api.expense_line()]})
    sandbox.set_closing_date("2025-01-31")
    response = api.post("bill", {"Id": bill["Id"], "SyncToken": bill["SyncToken"]},
                        {"operation": "delete"})
    assert only(api.errors(response))["code"] == "6200"


# --- several errors at once ---------------------------------------------------------------
def test_several_problems_come_back_as_several_errors(api, sandbox):
    vendor = api.vendor()
    sandbox.set_closing_date("2025-12-31")
    ap = api.account_id("Accounts Payable (A/P)")
    response = api.post("bill", {"VendorRef": {"value": vendor["Id"]}, "TxnDate": "2025-06-01",
                                 "DocNumber": "D" * 22, "PrivateNote": "n" * 4001,
                                 "Line": [api.expense_line(account=ap)]})
    errors = api.errors(response)
    assert sorted(e["code"] for e in errors) == ["2050", "2050", "6000", "6200"]
    assert {e["element"] for e in errors if e["code"] == "2050"} == {"DocNumber", "PrivateNote"}
    assert any("Max:4,000 supported. Supplied length:4,001" in e["Detail"] for e in errors)


def test_invalid_enumeration_is_2170(api):
    vendor = api.vendor()
    line = api.expense_line()
    line["AccountBasedExpenseLineDetail"]["BillableStatus"] = "HAS_BEEN_BILLED"
    error = only(api.errors(api.post("bill", {"VendorRef": {"value": vendor["Id"]},
                                              "Line": [line]})))
    assert error["code"] == "2170"
    assert error["Detail"] == "Invalid Enumeration : HAS_BEEN_BILLED"


def test_inventory_item_without_tracking_is_6000(api):
    error = only(api.errors(api.post("item", {"Name": "Stock", "Type": "Inventory"})))
    assert error["code"] == "6000"
    assert "the item cannot be of type Inventory." in error["Detail"]


def test_account_without_type_is_6010_and_duplicate_name_is_6240(api):
    assert only(api.errors(api.post("account", {"Name": "Loose"})))["code"] == "6010"
    error = only(api.errors(api.post("account", {"Name": "checking", "AccountType": "Bank"})))
    assert error["code"] == "6240"
