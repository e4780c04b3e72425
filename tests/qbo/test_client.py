"""The typed client against the sandbox over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.qbo.client import BatchItem
from app.qbo.errors import QboFault
from app.qbo.query import quote


def expense_line(client, amount="100.00"):
    account = client.find("Account", Name="Uncategorized Expense")[0]["Id"]
    return {"DetailType": "AccountBasedExpenseLineDetail", "Amount": amount,
            "AccountBasedExpenseLineDetail": {"AccountRef": {"value": account}}}


def test_quoting_names_with_quotes_and_ampersands(client):
    made = client.create("Vendor", {"DisplayName": "O'Brien & Sons"}, request_id="v-obrien")
    found = client.find("Vendor", DisplayName="O'Brien & Sons")
    assert [v["Id"] for v in found] == [made["Id"]]
    assert quote("O'Brien & Sons") == "'O\\'Brien & Sons'"


def test_paging_past_a_thousand_rows(client, sandbox):
    for i in range(1005):
        sandbox.create("Vendor", {"DisplayName": f"Vendor {i:04d}"})
    assert client.count("Vendor") == 1005
    names = [v["DisplayName"] for v in client.query_all("Vendor")]
    assert len(names) == 1005 and len(set(names)) == 1005


def test_the_same_requestid_creates_once(client):
    first = client.create("Vendor", {"DisplayName": "Once Only"}, request_id="doc-7-r1")
    again = client.create("Vendor", {"DisplayName": "Once Only"}, request_id="doc-7-r1")
    assert first["Id"] == again["Id"] and client.count(
        "Vendor", f"DisplayName = {quote('Once Only')}") == 1
    with pytest.raises(ValueError):
        client.create("Vendor", {"DisplayName": "x"}, request_id="r" * 51)


def test_update_reads_first_and_sends_the_current_synctoken(client, sandbox):
    made = client.create("Vendor", {"DisplayName": "Renamer"}, request_id="v-ren")
    sandbox.create("Vendor", {**sandbox.read("Vendor", made["Id"]), "CompanyName": "Elsewhere"})
    updated = client.update("Vendor", made["Id"], lambda v: {**v, "DisplayName": "Renamed"})
    assert updated["DisplayName"] == "Renamed" and updated["CompanyName"] == "Elsewhere"
    assert int(updated["SyncToken"]) == 2


def test_validation_faults_arrive_whole(client):
    client.create("Vendor", {"DisplayName": "Taken"}, request_id="v-taken")
    with pytest.raises(QboFault) as caught:
        client.create("Vendor", {"DisplayName": "Taken"}, request_id="v-taken-2")
    assert caught.value.codes == ["6240"] and caught.value.http_status == 400
    assert caught.value.intuit_tid


def test_batch_matches_answers_by_bid_with_per_item_faults(client):
    client.create("Vendor", {"DisplayName": "Dup Co"}, request_id="v-dup")
    items = [BatchItem(f"b{i}", "Vendor", body={"DisplayName": f"Batch {i}"}) for i in range(31)]
    items.append(BatchItem("dup", "Vendor", body={"DisplayName": "Dup Co"}))
    items.append(BatchItem("q", query="select * from Vendor where DisplayName = 'Dup Co'"))
    results = client.batch(items, request_id="batch-1")
    by_bid = {r.bid: r for r in results}
    assert len(results) == 33 and all(by_bid[f"b{i}"].data["Id"] for i in range(31))
    assert by_bid["dup"].fault is not None and by_bid["dup"].fault.codes == ["6240"]
    assert by_bid["q"].data["Vendor"][0]["DisplayName"] == "Dup Co"


def test_cdc_returns_changes_and_deletions(client):
    since = datetime.now(UTC) - timedelta(minutes=5)
    vendor = client.create("Vendor", {"DisplayName": "Changed Co"}, request_id="v-cdc")
    bill = client.create("Bill", {"VendorRef": {"value": vendor["Id"]},
                                  "Line": [expense_line(client)]}, request_id="b-cdc")
    client.delete("Bill", bill["Id"])
    changes = client.cdc(["Vendor", "Bill"], since)
    assert [v["DisplayName"] for v in changes["Vendor"]] == ["Changed Co"]
    assert [(b["Id"], b.get("status")) for b in changes["Bill"]] == [(bill["Id"], "Deleted")]


def test_company_info_and_preferences(client, sandbox):
    assert client.company_info()["CompanyName"]
    assert "AccountingInfoPrefs" in client.preferences()
