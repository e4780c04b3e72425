"""The query language over GET and POST, with QBO's 4000/4001 Faults."""

from __future__ import annotations

import pytest


def names(response: dict, entity: str = "Vendor") -> list[str]:
    return [o["DisplayName"] for o in response.get(entity, [])]


@pytest.fixture
def vendors(api):
    made = {}
    for name in ("Robertson & Associates", "Adam's Candy Shop", "Acme Supplies",
                 "Zeta Metals", "acme west"):
        made[name] = api.vendor(name)
    gone = api.vendor("Bygone Ltd")
    api.create("Vendor", {**gone, "Active": False})
    return made


def test_ampersand_in_a_url_encoded_get(api, vendors):
    found = api.query("select * from Vendor where DisplayName = 'Robertson & Associates'")
    assert names(found) == ["Robertson & Associates"]
    assert found["startPosition"] == 1
    assert found["maxResults"] == 1


def test_escaped_quote(api, vendors):
    found = api.query(r"select * from Vendor where DisplayName = 'Adam\'s Candy Shop'")
    assert names(found) == ["Adam's Candy Shop"]


def test_post_application_text_body(api, vendors):
    text = r"SELECT * FROM vendor WHERE DisplayName = 'Adam\'s Candy Shop'"
    response = api.session.post(api.url("query"), data=text,
                                headers={"Content-Type": "application/text"}, timeout=30)
    assert response.status_code == 200, response.text
    assert names(response.json()["QueryResponse"]) == ["Adam's Candy Shop"]
    text = "select * from Vendor where DisplayName = 'Robertson & Associates'"
    response = api.session.post(api.url("query"), data=text, timeout=30,
                                headers={"Content-Type": "application/text"})
    assert names(response.json()["QueryResponse"]) == ["Robertson & Associates"]


@pytest.mark.parametrize("text", [
    "SELECT * FROM VENDOR WHERE DisplayName LIKE 'Acme%' ORDERBY DisplayName",
    "select * from vendor where displayname like 'acme%' orderby displayname asc",
    "Select * From Vendor Where DisplayName Like 'ACME%' OrderBy DisplayName ASC",
])
def test_keywords_entity_and_property_names_in_any_case(api, vendors, text):
    assert names(api.query(text)) == ["Acme Supplies", "acme west"]


def test_entity_names_in_any_case(api):
    vendor = api.vendor()
    api.create("PurchaseOrder", {"VendorRef": {"value": vendor["Id"]},
                                 "Line": [api.expense_line()]})
    for text in ("select * from purchaseOrder", "select * from PURCHASEORDER",
                 "select * from PurchaseOrder"):
        assert len(api.query(text)["PurchaseOrder"]) == 1


def test_like_with_leading_and_inner_wildcards(api, vendors):
    assert names(api.query("select * from Vendor where DisplayName like '%Metals'")) == [
        "Zeta Metals"]
    assert names(api.query("select * from Vendor where DisplayName like 'R%&%s'")) == [
        "Robertson & Associates"]


def test_inactive_names_hidden_by_default(api, vendors):
    everyone = names(api.query("select * from Vendor maxresults 1000"))
    assert "Bygone Ltd (deleted)" not in everyone
    assert len(everyone) == 5


@pytest.mark.parametrize("clause", ["Active = false", "Active = False", "ACTIVE = FALSE",
                                    "Active = 'false'"])
def test_active_false_finds_inactive(api, vendors, clause):
    assert names(api.query(f"select * from Vendor where {clause}")) == ["Bygone Ltd (deleted)"]


def test_active_in_true_false_finds_both(api, vendors):
    found = api.query("select * from Vendor where Active in (true, false) "
                      "and DisplayName like 'B%'")
    assert names(found) == ["Bygone Ltd (deleted)"]
    assert len(api.query("select * from Vendor where Active IN (true,false)")["Vendor"]) == 6


def test_orderby_desc_and_paging(api, vendors):
    found = api.query("select * from Vendor orderby DisplayName desc startposition 2 "
                      "maxresults 2")
    # case-insensitive: Zeta, Robertson, Adam's, acme west, Acme Supplies
    assert names(found) == ["Robertson & Associates", "Adam's Candy Shop"]
    assert found["startPosition"] == 2
    assert found["maxResults"] == 2


def test_count(api, vendors):
    assert api.query("select count(*) from Vendor") == {"totalCount": 5}
    assert api.query("SELECT COUNT(*) FROM Vendor WHERE Active = false") == {"totalCount": 1}


def test_empty_result_is_an_empty_query_response(api):
    response = api.get("query", query="select * from Vendor where DisplayName = 'Nobody'")
    body = response.json()
    assert body["QueryResponse"] == {}
    assert set(body) == {"QueryResponse", "time"}


def test_id_and_reference_filters(api):
    vendor, other = api.vendor("A"), api.vendor("B")
    bill = api.create("Bill", {"VendorRef": {"value": vendor["Id"]},
                               "Line": [api.expense_line()]})
    api.create("Bill", {"VendorRef": {"value": other["Id"]}, "Line": [api.expense_line()]})
    found = api.query(f"select * from Bill where VendorRef = '{vendor['Id']}'")
    assert [b["Id"] for b in found["Bill"]] == [bill["Id"]]
    found = api.query(f"select * from Vendor where Id in ('{vendor['Id']}', '{other['Id']}')")
    assert names(found) == ["A", "B"]
    found = api.query(f"select * from Vendor where Id = '{other['Id']}'")
    assert names(found) == ["B"]


def test_a_query_by_id_answers_as_a_scan_would(api):
    """Id = and Id IN are looked up by Id (not by scanning the company): the same rows,
    in Id order, other conditions still applied, inactive ones only when asked for."""
    a, b, c = api.vendor("A"), api.vendor("B"), api.vendor("C")
    api.create("Vendor", {**c, "Active": False})
    listed = f"'{b['Id']}', '{a['Id']}', '{b['Id']}', '99999', '{c['Id']}'"
    assert names(api.query(f"select * from Vendor where Id in ({listed})")) == ["A", "B"]
    assert names(api.query(f"select * from Vendor where Id in ({listed}) and Active in "
                           "(true, false)")) == ["A", "B", "C (deleted)"]
    assert names(api.query(f"select * from Vendor where DisplayName = 'B' and Id in "
                           f"({listed})")) == ["B"]
    assert names(api.query(f"select * from Vendor where Id = {int(a['Id'])}")) == ["A"]
    assert names(api.query(f"select * from Vendor where Id = '0{a['Id']}'")) == ["A"]
    assert api.query("select * from Vendor where Id = 'x1'") == {}
    page = api.query(f"select * from Vendor where Id in ({listed}) startposition 2 "
                     "maxresults 1")
    assert names(page) == ["B"]


def test_numbers_dates_and_metadata(api, sandbox):
    vendor = api.vendor()
    for day, amount in (("2025-01-05", "10.00"), ("2025-02-05", "300.00")):
        api.create("Bill", {"VendorRef": {"value": vendor["Id"]}, "TxnDate": day,
                            "Line": [api.expense_line(amount)]})
    assert len(api.query("select * from Bill where TotalAmt > '100.00'")["Bill"]) == 1
    assert len(api.query("select * from Bill where TotalAmt >= 10")["Bill"]) == 2
    assert len(api.query("select * from Bill where TxnDate < '2025-02-01'")["Bill"]) == 1
    assert len(api.query("select * from Bill where TxnDate <= '2025-02-05'")["Bill"]) == 2
    sandbox.advance_clock(120)
    marker = sandbox.clock.now().isoformat(timespec="seconds")
    sandbox.advance_clock(60)
    late = api.vendor("Late Vendor")
    found = api.query(f"select * from Vendor where Metadata.LastUpdatedTime > '{marker}'")
    assert names(found) == [late["DisplayName"]]
    found = api.query(f"select * from Vendor where MetaData.LastUpdatedTime <= '{marker}'")
    assert names(found) == ["Acme Supplies"]


def test_account_type_with_spaces(api):
    found = api.query("select * from Account where AccountType = 'Accounts Payable'")
    assert [a["Name"] for a in found["Account"]] == ["Accounts Payable (A/P)"]


def test_paging_past_1000(api, sandbox):
    for n in range(1005):
        sandbox.create("Vendor", {"DisplayName": f"Vendor {n:04d}"})
    assert api.query("select count(*) from Vendor") == {"totalCount": 1005}
    default_page = api.query("select * from Vendor")
    assert default_page["maxResults"] == 100
    first = api.query("select * from Vendor startposition 1 maxresults 1000")
    assert first["maxResults"] == 1000
    second = api.query("select * from Vendor startposition 1001 maxresults 1000")
    assert second["startPosition"] == 1001
    assert names(second) == [f"Vendor {n:04d}" for n in range(1000, 1005)]
    assert set(names(first)).isdisjoint(names(second))


def test_singletons_are_queryable(api):
    assert api.query("select * from CompanyInfo")["CompanyInfo"][0]["Id"] == "1"
    assert api.query("select * from Preferences")["Preferences"][0]["Id"] == "1"


# --- errors ---------------------------------------------------------------------------------
def query_error(api, text: str) -> dict:
    response = api.get("query", query=text)
    errors = api.errors(response, 400)
    assert len(errors) == 1
    assert response.json()["Fault"]["type"] == "ValidationFault"
    return errors[0]


def test_unknown_entity_is_4001(api):
    assert query_error(api, "select * from Custmoer") == {
        "Message": "Invalid query",
        "Detail": "QueryValidationError: invalid context declaration: Custmoer",
        "code": "4001", "element": ""}


def test_startposition_zero_is_4001(api):
    error = query_error(api, "select * from Vendor startposition 0 maxresults 5")
    assert error["code"] == "4001"
    assert error["Detail"] == "QueryValidationError: value 0 is too small. Min allowed value is 1"


def test_maxresults_above_1000_is_4001(api):
    error = query_error(api, "select * from Vendor maxresults 1001")
    assert error["code"] == "4001"
    assert "1001" in error["Detail"]


def test_unknown_property_is_4001(api):
    error = query_error(api, "select * from Vendor where Colour = 'red'")
    assert error["code"] == "4001"
    assert error["Detail"] == "QueryValidationError: Property Colour not found for Entity Vendor"


@pytest.mark.parametrize("text", [
    "select * from Vendor where DisplayName = 'a' or DisplayName = 'b'",
    "select * from Vendor where DisplayName = 'Adam's Candy Shop'",
    "select * from Vendor where DisplayName = 'unterminated",
    "select Id from Vendor",
    "select * from",
    "select * from Vendor where",
    "delete from Vendor",
    "select * from Vendor where DisplayName ~ 'x'",
    "select * from Vendor maxresults ten",
    "",
])
def test_bad_syntax_is_4000(api, text):
    error = query_error(api, text)
    assert error["code"] == "4000"
    assert error["Message"] == "Error parsing query"
    assert error["Detail"].startswith("QueryParserError: Encountered ")


def test_id_with_range_operator_is_4001(api):
    assert query_error(api, "select * from Vendor where Id > '3'")["code"] == "4001"
