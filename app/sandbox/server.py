"""The sandbox's HTTP app (Flask) and its threaded loopback server.

:class:`SandboxServer` is the in-process API for tests and the GUI's demo mode::

    with SandboxServer(seed="empty") as sandbox:
        token = sandbox.access_token()
        requests.get(f"{sandbox.base_url}/v3/company/{sandbox.realm_id}/companyinfo/"
                     f"{sandbox.realm_id}", headers={"Authorization": f"Bearer {token}"})

Every ``/v3`` request goes through, in order: the throttle
(:attr:`SandboxServer.throttling`, :mod:`app.sandbox.throttle`), the fault schedule
(:attr:`SandboxServer.faults`, :mod:`app.sandbox.injection`), the
:attr:`SandboxServer.before_hooks`, authentication, the handler, and the
:attr:`SandboxServer.after_hooks`.
"""

from __future__ import annotations

import contextlib
import copy
import ipaddress
import json
import logging
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from app.sandbox import batch, cdc, faults, ops, query
from app.sandbox.entities import SPECS, EntitySpec, lookup
from app.sandbox.faults import FaultError
from app.sandbox.injection import FaultInjector, FaultRule
from app.sandbox.oauth import ACCOUNTING_SCOPE, OAuthState
from app.sandbox.oauth import register as register_oauth
from app.sandbox.seeds import SEEDS
from app.sandbox.state import Clock, Company, response_time
from app.sandbox.throttle import Refusal, Throttle, parse_throttle

log = logging.getLogger(__name__)

DEFAULT_CLIENT_ID = "syncdesk-demo"
DEFAULT_CLIENT_SECRET = "syncdesk-demo-secret"
#: CHOSEN: a fixed 19-digit realm, like Intuit sandbox company ids, so runs repeat.
DEFAULT_REALM_ID = "9341453050071337001"
#: The named throttle modes; ``--throttle`` also takes a spec (see throttle.py).
THROTTLE_MODES = ("qbo", "off")
DEFAULT_THROTTLE = "qbo"
#: environ key the view sets to make the connection close without an HTTP answer
DROP_CONNECTION = "sandbox.drop_connection"
REQUESTID_MAX = 50
BATCH_REQUESTID_MAX = 36
JSON_TYPE = "application/json;charset=UTF-8"


@dataclass
class ApiRequest:
    """What hooks see about one ``/v3/company/{realm}/…`` request."""

    realm_id: str
    path: str  # the part after the realm, e.g. "vendor", "query", "bill/12"
    method: str
    params: dict[str, str]
    extra: dict[str, Any] = field(default_factory=dict)


BeforeHook = Callable[[ApiRequest], "Response | None"]
AfterHook = Callable[[ApiRequest, Response], Response]


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _json_response(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    text = json.dumps(body, default=_json_default)
    response = Response(text, status=status, headers=headers or {})
    response.headers["Content-Type"] = JSON_TYPE
    return response


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _tid() -> str:
    return f"1-{secrets.token_hex(4)}-{secrets.token_hex(12)}"


class SandboxServer:
    """A QBO company served on loopback from a background thread."""

    def __init__(self, seed: str = "empty", realm_id: str | None = None,
                 client_id: str = DEFAULT_CLIENT_ID,
                 client_secret: str = DEFAULT_CLIENT_SECRET, token_ttl: int = 3600,
                 state_file: str | Path | None = None, host: str = "127.0.0.1", port: int = 0,
                 throttle: str = DEFAULT_THROTTLE, faults: str | None = None,
                 fault_seed: int = 0, log_requests: bool = False) -> None:
        if not is_loopback(host):
            raise ValueError(f"the sandbox serves on loopback only, not {host!r}")
        try:
            limits = parse_throttle(throttle)
        except ValueError as exc:
            raise ValueError(f"bad throttle {throttle!r}: {exc}") from None
        if seed not in SEEDS:
            raise ValueError(f"unknown seed {seed!r} (known: {', '.join(SEEDS)})")
        self.host, self.port, self.throttle = host, port, throttle
        self.log_requests = log_requests
        self.clock = Clock()
        self.company = Company(realm_id or DEFAULT_REALM_ID, self.clock)
        path = Path(state_file) if state_file is not None else None
        if path is not None and path.exists():
            self.company.load_json(json.loads(path.read_text(encoding="utf-8")))
        else:
            SEEDS[seed](self.company)
        self.company.state_file = path
        self.oauth = OAuthState(self.clock, client_id, client_secret, self.company.realm_id,
                                token_ttl, self.company.extra.setdefault("oauth", {}),
                                lock=self.company.lock)
        self.company.save()
        #: admission control per realm (``sandbox.throttling.configure("5/1s")``)
        self.throttling = Throttle(limits)
        #: the fault schedule (``sandbox.faults.add("lost", route="bill", count=2)``)
        self.faults = FaultInjector(seed=fault_seed)
        if faults:
            self.faults.load(faults)
        self.before_hooks: list[BeforeHook] = []
        self.after_hooks: list[AfterHook] = []
        self._stopping = threading.Event()  # wakes ``slow`` faults on stop()
        self.app = create_app(self)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------
    @property
    def realm_id(self) -> str:
        """The company id used in every API URL."""
        return self.company.realm_id

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` once bound."""
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._server.server_port}"

    @property
    def api_base(self) -> str:
        """The QBO ``{base}`` (``…/v3``) clients put before ``/company/{realm}``."""
        return f"{self.base_url}/v3"

    def bind(self) -> None:
        """Bind the socket (so :attr:`base_url` is known) without serving yet."""
        if self._server is None:
            self._stopping.clear()
            handler = WSGIRequestHandler if self.log_requests else _QuietHandler
            self._server = make_server(self.host, self.port, self.app, threaded=True,
                                       request_handler=handler)

    def start(self) -> SandboxServer:
        """Bind and serve from a daemon thread."""
        self.bind()
        assert self._server is not None
        # A short poll interval keeps stop() quick (tests start many servers).
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="qbo-sandbox", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread until :meth:`stop` (the CLI)."""
        self.bind()
        assert self._server is not None
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- in-process helpers ------------------------------------------------------------------
    def issue_tokens(self, scope: str = ACCOUNTING_SCOPE) -> dict:
        """A token response as the token endpoint would give, without the browser flow."""
        issued = self.oauth.issue(scope)
        issued.pop("_hard", None)
        self.company.save()
        return issued

    def access_token(self) -> str:
        """A fresh access token for this realm."""
        return self.issue_tokens()["access_token"]

    def advance_clock(self, seconds: float) -> None:
        """Move the sandbox's clock (token expiry, CDC windows, MetaData times)."""
        self.clock.advance(seconds)

    def create(self, entity: str, body: dict, include: set[str] | None = None) -> dict:
        """Create (or update, with Id+SyncToken) through the same rules as HTTP."""
        spec = _spec(entity)
        with self.company.lock:
            return ops.save(self.company, spec, copy.deepcopy(body), include)

    def read(self, entity: str, obj_id: str) -> dict | None:
        """A copy of a stored object, or None."""
        if entity.lower() == "companyinfo":
            return copy.deepcopy(self.company.company_info)
        if entity.lower() == "preferences":
            return copy.deepcopy(self.company.preferences)
        return self.company.snapshot(_spec(entity).name, str(obj_id))

    def set_closing_date(self, value: Any) -> None:
        """Set ``Preferences.AccountingInfoPrefs.BookCloseDate`` (None clears it)."""
        with self.company.lock:
            self.company.set_closing_date(value)

    def set_preference(self, name: str, value: str) -> None:
        """Set an ``OtherPrefs`` name/value, e.g. ``WarnDuplicateBillNumber``."""
        with self.company.lock:
            self.company.set_other_pref(name, value)


def _spec(entity: str) -> EntitySpec:
    spec = lookup(entity)
    if spec is None:
        raise KeyError(entity)
    return spec


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Tests and the demo don't want a line per request on stderr."""


# --- the Flask app ----------------------------------------------------------------------------
def create_app(sandbox: SandboxServer) -> Flask:
    """The WSGI app for one sandbox."""
    app = Flask("app.sandbox")
    app.config["SANDBOX"] = sandbox
    app.wsgi_app = _ConnectionDropper(app.wsgi_app)  # type: ignore[method-assign]

    def oauth_state() -> tuple[OAuthState, str, Callable[[], None]]:
        return sandbox.oauth, request.host_url.rstrip("/"), sandbox.company.save

    register_oauth(app, oauth_state)

    @app.route("/v3/company/<realm_id>/<path:rest>", methods=["GET", "POST"])
    def api(realm_id: str, rest: str) -> Response:
        return _api_request(sandbox, realm_id, rest)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return _json_response({"error": exc.name, "error_description": exc.description},
                              exc.code or 500)

    @app.errorhandler(Exception)
    def crash(exc: Exception) -> Response:
        log.exception("sandbox handler failed")
        now = response_time(sandbox.clock.now())
        return _json_response(
            faults.fault_body([faults.system_failure(type(exc).__name__)], faults.SYSTEM, now),
            500)

    @app.after_request
    def tid(response: Response) -> Response:
        response.headers.setdefault("intuit_tid", _tid())
        return response

    return app


def _auth_failure(sandbox: SandboxServer, realm_id: str) -> Response | None:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not token:
        # CHOSEN: the §2.4 envelope with the "Malformed bearer token" detail seen
        # in routablehq/python-quickbooks #250.
        detail = "Malformed bearer token: too short or too long"
    else:
        detail = sandbox.oauth.check_access(token)
    if detail is not None:
        body = faults.auth_401_body(detail, int(sandbox.clock.timestamp() * 1000))
        return _json_response(body, 401, {
            "WWW-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'})
    if realm_id != sandbox.realm_id:
        now = response_time(sandbox.clock.now())
        return _json_response(faults.fault_body([faults.general_authentication()],
                                                faults.AUTHENTICATION, now), 401)
    return None


def _api_request(sandbox: SandboxServer, realm_id: str, rest: str) -> Response:
    ctx = ApiRequest(realm_id, rest.strip("/"), request.method, dict(request.args))
    refusal = sandbox.throttling.admit(realm_id, batch=ctx.path.lower() == "batch")
    if refusal is not None:
        return _throttled(sandbox, refusal)
    try:  # the request is in flight (the concurrency limit) until it returns
        return _with_faults(sandbox, ctx)
    finally:
        sandbox.throttling.release(realm_id)


def _with_faults(sandbox: SandboxServer, ctx: ApiRequest) -> Response:
    rule = sandbox.faults.pick(ctx.method, ctx.path)
    if rule is not None and rule.kind in ("401", "429", "500", "503", "drop"):
        return _fault_response(sandbox, rule)
    response = _served(sandbox, ctx)
    if rule is None:
        return response
    if rule.kind == "lost":  # the work is done; the answer never leaves
        # Read what the handler may have left unread (a requestid replay does not
        # look at the body), so no byte of it is taken for a next request.
        request.get_data()
        request.environ[DROP_CONNECTION] = True
    elif rule.kind == "empty":
        response = Response(b"", 200, headers={"Content-Type": JSON_TYPE})
    elif rule.kind == "slow":
        sandbox._stopping.wait(rule.delay)
    return response


def _served(sandbox: SandboxServer, ctx: ApiRequest) -> Response:
    for hook in list(sandbox.before_hooks):
        early = hook(ctx)
        if early is not None:
            return early
    response = _auth_failure(sandbox, ctx.realm_id)
    if response is None:
        response = _authorised(sandbox, ctx)
    for after in list(sandbox.after_hooks):
        response = after(ctx, response)
    return response


def throttle_response(sandbox: SandboxServer, retry_after: str | None = None) -> Response:
    """HTTP 429 with QBO's XML body (API.md §6), whatever the client asked for."""
    body = faults.throttle_xml(response_time(sandbox.clock.now()))
    headers = {"Content-Type": faults.XML_TYPE}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return Response(body, 429, headers=headers)


def _throttled(sandbox: SandboxServer, refusal: Refusal) -> Response:
    limits = sandbox.throttling.limits
    return throttle_response(sandbox, refusal.retry_after(limits.retry_after if limits else None))


def _fault_response(sandbox: SandboxServer, rule: FaultRule) -> Response:
    if rule.kind == "drop":
        request.get_data()  # read the body, so the close is a clean FIN rather than a reset
        request.environ[DROP_CONNECTION] = True
        return Response(b"", 500)  # never sent
    if rule.kind == "401":
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if rule.revoke == "grant":
            sandbox.oauth.revoke(token)
        else:
            sandbox.oauth.revoke_access(token)
        sandbox.company.save()
        body = faults.auth_401_body(f"Token revoked: {token}",
                                    int(sandbox.clock.timestamp() * 1000))
        return _json_response(body, 401, {
            "WWW-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'})
    if rule.kind == "429":
        limits = sandbox.throttling.limits
        setting = limits.retry_after if limits else None
        # CHOSEN: with retry-after=auto an injected 429 names Intuit's 60 s back-off.
        return throttle_response(sandbox, None if setting is None else
                                 "60" if setting == "auto" else str(int(setting)))
    if rule.kind == "500":
        now = response_time(sandbox.clock.now())
        body = faults.fault_body([faults.system_failure("injected fault")], faults.SYSTEM, now)
        return _json_response(body, 500)
    assert rule.kind == "503"
    return Response(faults.gateway_html(503), 503, headers={"Content-Type": faults.HTML_TYPE})


class _ConnectionDropper:
    """WSGI middleware: when the view set :data:`DROP_CONNECTION`, close the socket
    without an HTTP answer (the client sees the connection end, never a response).

    Nothing is written before the response iterable is consumed, so shutting the
    socket down here and raising a ``ConnectionError`` (which werkzeug's handler
    takes for a dropped connection and stays silent about) sends no byte of the
    response the view built.
    """

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        result = self.wsgi_app(environ, start_response)
        if not environ.get(DROP_CONNECTION):
            return result
        close = getattr(result, "close", None)
        if close is not None:
            close()
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        raise ConnectionAbortedError("sandbox fault: connection closed without an answer")


def _authorised(sandbox: SandboxServer, ctx: ApiRequest) -> Response:
    company = sandbox.company
    requestid = request.args.get("requestid") if request.method == "POST" else None
    with company.lock:
        now = response_time(company.clock.now())
        if requestid is not None:
            limit = BATCH_REQUESTID_MAX if ctx.path.lower() == "batch" else REQUESTID_MAX
            if len(requestid) > limit:
                err = faults.string_too_long("requestid", limit, len(requestid))
                return _json_response(faults.fault_body([err], faults.VALIDATION, now), 400)
            seen = company.requestids.get(requestid)
            if seen is not None:
                return _json_response(seen["body"], seen["status"])
        try:
            body, status = _dispatch(sandbox, ctx), 200
            body["time"] = now
        except FaultError as exc:
            body, status = exc.body(now), exc.status
        except Exception as exc:  # any bug still answers as QBO would: a JSON SystemFault
            log.exception("sandbox request failed: %s %s", ctx.method, ctx.path)
            body = faults.fault_body([faults.system_failure(type(exc).__name__)],
                                     faults.SYSTEM, now)
            status = 500
        if requestid is not None and status < 500:
            # A SystemFault is not remembered: the client's retry deserves a real try.
            company.requestids[requestid] = {"status": status, "body": body}
            company.save()
        return _json_response(body, status)


def _include() -> set[str]:
    return {part.strip().lower() for part in request.args.get("include", "").split(",")
            if part.strip()}


def _query_text() -> str:
    if "query" in request.args:
        return request.args["query"]
    if request.mimetype == "application/x-www-form-urlencoded" and "query" in request.form:
        return request.form["query"]
    return request.get_data(as_text=True)


def _body() -> dict:
    raw = request.get_data(as_text=True)
    try:
        body = json.loads(raw, parse_float=Decimal) if raw.strip() else None
    except ValueError as exc:
        raise FaultError([faults.bad_request_body(f"Invalid JSON: {exc}")]) from None
    if not isinstance(body, dict):
        raise FaultError([faults.bad_request_body("the request body must be a JSON object")])
    return body


def _unsupported(ctx: ApiRequest) -> FaultError:
    relative = request.path
    return FaultError([faults.unsupported_operation(relative, request.url)])


def _dispatch(sandbox: SandboxServer, ctx: ApiRequest) -> dict:
    company = sandbox.company
    parts = ctx.path.split("/")
    head = parts[0].lower()
    method = ctx.method
    if head == "query" and len(parts) == 1:
        return {"QueryResponse": query.execute(company, _query_text())}
    if head == "batch" and len(parts) == 1 and method == "POST":
        return batch.run(company, _body(), _write, query.execute, _include(),
                         with_requestid="requestid" in request.args)
    if head == "cdc" and len(parts) == 1 and method == "GET":
        return cdc.changes(company, request.args.get("entities"),
                           request.args.get("changedSince"))
    spec = lookup(head)
    if spec is None or len(parts) > 2:
        raise _unsupported(ctx)
    if spec.kind == "singleton":
        if method == "GET" and (spec.name == "Preferences") == (len(parts) == 1):
            if spec.name == "CompanyInfo" and parts[1] not in (company.realm_id, "1"):
                raise FaultError([faults.object_not_found()])
            obj = company.company_info if spec.name == "CompanyInfo" else company.preferences
            return {spec.name: copy.deepcopy(obj)}
        if method == "POST" and len(parts) == 1:
            return {spec.name: ops.save(company, spec, _body())}
        raise _unsupported(ctx)
    if method == "GET" and len(parts) == 2:
        obj_id = parts[1]
        if not obj_id.isdigit():
            raise FaultError([faults.invalid_id(obj_id)])
        obj = company.get(spec.name, obj_id)
        if obj is None:
            raise FaultError([faults.object_deleted() if company.was_deleted(spec.name, obj_id)
                              else faults.object_not_found()])
        return {spec.name: copy.deepcopy(obj)}
    if method == "POST" and len(parts) == 1:
        operation = request.args.get("operation", "").lower() or "save"
        if operation == "update":
            operation = "save"
        return {spec.name: _write(company, spec.name, _body(), operation, _include())}
    raise _unsupported(ctx)


def _write(company: Company, entity: str, body: dict, operation: str,
           include: set[str]) -> dict:
    spec = SPECS[entity]
    if operation in ("save", "create"):
        return ops.save(company, spec, body, include)
    if operation == "update":
        if not str(body.get("Id", "")).strip():
            raise FaultError([faults.required("Id")])
        return ops.save(company, spec, body, include)
    if operation == "delete":
        return ops.delete(company, spec, body)
    if operation == "void":
        return ops.void(company, spec, body)
    raise FaultError([faults.operation_not_supported(operation, spec.name)])
