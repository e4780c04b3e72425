"""create → query → update → batch → CDC for Vendor, PurchaseOrder and Bill."""

from __future__ import annotations

from datetime import timedelta


def test_vendor_po_bill_round_trip(api, sandbox):
    sandbox.advance_clock(5)
    start = (sandbox.clock.now() - timedelta(seconds=1)).isoformat(timespec="seconds")
    cogs = api.account_id("Cost of Goods Sold")
    item = api.create("Item", {"Name": "Widget", "Type": "NonInventory",
                               "ExpenseAccountRef": {"value": cogs}})

    # create
    vendor = api.vendor("Round Trip Supplies")
    po = api.create("PurchaseOrder", {
        "VendorRef": {"value": vendor["Id"]}, "TxnDate": "2025-03-01", "DocNumber": "PO-1001",
        "Line": [{"DetailType": "ItemBasedExpenseLineDetail", "Amount": 150.00,
                  "Description": "Widgets",
                  "ItemBasedExpenseLineDetail": {"ItemRef": {"value": item["Id"]}, "Qty": 10,
                                                 "UnitPrice": 15,
                                                 "BillableStatus": "NotBillable"}},
                 api.expense_line("99.00")]})
    assert po["POStatus"] == "Open"
    assert po["TotalAmt"] == 249

    # query
    found = api.query("select * from PurchaseOrder where DocNumber = 'PO-1001'")
    assert [p["Id"] for p in found["PurchaseOrder"]] == [po["Id"]]
    found = api.query("select * from Vendor where DisplayName = 'Round Trip Supplies'")
    assert found["Vendor"][0]["Id"] == vendor["Id"]

    # update (full, after a fresh read)
    fresh = api.get(f"vendor/{vendor['Id']}").json()["Vendor"]
    vendor = api.create("Vendor", {**fresh, "CompanyName": "Round Trip Supplies LLC"})
    assert vendor["SyncToken"] == "1"
    fresh_po = api.get(f"purchaseorder/{po['Id']}").json()["PurchaseOrder"]
    po = api.create("PurchaseOrder", {**fresh_po, "Memo": "Please ship by Friday"})
    assert po["SyncToken"] == "1"

    # A bill for the first PO line only: the PO stays open.
    bill1 = api.create("Bill", {
        "VendorRef": {"value": vendor["Id"]}, "TxnDate": "2025-03-02", "DocNumber": "INV-4411",
        "Line": [{"DetailType": "ItemBasedExpenseLineDetail", "Amount": 150.00,
                  "ItemBasedExpenseLineDetail": {"ItemRef": {"value": item["Id"]}, "Qty": 10,
                                                 "UnitPrice": 15},
                  "LinkedTxn": [{"TxnId": po["Id"], "TxnType": "PurchaseOrder",
                                 "TxnLineId": po["Line"][0]["Id"]}]}]})
    assert bill1["Line"][0]["LinkedTxn"] == [{"TxnId": po["Id"], "TxnType": "PurchaseOrder",
                                              "TxnLineId": "1"}]
    assert bill1["LinkedTxn"] == [{"TxnId": po["Id"], "TxnType": "PurchaseOrder"}]
    po = api.get(f"purchaseorder/{po['Id']}").json()["PurchaseOrder"]
    assert po["POStatus"] == "Open"
    assert po["LinkedTxn"] == [{"TxnId": bill1["Id"], "TxnType": "Bill"}]
    assert po["SyncToken"] == "2"

    # batch: the second bill covers the remaining line and closes the PO.
    response = api.post("batch", {"BatchItemRequest": [
        {"bId": "b2", "operation": "create", "Bill": {
            "VendorRef": {"value": vendor["Id"]}, "TxnDate": "2025-03-05",
            "DocNumber": "INV-4412",
            "Line": [api.expense_line("99.00", LinkedTxn=[{
                "TxnId": po["Id"], "TxnType": "PurchaseOrder",
                "TxnLineId": po["Line"][1]["Id"]}])]}},
        {"bId": "v", "operation": "update", "Vendor": {
            "Id": vendor["Id"], "SyncToken": vendor["SyncToken"], "sparse": True,
            "AcctNum": "C-77"}},
        {"bId": "q", "Query": f"select * from Bill where VendorRef = '{vendor['Id']}'"}]})
    items = {i["bId"]: i for i in response.json()["BatchItemResponse"]}
    bill2 = items["b2"]["Bill"]
    assert items["v"]["Vendor"]["AcctNum"] == "C-77"
    assert len(items["q"]["QueryResponse"]["Bill"]) == 2
    po = api.get(f"purchaseorder/{po['Id']}").json()["PurchaseOrder"]
    assert po["POStatus"] == "Closed"
    assert po["LinkedTxn"] == [{"TxnId": bill1["Id"], "TxnType": "Bill"},
                               {"TxnId": bill2["Id"], "TxnType": "Bill"}]
    assert api.query("select * from PurchaseOrder where POStatus = 'Closed'")[
        "PurchaseOrder"][0]["Id"] == po["Id"]

    # A closed PO cannot take another bill.
    extra = api.post("bill", {"VendorRef": {"value": vendor["Id"]}, "TxnDate": "2025-03-06",
                              "Line": [api.expense_line("1.00", LinkedTxn=[{
                                  "TxnId": po["Id"], "TxnType": "PurchaseOrder",
                                  "TxnLineId": "1"}])]})
    assert api.errors(extra)[0]["code"] == "620"

    # Deleting a bill reopens the PO.
    api.post("bill", {"Id": bill2["Id"], "SyncToken": bill2["SyncToken"]},
             {"operation": "delete"})
    reopened = api.get(f"purchaseorder/{po['Id']}").json()["PurchaseOrder"]
    assert reopened["POStatus"] == "Open"
    assert reopened["LinkedTxn"] == [{"TxnId": bill1["Id"], "TxnType": "Bill"}]

    # CDC sees all of it.
    cdc = api.get("cdc", entities="Vendor,PurchaseOrder,Bill", changedSince=start).json()
    vendors, pos, bills = cdc["CDCResponse"][0]["QueryResponse"]
    assert [v["AcctNum"] for v in vendors["Vendor"]] == ["C-77"]
    assert pos["PurchaseOrder"][0]["POStatus"] == "Open"
    assert pos["PurchaseOrder"][0]["SyncToken"] == reopened["SyncToken"]
    by_id = {b["Id"]: b for b in bills["Bill"]}
    assert by_id[bill1["Id"]]["DocNumber"] == "INV-4411"
    assert by_id[bill2["Id"]]["status"] == "Deleted"
