"""OAuth 2.0 / OpenID endpoints shaped like Intuit's (API.md §2).

Paths mirror Intuit's hosts on the sandbox's own origin:
``/connect/oauth2`` (appcenter), ``/oauth2/v1/tokens/bearer``,
``/v2/oauth2/tokens/revoke``, ``/v1/openid_connect/userinfo``, ``/op/v1/jwks``.

Deliberate differences, all CHOSEN for a sandbox:
- the authorize endpoint approves at once (no login page);
- refresh tokens rotate on *every* refresh (Intuit: about daily), so a client
  that forgets to store the new one fails in tests, not at a customer;
- no ``id_token`` is issued, so the JWKS document has no keys.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Flask, Response, redirect, request

from app.sandbox.state import Clock

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
CODE_TTL = 300  # CHOSEN: Intuit's authorization codes are short-lived (minutes)
REFRESH_TTL = 8_726_400  # 101 days, the rolling lifetime Intuit reports (API.md §2.3)
HARD_TTL = 5 * 365 * 86_400  # the 5-year absolute cap (API.md §2.3)
USER = {"sub": "5ba8c8c3-0000-4000-8000-5a2dbd0c0de0", "givenName": "Sandbox",
        "familyName": "User", "email": "sandbox.user@example.invalid",
        "emailVerified": True}


class OAuthState:
    """Codes, grants and tokens. ``data`` is persisted with the company."""

    def __init__(self, clock: Clock, client_id: str, client_secret: str, realm_id: str,
                 token_ttl: int, data: dict | None = None,
                 lock: threading.RLock | None = None) -> None:
        self.clock = clock
        self.client_id = client_id
        self.client_secret = client_secret
        self.realm_id = realm_id
        self.token_ttl = token_ttl
        # Share the company's lock when the data is persisted with the company, so a
        # save never serialises a dict another thread is changing.
        self.lock = lock or threading.RLock()
        self.data = data if data is not None else {}
        for key in ("codes", "grants", "access", "refresh"):
            self.data.setdefault(key, {})

    # --- issuing ------------------------------------------------------------------
    def new_code(self, redirect_uri: str, scope: str) -> str:
        """A single-use authorization code."""
        code = "AB11" + secrets.token_urlsafe(30)
        with self.lock:
            self.data["codes"][code] = {"redirect_uri": redirect_uri, "scope": scope,
                                        "expires": self.clock.timestamp() + CODE_TTL,
                                        "used": False}
        return code

    def issue(self, scope: str = ACCOUNTING_SCOPE, grant_id: str | None = None) -> dict:
        """Tokens for a new grant (or the next pair of an existing one)."""
        now = self.clock.timestamp()
        with self.lock:
            if grant_id is None:
                grant_id = secrets.token_hex(8)
                self.data["grants"][grant_id] = {"scope": scope, "revoked": False,
                                                 "hard_expires": now + HARD_TTL}
            grant = self.data["grants"][grant_id]
            old = grant.get("refresh_token")
            if old:
                self.data["refresh"][old]["superseded"] = True
            access = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2" + secrets.token_urlsafe(48)
            refresh = "AB11" + secrets.token_urlsafe(36)
            grant["refresh_token"] = refresh
            self.data["access"][access] = {"grant": grant_id, "expires": now + self.token_ttl}
            self.data["refresh"][refresh] = {"grant": grant_id, "superseded": False,
                                             "expires": now + REFRESH_TTL}
            return {"x_refresh_token_expires_in": REFRESH_TTL, "refresh_token": refresh,
                    "access_token": access, "token_type": "bearer",
                    "expires_in": self.token_ttl, "_hard": int(grant["hard_expires"] - now)}

    def check_access(self, token: str) -> str | None:
        """None when ``token`` is a live access token, else the 401 ``detail`` text.

        CHOSEN details: "Token expired: <token>" (real, API.md §2.4) for expired
        ones; "Token revoked: <token>" for unknown or revoked ones.
        """
        with self.lock:
            entry = self.data["access"].get(token)
            if entry is None or self.data["grants"][entry["grant"]]["revoked"]:
                return f"Token revoked: {token}"
            if self.clock.timestamp() >= entry["expires"]:
                return f"Token expired: {token}"
        return None

    def exchange_code(self, code: str, redirect_uri: str | None) -> dict | None:
        """Tokens for an unused, unexpired code; None → invalid_grant."""
        with self.lock:
            entry = self.data["codes"].get(code)
            if entry is None or entry["used"] or self.clock.timestamp() > entry["expires"]:
                return None
            if redirect_uri is not None and redirect_uri != entry["redirect_uri"]:
                return None
            entry["used"] = True
            return self.issue(entry["scope"])

    def refresh(self, token: str) -> dict | None:
        """Rotate: a new refresh token every time; the old one is dead."""
        with self.lock:
            entry = self.data["refresh"].get(token)
            if entry is None or entry["superseded"]:
                return None
            grant = self.data["grants"][entry["grant"]]
            now = self.clock.timestamp()
            if grant["revoked"] or now > entry["expires"] or now > grant["hard_expires"]:
                return None
            return self.issue(grant["scope"], entry["grant"])

    def revoke(self, token: str) -> bool:
        """Revoke the grant behind an access or refresh token."""
        with self.lock:
            entry = self.data["refresh"].get(token) or self.data["access"].get(token)
            if entry is None:
                return False
            self.data["grants"][entry["grant"]]["revoked"] = True
            return True

    def revoke_access(self, token: str) -> bool:
        """Kill one access token (the grant and its refresh token live on)."""
        with self.lock:
            return self.data["access"].pop(token, None) is not None

    def client_ok(self, client_id: str | None, secret: str | None) -> bool:
        """Constant-time client credential check."""
        return (client_id is not None and secret is not None
                and secrets.compare_digest(client_id, self.client_id)
                and secrets.compare_digest(secret, self.client_secret))


def _json(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json",
                    headers=headers or {})


def _client_credentials() -> tuple[str | None, str | None]:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return request.form.get("client_id"), request.form.get("client_secret")


def discovery(base_url: str) -> dict:
    """The OpenID configuration document, with Intuit's keys."""
    return {
        "issuer": f"{base_url}/op/v1",
        "authorization_endpoint": f"{base_url}/connect/oauth2",
        "token_endpoint": f"{base_url}/oauth2/v1/tokens/bearer",
        "userinfo_endpoint": f"{base_url}/v1/openid_connect/userinfo",
        "revocation_endpoint": f"{base_url}/v2/oauth2/tokens/revoke",
        "jwks_uri": f"{base_url}/op/v1/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile", "address", "phone"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    }


def register(app: Flask, state_of: Any) -> None:
    """Add the OAuth routes; ``state_of()`` returns (OAuthState, base_url, save)."""

    # intuit/oauth-pythonclient requests these with a trailing slash.
    @app.get("/.well-known/openid_configuration")
    @app.get("/.well-known/openid_configuration/")
    @app.get("/.well-known/openid_sandbox_configuration")
    @app.get("/.well-known/openid_sandbox_configuration/")
    def openid_configuration() -> Response:
        _, base_url, _ = state_of()
        return _json(discovery(base_url))

    @app.get("/connect/oauth2")
    def authorize() -> Response:
        oauth, _, save = state_of()
        args = request.args
        redirect_uri = args.get("redirect_uri")
        if args.get("client_id") != oauth.client_id:
            return _json({"error": "invalid_client"}, 400)
        if not redirect_uri:
            return _json({"error": "invalid_request",
                          "error_description": "redirect_uri is required"}, 400)
        params: dict[str, str] = {}
        scope = args.get("scope", "")
        if args.get("response_type") != "code":
            params["error"] = "unsupported_response_type"
        elif ACCOUNTING_SCOPE not in scope.split() and "openid" not in scope.split():
            params["error"] = "invalid_scope"
        else:
            params["code"] = oauth.new_code(redirect_uri, scope)
            params["realmId"] = oauth.realm_id
            save()
        if "state" in args:
            params["state"] = args["state"]
        parts = urlsplit(redirect_uri)
        query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
        return redirect(urlunsplit(parts._replace(query=query)), code=302)

    @app.post("/oauth2/v1/tokens/bearer")
    def token() -> Response:
        oauth, _, save = state_of()
        client_id, secret = _client_credentials()
        if not oauth.client_ok(client_id, secret):
            return _json({"error": "invalid_client"}, 401)
        grant_type = request.form.get("grant_type")
        if grant_type == "authorization_code":
            issued = oauth.exchange_code(request.form.get("code", ""),
                                         request.form.get("redirect_uri"))
        elif grant_type == "refresh_token":
            issued = oauth.refresh(request.form.get("refresh_token", ""))
        else:
            return _json({"error": "unsupported_grant_type"}, 400)
        if issued is None:
            # The body Intuit returns for a bad or superseded token (API.md §2.3).
            return _json({"error": "invalid_grant",
                          "error_description": "Incorrect or invalid refresh token"
                          if grant_type == "refresh_token" else "Invalid authorization code"},
                         400)
        save()
        hard = issued.pop("_hard")
        if request.headers.get("x-include-refresh-token-hard-expires-in", "").lower() == "true":
            issued["x_refresh_token_hard_expires_in"] = hard
        return _json(issued, headers={"Cache-Control": "no-store"})

    @app.post("/v2/oauth2/tokens/revoke")
    def revoke() -> Response:
        oauth, _, save = state_of()
        client_id, secret = _client_credentials()
        if not oauth.client_ok(client_id, secret):
            return _json({"error": "invalid_client"}, 401)
        body = request.get_json(silent=True) or {}
        token_value = body.get("token") if isinstance(body, dict) else None
        token_value = token_value or request.form.get("token")
        if not token_value:
            return _json({"error": "invalid_request"}, 400)
        # RFC 7009: unknown tokens are not an error.
        oauth.revoke(token_value)
        save()
        return Response("", status=200)

    @app.get("/v1/openid_connect/userinfo")
    def userinfo() -> Response:
        oauth, _, _ = state_of()
        header = request.headers.get("Authorization", "")
        token_value = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not token_value or oauth.check_access(token_value) is not None:
            return _json({"error": "invalid_token"}, 401,
                         {"WWW-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'})
        return _json(USER)

    @app.get("/op/v1/jwks")
    def jwks() -> Response:
        return _json({"keys": []})
