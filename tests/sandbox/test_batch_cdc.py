"""Batch (bId, per-item Faults, 1040) and change data capture."""

from __future__ import annotations

from datetime import timedelta, timezone


def test_batch_items_answer_by_bid(api):
    stale = api.vendor("Stale Vendor")
    api.create("Vendor", {**stale, "CompanyName": "moved on"})
    response = api.post("batch", {"BatchItemRequest": [
        {"bId": "bid1", "operation": "create", "Vendor": {"DisplayName": "Boraski Family Store"}},
        {"bId": "bid2", "operation": "delete", "Bill": {"Id": "129", "SyncToken": "0"}},
        {"bId": "bid3", "operation": "update",
         "Vendor": {"sparse": True, "Id": stale["Id"], "SyncToken": "0", "Title": "Mr"}},
        {"bId": "bid4", "Query": "select * from Vendor where DisplayName like 'Bor%'"},
        {"bId": "bid5", "Query": "select * from Custmoer"},
    ]})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"BatchItemResponse", "time"}
    items = {item["bId"]: item for item in body["BatchItemResponse"]}
    assert items["bid1"]["Vendor"]["DisplayName"] == "Boraski Family Store"
    assert items["bid1"]["Vendor"]["SyncToken"] == "0"
    assert items["bid2"]["Fault"] == {"Error": [{
        "Message": "Object Not Found",
        "Detail": "Object Not Found : Something you're trying to use has been made inactive. "
                  "Check the fields with accounts, customers, items, vendors or employees.",
        "code": "610", "element": ""}], "type": "ValidationFault"}
    error = items["bid3"]["Fault"]["Error"][0]
    assert error["code"] == "5010"
    assert error["Message"] == "Stale Object Error"
    assert items["bid4"]["QueryResponse"]["Vendor"][0]["DisplayName"] == "Boraski Family Store"
    assert items["bid5"]["Fault"]["Error"][0]["code"] == "4001"


def test_batch_item_with_several_errors(api):
    response = api.post("batch", {"BatchItemRequest": [
        {"bId": "a", "operation": "create", "Bill": {"DocNumber": "x" * 30}}]})
    fault = response.json()["BatchItemResponse"][0]["Fault"]
    assert sorted(e["code"] for e in fault["Error"]) == ["2020", "2020", "2050"]


def test_batch_over_30_items_is_1040(api):
    items = [{"bId": str(n), "Query": "select * from Vendor"} for n in range(31)]
    response = api.post("batch", {"BatchItemRequest": items})
    errors = api.errors(response)
    assert errors[0]["code"] == "1040"
    assert errors[0]["Message"] == "Batch size exceeds allowed limit"
    ok = api.post("batch", {"BatchItemRequest": items[:30]})
    assert ok.status_code == 200
    assert len(ok.json()["BatchItemResponse"]) == 30


def test_batch_delete_and_void(api):
    vendor = api.vendor()
    po = api.create("PurchaseOrder", {"VendorRef": {"value": vendor["Id"]},
                                      "Line": [api.expense_line()]})
    response = api.post("batch", {"BatchItemRequest": [
        {"bId": "d", "operation": "delete",
         "PurchaseOrder": {"Id": po["Id"], "SyncToken": po["SyncToken"]}},
        {"bId": "v", "operation": "update", "optionsData": "void",
         "BillPayment": {"Id": "4040", "SyncToken": "0"}}]})
    items = {item["bId"]: item for item in response.json()["BatchItemResponse"]}
    assert items["d"]["PurchaseOrder"] == {"domain": "QBO", "status": "Deleted", "Id": po["Id"]}
    assert items["v"]["Fault"]["Error"][0]["code"] == "610"


def test_batch_requestid_replays(api):
    body = {"BatchItemRequest": [{"bId": "1", "operation": "create",
                                  "Vendor": {"DisplayName": "Batch Once"}}]}
    first = api.post("batch", body, {"requestid": "batch-0001"})
    second = api.post("batch", body, {"requestid": "batch-0001"})
    assert first.json() == second.json()
    assert "Vendor" in second.json()["BatchItemResponse"][0]
    assert api.query("select count(*) from Vendor") == {"totalCount": 1}


# --- CDC ----------------------------------------------------------------------------------
def since(sandbox, seconds_ago: int = 0) -> str:
    return (sandbox.clock.now() - timedelta(seconds=seconds_ago)).isoformat(timespec="seconds")


def test_cdc_reports_changes_and_deletions(api, sandbox):
    sandbox.advance_clock(10)
    start = since(sandbox)
    vendor = api.vendor("Changed Vendor")
    bill = api.create("Bill", {"VendorRef": {"value": vendor["Id"]},
                               "Line": [api.expense_line()]})
    inactive = api.vendor("Inactive Soon")
    api.create("Vendor", {**inactive, "Active": False})
    api.post("bill", {"Id": bill["Id"], "SyncToken": "0"}, {"operation": "delete"})
    response = api.get("cdc", entities="Vendor,Bill,Account", changedSince=start)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"CDCResponse", "time"}
    vendors, bills, accounts = body["CDCResponse"][0]["QueryResponse"]
    assert {v["DisplayName"] for v in vendors["Vendor"]} == {"Changed Vendor",
                                                             "Inactive Soon (deleted)"}
    assert vendors["startPosition"] == 1
    assert vendors["maxResults"] == vendors["totalCount"] == 2
    deleted = bills["Bill"]
    assert len(deleted) == 1
    assert deleted[0]["Id"] == bill["Id"]
    assert deleted[0]["status"] == "Deleted"
    assert deleted[0]["domain"] == "QBO"
    assert set(deleted[0]["MetaData"]) == {"LastUpdatedTime"}
    assert accounts == {}


def test_cdc_nothing_changed(api, sandbox):
    sandbox.advance_clock(10)
    response = api.get("cdc", entities="vendor", changedSince=since(sandbox))
    assert response.json()["CDCResponse"] == [{"QueryResponse": [{}]}]


def test_cdc_window_is_30_days(api, sandbox):
    ok = api.get("cdc", entities="Vendor", changedSince=since(sandbox, 30 * 86400 - 60))
    assert ok.status_code == 200
    old = api.get("cdc", entities="Vendor", changedSince=since(sandbox, 31 * 86400))
    error = api.errors(old)[0]
    assert error["code"] == "4001"
    assert "30 days" in error["Detail"]


def test_cdc_bad_parameters(api, sandbox):
    assert api.errors(api.get("cdc", changedSince=since(sandbox)))[0]["code"] == "2020"
    assert api.errors(api.get("cdc", entities="Vendor"))[0]["code"] == "2020"
    assert api.errors(api.get("cdc", entities="Vendor", changedSince="yesterday"))[0][
        "code"] == "4001"
    assert api.errors(api.get("cdc", entities="Widget",
                              changedSince=since(sandbox)))[0]["code"] == "4001"


def test_cdc_caps_at_1000_objects(api, sandbox):
    start = since(sandbox, 5)
    for n in range(1003):
        sandbox.create("Vendor", {"DisplayName": f"Bulk {n:04d}"})
    body = api.get("cdc", entities="Vendor,Account", changedSince=start).json()
    vendors, accounts = body["CDCResponse"][0]["QueryResponse"]
    total = len(vendors.get("Vendor", [])) + len(accounts.get("Account", []))
    assert total == 1000


def test_bid_longer_than_10_with_requestid_is_2050(api):
    body = {"BatchItemRequest": [
        {"bId": "b" * 11, "operation": "create", "Vendor": {"DisplayName": "Too Long Bid"}},
        {"bId": "short", "operation": "create", "Vendor": {"DisplayName": "Short Bid"}}]}
    items = api.post("batch", body, {"requestid": "rid-1"}).json()["BatchItemResponse"]
    error = items[0]["Fault"]["Error"][0]
    assert (error["code"], error["element"]) == ("2050", "bId")
    assert "Max:10 supported. Supplied length:11" in error["Detail"]
    assert items[1]["Vendor"]["DisplayName"] == "Short Bid"
    # Without a requestid, long bIds are fine.
    body["BatchItemRequest"] = body["BatchItemRequest"][:1]
    assert "Vendor" in api.post("batch", body).json()["BatchItemResponse"][0]


def test_cdc_accepts_an_unencoded_plus_offset(api, sandbox):
    sandbox.advance_clock(5)
    start = (sandbox.clock.now() - timedelta(seconds=1)).astimezone(
        timezone(timedelta(hours=2))).isoformat(timespec="seconds")
    assert "+02:00" in start
    api.vendor("Plus Offset")
    raw = f"{api.url('cdc')}?entities=Vendor&changedSince={start}"  # '+' not encoded
    response = api.session.get(raw, timeout=30)
    assert response.status_code == 200, response.text
    vendors = response.json()["CDCResponse"][0]["QueryResponse"][0]["Vendor"]
    assert [v["DisplayName"] for v in vendors] == ["Plus Offset"]
