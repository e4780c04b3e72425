"""OAuth 2.0 like Intuit's: code flow, rotation, revocation, and the 3200 envelope."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from app.sandbox.server import SandboxServer

CLIENT = ("syncdesk-demo", "syncdesk-demo-secret")
REDIRECT = "http://127.0.0.1:8765/callback"
SCOPE = "com.intuit.quickbooks.accounting openid"


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


def discover(http, sandbox) -> dict:
    response = http.get(f"{sandbox.base_url}/.well-known/openid_configuration", timeout=30)
    assert response.status_code == 200
    return response.json()


def authorize(http, sandbox, state="xyz") -> dict:
    doc = discover(http, sandbox)
    response = http.get(doc["authorization_endpoint"], params={
        "client_id": CLIENT[0], "response_type": "code", "scope": SCOPE,
        "redirect_uri": REDIRECT, "state": state}, allow_redirects=False, timeout=30)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def token_request(http, sandbox, auth=CLIENT, **form) -> requests.Response:
    doc = discover(http, sandbox)
    return http.post(doc["token_endpoint"], data=form, auth=auth, timeout=30,
                     headers={"Accept": "application/json"})


def api_get(http, sandbox, token: str, realm: str | None = None) -> requests.Response:
    realm = realm or sandbox.realm_id
    return http.get(f"{sandbox.base_url}/v3/company/{realm}/companyinfo/{realm}",
                    headers={"Authorization": f"Bearer {token}",
                             "Accept": "application/json"}, timeout=30)


def test_discovery_document_has_intuits_keys(http, sandbox):
    doc = discover(http, sandbox)
    base = sandbox.base_url
    assert doc["issuer"] == f"{base}/op/v1"
    assert doc["authorization_endpoint"] == f"{base}/connect/oauth2"
    assert doc["token_endpoint"] == f"{base}/oauth2/v1/tokens/bearer"
    assert doc["revocation_endpoint"] == f"{base}/v2/oauth2/tokens/revoke"
    assert doc["userinfo_endpoint"] == f"{base}/v1/openid_connect/userinfo"
    assert doc["jwks_uri"] == f"{base}/op/v1/jwks"
    assert set(doc["token_endpoint_auth_methods_supported"]) == {"client_secret_post",
                                                                 "client_secret_basic"}
    assert http.get(doc["jwks_uri"], timeout=30).json() == {"keys": []}
    # intuit/oauth-pythonclient asks with a trailing slash, for both environments.
    for name in ("openid_configuration/", "openid_sandbox_configuration/"):
        other = http.get(f"{base}/.well-known/{name}", timeout=30, allow_redirects=False)
        assert other.status_code == 200
        assert other.json() == doc


def test_full_code_flow_refresh_rotation_and_superseded_token(http, sandbox):
    callback = authorize(http, sandbox)
    assert callback["state"] == "xyz"
    assert callback["realmId"] == sandbox.realm_id
    first = token_request(http, sandbox, grant_type="authorization_code",
                          code=callback["code"], redirect_uri=REDIRECT)
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["x_refresh_token_expires_in"] > 0
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in",
                           "x_refresh_token_expires_in"}
    assert api_get(http, sandbox, tokens["access_token"]).status_code == 200

    # A code is single-use.
    again = token_request(http, sandbox, grant_type="authorization_code",
                          code=callback["code"], redirect_uri=REDIRECT)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"

    refreshed = token_request(http, sandbox, grant_type="refresh_token",
                              refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    new = refreshed.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert new["access_token"] != tokens["access_token"]
    assert api_get(http, sandbox, new["access_token"]).status_code == 200

    # The superseded refresh token is dead.
    stale = token_request(http, sandbox, grant_type="refresh_token",
                          refresh_token=tokens["refresh_token"])
    assert stale.status_code == 400
    assert stale.json() == {"error": "invalid_grant",
                            "error_description": "Incorrect or invalid refresh token"}
    # The newest one still works, and rotates again.
    latest = token_request(http, sandbox, grant_type="refresh_token",
                           refresh_token=new["refresh_token"])
    assert latest.status_code == 200
    assert latest.json()["refresh_token"] not in (new["refresh_token"], tokens["refresh_token"])


def test_client_secret_post_and_hard_expiry_header(http, sandbox):
    callback = authorize(http, sandbox)
    doc = discover(http, sandbox)
    response = http.post(doc["token_endpoint"], timeout=30,
                         headers={"x-include-refresh-token-hard-expires-in": "true"},
                         data={"grant_type": "authorization_code", "code": callback["code"],
                               "redirect_uri": REDIRECT, "client_id": CLIENT[0],
                               "client_secret": CLIENT[1]})
    assert response.status_code == 200, response.text
    assert response.json()["x_refresh_token_hard_expires_in"] > 0


def test_wrong_client_credentials_are_invalid_client(http, sandbox):
    callback = authorize(http, sandbox)
    response = token_request(http, sandbox, auth=(CLIENT[0], "wrong"),
                             grant_type="authorization_code", code=callback["code"],
                             redirect_uri=REDIRECT)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client"}


def test_redirect_uri_must_match_the_authorize_request(http, sandbox):
    callback = authorize(http, sandbox)
    response = token_request(http, sandbox, grant_type="authorization_code",
                             code=callback["code"], redirect_uri="http://127.0.0.1:1/other")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_unsupported_grant_type(http, sandbox):
    response = token_request(http, sandbox, grant_type="password")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_authorize_rejects_unknown_client_and_wrong_response_type(http, sandbox):
    doc = discover(http, sandbox)
    bad_client = http.get(doc["authorization_endpoint"], allow_redirects=False, timeout=30,
                          params={"client_id": "nope", "response_type": "code",
                                  "scope": SCOPE, "redirect_uri": REDIRECT, "state": "s"})
    assert bad_client.status_code == 400
    wrong_type = http.get(doc["authorization_endpoint"], allow_redirects=False, timeout=30,
                          params={"client_id": CLIENT[0], "response_type": "token",
                                  "scope": SCOPE, "redirect_uri": REDIRECT, "state": "s"})
    assert wrong_type.status_code == 302
    query = parse_qs(urlsplit(wrong_type.headers["Location"]).query)
    assert query["error"] == ["unsupported_response_type"]
    assert query["state"] == ["s"]


def assert_3200(response: requests.Response, detail: str) -> None:
    """The lower-case envelope exactly as API.md §2.4 shows it."""
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Intuit", error="invalid_token"'
    body = response.json()
    assert isinstance(body.pop("time"), int)
    assert body == {
        "warnings": None, "intuitObject": None,
        "fault": {"error": [{"message": "message=AuthenticationFailed; errorCode=003200; "
                                        "statusCode=401",
                             "detail": detail, "code": "3200", "element": None}],
                  "type": "AUTHENTICATION"},
        "report": None, "queryResponse": None, "batchItemResponse": [],
        "attachableResponse": [], "syncErrorResponse": None, "requestId": None,
        "status": None, "cdcresponse": []}


def test_expired_access_token_is_401_3200(http):
    with SandboxServer(token_ttl=60) as sandbox:
        tokens = sandbox.issue_tokens()
        assert tokens["expires_in"] == 60
        assert api_get(http, sandbox, tokens["access_token"]).status_code == 200
        sandbox.advance_clock(59)
        assert api_get(http, sandbox, tokens["access_token"]).status_code == 200
        sandbox.advance_clock(1)
        assert_3200(api_get(http, sandbox, tokens["access_token"]),
                    f"Token expired: {tokens['access_token']}")
        # The refresh token still gets a new access token.
        refreshed = token_request(http, sandbox, grant_type="refresh_token",
                                  refresh_token=tokens["refresh_token"])
        assert api_get(http, sandbox, refreshed.json()["access_token"]).status_code == 200


def test_unknown_and_missing_tokens_are_401_3200(http, sandbox):
    assert_3200(api_get(http, sandbox, "not-a-token"), "Token revoked: not-a-token")
    response = http.get(f"{sandbox.base_url}/v3/company/{sandbox.realm_id}/preferences",
                        timeout=30)
    assert_3200(response, "Malformed bearer token: too short or too long")


def test_revoke_kills_the_grant(http, sandbox):
    tokens = sandbox.issue_tokens()
    doc = discover(http, sandbox)
    response = http.post(doc["revocation_endpoint"], json={"token": tokens["refresh_token"]},
                         auth=CLIENT, timeout=30)
    assert response.status_code == 200
    assert api_get(http, sandbox, tokens["access_token"]).status_code == 401
    again = token_request(http, sandbox, grant_type="refresh_token",
                          refresh_token=tokens["refresh_token"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    unauth = http.post(doc["revocation_endpoint"], json={"token": "x"}, timeout=30)
    assert unauth.status_code == 401


def test_userinfo(http, sandbox):
    doc = discover(http, sandbox)
    token = sandbox.access_token()
    response = http.get(doc["userinfo_endpoint"], headers={"Authorization": f"Bearer {token}"},
                        timeout=30)
    assert response.status_code == 200
    assert {"sub", "email", "givenName", "familyName"} <= set(response.json())
    assert http.get(doc["userinfo_endpoint"], timeout=30).status_code == 401


def test_token_for_another_realm_is_401_code_100(http, sandbox):
    response = api_get(http, sandbox, sandbox.access_token(), realm="123")
    assert response.status_code == 401
    error = response.json()["Fault"]["Error"][0]
    assert error["code"] == "100"
    assert error["Message"] == "General Authentication Error"
    assert error["Detail"] == ("AuthenticationErrorGeneral: SRV-110-Authentication Failure , "
                               "statusCode: 401")


def test_custom_client_credentials(http):
    with SandboxServer(client_id="mine", client_secret="s3cret") as sandbox:
        doc = discover(http, sandbox)
        response = http.get(doc["authorization_endpoint"], allow_redirects=False, timeout=30,
                            params={"client_id": "mine", "response_type": "code",
                                    "scope": SCOPE, "redirect_uri": REDIRECT})
        code = parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]
        ok = token_request(http, sandbox, auth=("mine", "s3cret"),
                           grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
        assert ok.status_code == 200
        default = token_request(http, sandbox, grant_type="refresh_token",
                                refresh_token=ok.json()["refresh_token"])
        assert default.status_code == 401


def test_oauth_crash_is_json_not_html(http, sandbox, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(sandbox.oauth, "refresh", boom)
    response = token_request(http, sandbox, grant_type="refresh_token", refresh_token="x")
    assert response.status_code == 500
    assert response.json()["Fault"]["Error"][0]["code"] == "10000"


def test_unknown_paths_and_methods_answer_json(http, sandbox):
    missing = http.get(f"{sandbox.base_url}/nothing-here", timeout=30)
    assert missing.status_code == 404
    assert missing.json()["error"] == "Not Found"
    wrong = http.put(f"{sandbox.base_url}/v3/company/{sandbox.realm_id}/vendor", timeout=30)
    assert wrong.status_code == 405
    assert wrong.headers["Content-Type"].startswith("application/json")
