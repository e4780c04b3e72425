"""OAuth 2.0 with Intuit (requests-oauthlib): authorize, exchange, refresh, revoke.

Desktop flow: SyncDesk opens the system browser on Intuit's authorize page
and catches the redirect on a one-shot listener at
``http://localhost:PORT/callback``; the ``state`` it sent must come back.

Production keys redirect only to https pages (API.md §2.2, "Desktop-app note"): a firm
hosts ``resources/oauth/redirect.html`` at an https address registered with Intuit, and
that page hands ``code``, ``state`` and ``realmId`` on to the listener. It cannot know
the listener's port, so the ``state`` carries it (``PORT.RANDOM``); the whole state is
still compared. Where the page cannot reach the listener, the user pastes the address
the browser ended on (``PastedAddress``); the same state check applies.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from oauthlib.oauth2 import OAuth2Error
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from app.hints import Action, Advice, Hint, Hinted
from app.logs import register_secret
from app.qbo.environments import SANDBOX_PROVIDER
from app.qbo.errors import OAuthError, TransportError, origin
from app.work import check_cancel

SCOPE = ["com.intuit.quickbooks.accounting"]
_env_lock = threading.Lock()


@dataclass(frozen=True)
class Endpoints:
    authorization: str
    token: str
    revocation: str
    userinfo: str = ""

    @classmethod
    def discover(cls, discovery_url: str, timeout: float = 20.0,
                 provider: str = "Intuit") -> Endpoints:
        try:
            reply = requests.get(discovery_url, timeout=timeout,
                                 headers={"Accept": "application/json"})
            reply.raise_for_status()
            doc = reply.json()
            return cls(doc["authorization_endpoint"], doc["token_endpoint"],
                       doc.get("revocation_endpoint", ""), doc.get("userinfo_endpoint", ""))
        except (requests.ConnectionError, requests.Timeout):
            said = unreachable_message(provider, discovery_url)
            raise TransportError(said.text, cause="unreachable", server=origin(discovery_url),
                                 hints=said.hints) from None
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema):
            raise TransportError(f"{discovery_url} is not an address SyncDesk can reach; "
                                 "nothing was connected. Give an http(s) address such as "
                                 "http://127.0.0.1:PORT.") from None
        except (requests.RequestException, ValueError, KeyError) as exc:
            status = getattr(getattr(exc, "response", None), "status_code", None)
            what = f"an error (HTTP {status})" if status else "something that is not its " \
                "sign-in settings"
            if provider == SANDBOX_PROVIDER:
                raise TransportError(
                    f"{capital(provider)} at {origin(discovery_url)} answered, but with "
                    f"{what}; nothing was connected. Check that {{0}} is the address `{{1}}` "
                    "printed.", server=origin(discovery_url),
                    hints=(Hint.of(Action.SANDBOX_ADDRESS), _THE_SANDBOX)) from None
            raise TransportError(
                f"{capital(provider)}'s sign-in service answered with {what}; nothing was "
                "connected. Try again later.", server=origin(discovery_url)) from None


@contextlib.contextmanager
def _loopback_http_allowed(url: str) -> Iterator[None]:
    """oauthlib insists on HTTPS; a SyncDesk sandbox on loopback speaks plain HTTP."""
    host = urlsplit(url).hostname or ""
    if url.startswith("https://") or host not in ("127.0.0.1", "localhost", "::1"):
        yield
        return
    with _env_lock:
        before = os.environ.get("OAUTHLIB_INSECURE_TRANSPORT")
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("OAUTHLIB_INSECURE_TRANSPORT", None)
            else:
                os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = before


def _oauth_error(exc: OAuth2Error) -> OAuthError:
    return OAuthError(exc.error or "oauth_error", exc.description or "",
                      exc.status_code or 400)


class OAuthClient:
    def __init__(self, endpoints: Endpoints, client_id: str, client_secret: str,
                 timeout: float = 30.0, provider: str = "Intuit") -> None:
        self.endpoints = endpoints
        self.provider = provider  # who answers, as messages name it
        self.client_id = client_id
        self._secret = client_secret
        self.timeout = timeout
        register_secret(client_secret)

    def __repr__(self) -> str:
        return f"OAuthClient(client_id={self.client_id!r})"

    def authorization_url(self, redirect_uri: str, state: str) -> str:
        session = OAuth2Session(self.client_id, redirect_uri=redirect_uri, scope=SCOPE,
                                state=state)
        with _loopback_http_allowed(self.endpoints.authorization):
            url, _ = session.authorization_url(self.endpoints.authorization)
        return url

    def exchange_code(self, code: str, redirect_uri: str) -> dict[str, Any]:
        """Trade the one-time code for tokens (client authenticated with HTTP Basic)."""
        session = OAuth2Session(self.client_id, redirect_uri=redirect_uri, scope=SCOPE)
        with _loopback_http_allowed(self.endpoints.token):
            try:
                return dict(session.fetch_token(
                    self.endpoints.token, code=code, client_secret=self._secret,
                    include_client_id=False, timeout=self.timeout))
            except OAuth2Error as exc:
                raise _oauth_error(exc) from None
            except requests.RequestException as exc:
                raise self._unreachable(exc, connecting=True) from None

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        session = OAuth2Session(self.client_id, scope=SCOPE)
        with _loopback_http_allowed(self.endpoints.token):
            try:
                return dict(session.refresh_token(
                    self.endpoints.token, refresh_token=refresh_token,
                    auth=HTTPBasicAuth(self.client_id, self._secret), timeout=self.timeout))
            except OAuth2Error as exc:
                raise _oauth_error(exc) from None
            except requests.RequestException as exc:
                raise self._unreachable(exc) from None

    def revoke(self, token: str) -> None:
        if not self.endpoints.revocation:
            return
        try:
            requests.post(self.endpoints.revocation, json={"token": token},
                          auth=HTTPBasicAuth(self.client_id, self._secret),
                          headers={"Accept": "application/json"}, timeout=self.timeout)
        except requests.RequestException as exc:
            raise self._unreachable(exc, self.endpoints.revocation) from None

    def _unreachable(self, exc: requests.RequestException, url: str = "",
                     connecting: bool = False) -> TransportError:
        """The sign-in service gave no answer: say who, and what to check."""
        url = url or self.endpoints.token
        timeout = isinstance(exc, requests.Timeout)
        said = unreachable_message(self.provider, url, timeout, connecting)
        return TransportError(said.text, cause="timeout" if timeout else "unreachable",
                              server=origin(url), details={"error": type(exc).__name__},
                              hints=said.hints)


POLL_SECONDS = 0.05


class CallbackListener:
    """A one-shot HTTP listener on loopback that catches Intuit's redirect."""

    def __init__(self) -> None:
        self.params: dict[str, str] | None = None
        self._got = threading.Event()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != "/callback":
                    self.send_error(404)
                    return
                query = parse_qs(parts.query)
                listener.params = {k: v[0] for k, v in query.items()}
                body = (b"<html><body><h2>SyncDesk</h2><p>You can close this window and go "
                        b"back to SyncDesk.</p></body></html>")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                listener._got.set()

            def log_message(self, format: str, *args: Any) -> None:
                return  # the query carries the code: never log it

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll: shutdown() waits for the next poll, and a local sandbox's sign-in
        # (the demo company's, each time it opens) is over in milliseconds.
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": POLL_SECONDS}, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        return f"http://localhost:{self.port}/callback"

    def __enter__(self) -> CallbackListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, timeout: float, cancel: threading.Event | None = None
             ) -> dict[str, str] | None:
        """The redirect's parameters; None after ``timeout``; ``Cancelled`` on ``cancel``."""
        deadline = time.monotonic() + timeout
        while not self._got.wait(max(0.0, min(0.1, deadline - time.monotonic()))):
            check_cancel(cancel)
            if time.monotonic() >= deadline:
                return None
        return self.params


class PastedAddress:
    """The address the browser ended on, pasted by the user while the sign-in waits
    (given on one thread, read by the waiting one)."""

    def __init__(self) -> None:
        self._address = ""
        self._given = threading.Event()

    def __repr__(self) -> str:  # the address holds the one-time code: never show it
        return f"PastedAddress(given={self._given.is_set()})"

    def paste(self, address: str) -> None:
        self._address = address.strip()
        self._given.set()

    @property
    def given(self) -> bool:
        return self._given.is_set()

    @property
    def address(self) -> str:
        return self._address


STATE_PORT_SEPARATOR = "."  # never in token_urlsafe's alphabet


def handoff_state(port: int) -> str:
    """A new ``state`` that tells the hosted redirect page the listener's port."""
    return f"{port}{STATE_PORT_SEPARATOR}{secrets.token_urlsafe(24)}"


def redirect_page_problem(address: str) -> str | None:
    """Why ``address`` cannot be the https redirect page, in plain words; None when it can."""
    parts = urlsplit(address.strip())
    if parts.scheme != "https" or not parts.hostname:
        return ("The redirect page must be an https address, such as "
                "https://yourfirm.example/syncdesk/redirect.html: Intuit sends a production "
                "sign-in only to https pages.")
    if parts.fragment or parts.query:
        return ("The redirect page's address must end at the page (no “?” or “#” part): "
                "Intuit adds the sign-in's answer after it.")
    return None


def answer_from_address(address: str) -> dict[str, str]:
    """``code``, ``state`` and ``realmId`` (or ``error``) from the address the browser
    ended on; a ``ConnectError`` when it holds no sign-in answer."""
    query = parse_qs(urlsplit(address.strip()).query)
    params = {k: v[0] for k, v in query.items()}
    if not params.get("code") and not params.get("error"):
        raise ConnectError("The address you pasted holds no sign-in answer (no code after its "
                           "“?”); nothing was connected. Copy the whole address from the "
                           "browser's address bar after you signed in, and paste that.")
    return params


class ConnectError(Hinted):
    """Connecting did not complete; the message says why in plain words (with hints)."""


@dataclass(frozen=True)
class Authorization:
    realm_id: str
    token_answer: dict[str, Any]


def _answer(listener: CallbackListener, timeout: float, cancel: threading.Event | None,
            pasted: PastedAddress | None) -> tuple[dict[str, str] | None, bool]:
    """The redirect's parameters (or the pasted address's), and whether they were pasted."""
    deadline = time.monotonic() + timeout
    while True:
        if pasted is not None and pasted.given:
            return answer_from_address(pasted.address), True
        left = deadline - time.monotonic()
        params = listener.wait(max(0.0, min(0.1, left)), cancel)
        if params is not None:
            return params, False
        if left <= 0:
            return None, False


def authorize(oauth: OAuthClient, open_browser: Callable[[str], Any],
              timeout: float = 300.0, cancel: threading.Event | None = None, *,
              redirect_page: str | None = None, pasted: PastedAddress | None = None
              ) -> Authorization:
    """Run the authorization-code flow: browser, callback, state check, code exchange.

    ``redirect_page``: the https page Intuit redirects to (it hands the answer on to the
    listener; the exchange names it as the redirect). ``pasted``: where the user may give
    the address the browser ended on instead. ``cancel`` stops the wait for the browser
    (``Cancelled``), before any code is exchanged.
    """
    if redirect_page is not None:
        problem = redirect_page_problem(redirect_page)
        if problem is not None:
            raise ConnectError(problem + " Nothing was connected.")
    who = capital(oauth.provider)
    with CallbackListener() as listener:
        state = handoff_state(listener.port) if redirect_page else secrets.token_urlsafe(24)
        redirect_uri = redirect_page.strip() if redirect_page else listener.redirect_uri
        open_browser(oauth.authorization_url(redirect_uri, state))
        params, was_pasted = _answer(listener, timeout, cancel, pasted)
    check_cancel(cancel)
    if params is None:
        raise ConnectError(f"{who} did not send SyncDesk back an answer in time; nothing was "
                           "connected. Try again.")
    if "error" in params:
        raise ConnectError(f"{who} did not grant access ({params['error']}); nothing was "
                           "connected.")
    if was_pasted and not params.get("state"):
        raise ConnectError("The address you pasted has no state, so SyncDesk cannot tell "
                           "that it answers this sign-in; nothing was connected. Paste the "
                           "whole address from the browser's address bar.")
    if not secrets.compare_digest(params.get("state", "").encode(), state.encode()):
        if was_pasted:
            raise ConnectError("The address you pasted answers another sign-in (its state "
                               "did not match), so SyncDesk ignored it; nothing was "
                               "connected. Connect again and paste the address the browser "
                               "ends on this time.")
        raise ConnectError("The answer that came back was not for this request (its state "
                           "did not match), so SyncDesk ignored it; nothing was connected.")
    if not params.get("code") or not params.get("realmId"):
        raise ConnectError(f"{who}'s answer had no authorization code or company id; nothing "
                           "was connected.")
    try:
        answer = oauth.exchange_code(params["code"], redirect_uri)
    except OAuthError as exc:
        if exc.error in CLIENT_REFUSED:
            said = refused_message(oauth.provider, exc.error)
            raise ConnectError(said.text, *said.hints) from None
        raise
    return Authorization(params["realmId"], answer)


CLIENT_REFUSED = ("invalid_client", "unauthorized_client")


def capital(text: str) -> str:
    """``text`` with its first letter upper case, for the start of a sentence."""
    return text[:1].upper() + text[1:]


# The command that starts the sandbox, where a sentence names it as the sandbox itself.
_THE_SANDBOX = Hint.of(Action.START_SANDBOX, words="the sandbox")


def unreachable_message(provider: str, url: str, timeout: bool = False,
                        connecting: bool = True) -> Advice:
    """Nothing answered at ``url``: who could not be reached, and what to check."""
    happened = "did not answer in time" if timeout else "could not be reached"
    done = "; nothing was connected." if connecting else "."
    if provider == SANDBOX_PROVIDER:
        start = Hint.of(Action.START_SANDBOX, words="")
        said = f"{capital(provider)} at {origin(url)} {happened}{done} Is it running? "
        if connecting:
            return Advice(said + "Start it ({0}) and give {1} the address it prints.",
                          start, Hint.of(Action.SANDBOX_ADDRESS, words="SyncDesk"))
        return Advice(said + "Start it again ({0}).", start)
    return Advice(f"{capital(provider)}'s sign-in service {happened}{done} Check the internet "
                  "connection and try again.")


def refused_message(provider: str, error: str) -> Advice:
    """The client id or secret was refused: say so, and what to check."""
    said = f"{capital(provider)} refused the client id/secret ({error}); nothing was connected. "
    if provider == SANDBOX_PROVIDER:
        return Advice(said + "Use the client id and secret the sandbox was started with: "
                      "syncdesk-demo and syncdesk-demo-secret, unless it was given {0}/{1}.",
                      Hint.of(Action.CLIENT_ID, words="another client id"),
                      Hint.of(Action.CLIENT_SECRET, words="secret"))
    return Advice(said + "Check your app's client id and secret in the Intuit developer "
                  "portal.")


def follow_redirects(url: str) -> None:
    """For a local sandbox: 'open the browser' by following the redirects in-process.

    A refusal on the sandbox's authorize page (a wrong client id) never comes
    back to SyncDesk's listener, so it is raised here at once rather than
    waited for until the sign-in times out.
    """
    try:
        reply = requests.get(url, timeout=30, allow_redirects=True)
    except requests.RequestException:
        said = unreachable_message(SANDBOX_PROVIDER, url)
        raise ConnectError(said.text, *said.hints) from None
    if reply.status_code < 400:
        return
    try:
        error = str(reply.json().get("error") or "")
    except (ValueError, AttributeError):
        error = ""
    if error in CLIENT_REFUSED:
        said = refused_message(SANDBOX_PROVIDER, error)
        raise ConnectError(said.text, *said.hints)
    raise ConnectError(f"{capital(SANDBOX_PROVIDER)} refused the "
                       f"sign-in ({error or f'HTTP {reply.status_code}'}); nothing was "
                       "connected.")
