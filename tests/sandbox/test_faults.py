"""Fault injection over real HTTP: each kind happens exactly as scheduled.

Every assertion is on statuses, bodies, counts and what the company holds;
nothing is timed (the one slow fault is detected by the client's timeout).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from app.sandbox.injection import FaultInjector, parse_spec
from app.sandbox.server import SandboxServer
from tests.sandbox.conftest import Api
from tests.sandbox.test_throttle import assert_qbo_throttle

ROOT = Path(__file__).resolve().parents[2]


def names(sandbox: SandboxServer) -> list[str]:
    return [v["DisplayName"] for v in sandbox.company.all("Vendor")]


def post_vendor(api: Api, name: str, **params) -> requests.Response:
    return api.post("vendor", {"DisplayName": name}, params or None)


# --- the schedule -----------------------------------------------------------------------------
def test_spec_examples_parse():
    rules, seed = parse_spec("lost:purchaseorder:2,500:bill:1,slow=5s:query:1,p=0.1:429:*,"
                             "drop:POST/vendor:1@3,401=grant:*:1,empty:GET/preferences:*,seed=7")
    assert seed == 7
    assert [r.describe() for r in rules] == [
        "lost:purchaseorder:2", "500:bill:1", "slow=5s:query:1", "p=0.1:429:*:*",
        "drop:POST/vendor:1@3", "401=grant:*:1", "empty:GET/preferences:*"]
    assert rules[2].delay == 5 and rules[3].probability == 0.1 and rules[3].count is None
    assert (rules[4].method, rules[4].route, rules[4].skip) == ("POST", "vendor", 2)
    assert parse_spec("timeout=500ms")[0][0].kind == "slow"  # aliases; route defaults to *
    for bad in ("explode:bill:1", "lost:bill:two", "lost:bill:0", "lost:PUT/bill:1",
                "p=2:500:*", "p=0.5", "500=3s:bill:1", "slow=fast:query:1", "401=user:*:1",
                "lost:bill:1:2", "lost:bill:1@0", ""):
        with pytest.raises(ValueError):
            parse_spec(bad)


def test_rules_fire_in_order_and_are_recorded():
    faults = FaultInjector()
    first = faults.add("500", route="bill", count=1)
    faults.add("503", route="*", count=2)
    assert first.describe() == "500:bill:1"
    assert faults.pick("POST", "bill").kind == "500"
    assert faults.pick("POST", "Bill").kind == "503"  # the bill rule is used up
    assert faults.pick("GET", "vendor/3").kind == "503"
    assert faults.pick("GET", "vendor/3") is None
    assert [(f.seq, f.kind, f.method, f.path) for f in faults.fired] == [
        (1, "500", "POST", "bill"), (2, "503", "POST", "Bill"), (3, "503", "GET", "vendor/3")]
    assert faults.count() == 3 and faults.count("gateway") == 2
    assert faults.pending == []
    faults.clear()
    assert faults.fired == [] and faults.rules == []


# --- each kind, over HTTP -----------------------------------------------------------------------
def test_401_revokes_the_access_token(sandbox, api):
    sandbox.faults.add("401", route="vendor", count=1)
    response = post_vendor(api, "Never Made")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Intuit", error="invalid_token"'
    [error] = response.json()["fault"]["error"]
    assert error["code"] == "3200"
    assert error["message"] == "message=AuthenticationFailed; errorCode=003200; statusCode=401"
    assert error["detail"] == f"Token revoked: {api.token}"
    assert response.json()["fault"]["type"] == "AUTHENTICATION"
    assert names(sandbox) == []
    # The token really is dead now; a fresh one works.
    assert api.get("preferences").status_code == 401
    api.session.headers["Authorization"] = f"Bearer {sandbox.access_token()}"
    assert post_vendor(api, "Made").status_code == 200
    assert sandbox.faults.count("401") == 1


def test_401_grant_kills_the_refresh_token_too(sandbox, api):
    tokens = sandbox.issue_tokens()
    api.session.headers["Authorization"] = f"Bearer {tokens['access_token']}"
    sandbox.faults.add("401", route="*", count=1, revoke="grant")
    assert api.get("preferences").status_code == 401
    refreshed = requests.post(f"{sandbox.base_url}/oauth2/v1/tokens/bearer",
                              auth=("syncdesk-demo", "syncdesk-demo-secret"), timeout=30,
                              data={"grant_type": "refresh_token",
                                    "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


def test_429_is_qbos_xml_and_does_nothing(sandbox, api):
    sandbox.faults.add("429", route="vendor", count=1)
    assert_qbo_throttle(post_vendor(api, "Never Made"))
    assert names(sandbox) == []
    assert post_vendor(api, "Made").status_code == 200


def test_500_is_a_json_system_fault_and_does_nothing(sandbox, api):
    sandbox.faults.add("500", route="vendor", count=1)
    response = post_vendor(api, "Never Made")
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"Fault", "time"} and body["Fault"]["type"] == "SystemFault"
    [error] = body["Fault"]["Error"]
    assert error["code"] == "10000"
    assert error["Message"] == "An application error has occurred while processing your request"
    assert error["Detail"].startswith("System Failure Error: ")
    assert names(sandbox) == []


def test_503_is_an_html_gateway_page(sandbox, api):
    sandbox.faults.add("503", route="query", count=1)
    response = api.get("query", query="select * from Vendor")
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.lstrip().lower().startswith("<html")
    assert "503 Service Temporarily Unavailable" in response.text
    with pytest.raises(ValueError):
        response.json()
    assert api.get("query", query="select * from Vendor").status_code == 200


def test_empty_200_after_the_work_is_done(sandbox, api):
    sandbox.faults.add("empty", route="vendor", count=1)
    response = post_vendor(api, "Made Quietly")
    assert response.status_code == 200 and response.content == b""
    assert names(sandbox) == ["Made Quietly"]


def test_slow_answers_after_the_clients_timeout(sandbox, api):
    sandbox.faults.add("slow", route="vendor", count=1, delay=2)
    with pytest.raises(requests.Timeout):
        api.session.post(api.url("vendor"), json={"DisplayName": "Made Slowly"}, timeout=0.3)
    assert names(sandbox) == ["Made Slowly"]  # done before the answer was held back
    assert sandbox.faults.count("slow") == 1


def test_slow_answer_arrives_for_a_patient_client(sandbox, api):
    sandbox.faults.add("slow", route="GET/preferences", count=1, delay="200ms")
    response = api.get("preferences")
    assert response.status_code == 200 and "Preferences" in response.json()


def test_drop_closes_the_connection_without_an_answer(sandbox, api):
    sandbox.faults.add("drop", route="vendor", count=1)
    with pytest.raises(requests.ConnectionError):
        post_vendor(api, "Never Made")
    assert names(sandbox) == []
    assert post_vendor(api, "Made").status_code == 200  # the server is fine


def test_lost_response_after_the_create_happened(sandbox, api):
    """The case that makes naive clients create duplicates; a requestid saves them."""
    sandbox.faults.add("lost", route="vendor", count=1)
    with pytest.raises(requests.ConnectionError):
        post_vendor(api, "Made Once", requestid="rid-1")
    assert names(sandbox) == ["Made Once"]
    retry = post_vendor(api, "Made Once", requestid="rid-1")
    assert retry.status_code == 200
    assert names(sandbox) == ["Made Once"]
    assert retry.json()["Vendor"]["Id"] == sandbox.company.all("Vendor")[0]["Id"]


def test_lost_then_naive_retry_duplicates_or_clashes(sandbox, api):
    sandbox.faults.add("lost", route="purchaseorder", count=1)
    vendor = api.vendor("Acme")
    body = {"VendorRef": {"value": vendor["Id"]}, "Line": [api.expense_line()]}
    with pytest.raises(requests.ConnectionError):
        api.post("purchaseorder", body)
    assert api.post("purchaseorder", body).status_code == 200
    assert len(sandbox.company.all("PurchaseOrder")) == 2  # what a naive client gets


def test_count_is_exact_and_other_routes_pass(sandbox, api):
    sandbox.faults.add("lost", route="vendor", count=2)
    outcomes = []
    for n in range(4):
        try:
            outcomes.append(post_vendor(api, f"V{n}").status_code)
        except requests.ConnectionError:
            outcomes.append("lost")
        assert api.get("preferences").status_code == 200
    assert outcomes == ["lost", "lost", 200, 200]
    assert names(sandbox) == ["V0", "V1", "V2", "V3"]
    assert [f.kind for f in sandbox.faults.fired] == ["lost", "lost"]


def test_method_route_and_skip(sandbox, api):
    made = api.vendor("Readable")
    sandbox.faults.load("drop:POST/vendor:1@3")
    assert post_vendor(api, "One").status_code == 200
    assert api.get(f"vendor/{made['Id']}").status_code == 200  # GET does not match
    assert post_vendor(api, "Two").status_code == 200
    with pytest.raises(requests.ConnectionError):
        post_vendor(api, "Three")
    assert post_vendor(api, "Four").status_code == 200
    assert names(sandbox) == ["Readable", "One", "Two", "Four"]
    [fired] = sandbox.faults.fired
    assert (fired.kind, fired.method, fired.path, fired.rule) == (
        "drop", "POST", "vendor", "drop:POST/vendor:1@3")


def test_batch_and_query_routes(sandbox, api):
    sandbox.faults.load("500:batch:1,503:query:1")
    batch = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Vendor"}]}
    assert api.post("batch", batch).status_code == 500
    assert api.post("batch", batch).status_code == 200
    assert api.get("query", query="select * from Vendor").status_code == 503
    assert api.get("query", query="select * from Vendor").status_code == 200


def _pattern(seed: int) -> list[int]:
    with SandboxServer(throttle="off", faults=f"p=0.3:500:query,seed={seed}") as sandbox:
        api = Api(sandbox)
        try:
            return [api.get("query", query="select * from Term").status_code
                    for _ in range(30)]
        finally:
            api.close()


def test_probability_is_seeded_and_repeatable():
    first, again, other = _pattern(11), _pattern(11), _pattern(12)
    assert first == again
    assert first != other
    assert 0 < first.count(500) < 30 and set(first) == {200, 500}


def test_probability_bounds_and_cap(sandbox, api):
    sandbox.faults.add("503", route="*", count=None, probability=0)
    assert [api.get("preferences").status_code for _ in range(5)] == [200] * 5
    sandbox.faults.clear()
    sandbox.faults.add("503", route="*", count=2, probability=1)
    assert [api.get("preferences").status_code for _ in range(4)] == [503, 503, 200, 200]


def test_faults_apply_to_the_v3_api_only(sandbox, api):
    sandbox.faults.add("503", route="*", count=None)
    discovery = requests.get(f"{sandbox.base_url}/.well-known/openid_configuration", timeout=30)
    assert discovery.status_code == 200
    assert api.get("preferences").status_code == 503


def test_throttle_comes_before_faults(sandbox, api):
    sandbox.throttling.configure("1/1m,concurrent=off")
    sandbox.faults.add("500", route="*", count=1)
    assert api.get("preferences").status_code == 500
    assert_qbo_throttle(api.get("preferences"))
    assert sandbox.faults.count() == 1  # the refused request did not use up a fault


def test_cli_faults_and_throttle():
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "sandbox", "--port", "0", "--faults",
         "500:preferences:1,lost:vendor:1", "--throttle", "4/1m,concurrent=off"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("Listening on http://127.0.0.1:"), proc.stderr.read()
        base_url = line.split("Listening on ", 1)[1].strip()
        with requests.Session() as session:
            token = session.post(f"{base_url}/oauth2/v1/tokens/bearer",
                                 auth=("syncdesk-demo", "syncdesk-demo-secret"), timeout=30,
                                 data={"grant_type": "authorization_code",
                                       "code": _code(session, base_url)}).json()
            session.headers["Authorization"] = f"Bearer {token['access_token']}"
            session.headers["Accept"] = "application/json"
            realm = "9341453050071337001"
            api = f"{base_url}/v3/company/{realm}"
            assert session.get(f"{api}/preferences", timeout=30).status_code == 500
            with pytest.raises(requests.ConnectionError):
                session.post(f"{api}/vendor", json={"DisplayName": "Lost"}, timeout=30)
            found = session.get(f"{api}/query", params={"query": "select * from Vendor"},
                                timeout=30)
            assert found.json()["QueryResponse"]["Vendor"][0]["DisplayName"] == "Lost"
            assert session.get(f"{api}/preferences", timeout=30).status_code == 200
            assert_qbo_throttle(session.get(f"{api}/preferences", timeout=30))
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        proc.stdout.close()
        proc.stderr.close()


def _code(session: requests.Session, base_url: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    answer = session.get(f"{base_url}/connect/oauth2", allow_redirects=False, timeout=30,
                         params={"client_id": "syncdesk-demo", "response_type": "code",
                                 "scope": "com.intuit.quickbooks.accounting",
                                 "redirect_uri": "http://127.0.0.1:9/cb", "state": "s"})
    return parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
