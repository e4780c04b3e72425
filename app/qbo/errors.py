"""One parser for every error body QuickBooks Online sends, and the exceptions it yields.

QuickBooks answers errors in several shapes (see shared/qbo/API.md §7.1):
upper-case ``Fault/Error`` JSON, lower-case ``fault/error`` JSON (401s), XML
``IntuitResponse`` (throttling, even when JSON was asked for), HTML gateway
pages and empty bodies (502/503/504), and OAuth's ``{"error": …}``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from app.hints import Hint, HintText, plain, render

BODY_HEAD = 300  # bytes of an unparseable body kept for the log
RAW_MAX = 20_000  # characters of a Fault's answer kept for a support file
UNREADABLE = "QuickBooks sent an answer SyncDesk cannot read"


@dataclass(frozen=True)
class QboError:
    """One item of a Fault's ``Error[]``."""

    code: str
    message: str
    detail: str = ""
    element: str = ""
    fault_type: str = ""
    http_status: int = 0
    intuit_tid: str | None = None

    @property
    def plain_detail(self) -> str:
        """The detail without QuickBooks' leading ``"<Message> : "`` echo."""
        prefix = f"{self.message} : "
        return self.detail[len(prefix):] if self.detail.startswith(prefix) else self.detail

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": self.detail,
                "element": self.element, "type": self.fault_type,
                "http_status": self.http_status, "intuit_tid": self.intuit_tid}


class QboClientError(Exception):
    """Base of everything the QuickBooks client raises."""


@dataclass
class QboFault(QboClientError):
    """QuickBooks answered with a Fault (validation, authentication, throttling, system)."""

    errors: list[QboError]
    http_status: int
    intuit_tid: str | None = None
    retry_after: float | None = None  # seconds, when a 429 came with Retry-After
    raw: str = field(default="", repr=False, compare=False)  # the answer's text, as it came

    def __post_init__(self) -> None:
        super().__init__(self.summary())

    def summary(self) -> str:
        return "; ".join(f"{e.code} {e.message}" + (f": {e.plain_detail}" if e.detail else "")
                         for e in self.errors)

    @property
    def codes(self) -> list[str]:
        return [e.code for e in self.errors]

    @property
    def first(self) -> QboError:
        return self.errors[0]

    @property
    def throttled(self) -> bool:
        return self.http_status == 429 or "3001" in self.codes

    @property
    def auth_failed(self) -> bool:
        return self.http_status == 401 or any(c in ("3200", "100", "110") for c in self.codes)

    @property
    def transient(self) -> bool:
        """Worth retrying by itself: throttling or a QuickBooks-side system fault."""
        return self.throttled or self.http_status >= 500 or any(
            e.fault_type.lower().startswith("system") for e in self.errors)


@dataclass
class OAuthError(QboClientError):
    """The token endpoint refused: ``invalid_grant`` means the user must reconnect."""

    error: str
    description: str = ""
    http_status: int = 400
    intuit_tid: str | None = None

    def __post_init__(self) -> None:
        super().__init__(f"{self.error}: {self.description}" if self.description else self.error)

    @property
    def needs_reconnect(self) -> bool:
        return self.error in ("invalid_grant", "invalid_client", "unauthorized_client")


@dataclass
class TransportError(QboClientError):
    """No usable answer: a timeout, a dropped connection, an HTML page or an empty body."""

    reason: str
    http_status: int | None = None
    body_head: str = ""
    intuit_tid: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    cause: str = ""  # "unreachable" (no connection at all), "timeout", or "" (a bad answer)
    server: str = ""  # scheme://host:port of what could not be reached
    hints: tuple[Hint, ...] = ()  # what the user can do: ``reason`` holds ``{0}``… for them

    @property
    def local(self) -> bool:
        """Whether the server is on this machine (a SyncDesk sandbox), not Intuit's."""
        return is_loopback(self.server)

    def __post_init__(self) -> None:
        super().__init__(self.words())

    def reason_words(self, as_text: HintText = plain) -> str:
        """``reason`` with its hints shown by ``as_text`` (plain words unless told)."""
        return render(self.reason, self.hints, as_text)

    def words(self, as_text: HintText = plain) -> str:
        where = f" (HTTP {self.http_status})" if self.http_status else ""
        return f"{self.reason_words(as_text)}{where}"


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url``: what messages name as the server."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else url


def is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def _text(value: Any) -> str:
    """A field of a Fault as text; anything but a plain value (a list, an object) is blank."""
    if value is None or isinstance(value, dict | list):
        return ""
    try:
        return str(value)[:BODY_HEAD * 4]
    except ValueError:  # an integer too long to write out
        return ""


def _json_errors(data: dict[str, Any], status: int, tid: str | None) -> list[QboError] | None:
    fault = data.get("Fault") or data.get("fault")
    if not isinstance(fault, dict):
        return None
    items = fault.get("Error") or fault.get("error") or []
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        items = []  # e.g. {"Fault": {"Error": 5}}: a Fault, but no error items to read
    fault_type = _text(fault.get("type"))
    errors = []
    for item in items:
        if not isinstance(item, dict):
            continue
        errors.append(QboError(
            code=_text(item.get("code") or item.get("Code")),
            message=_text(item.get("Message") or item.get("message")),
            detail=_text(item.get("Detail") or item.get("detail")),
            element=_text(item.get("element") or item.get("Element")),
            fault_type=fault_type, http_status=status, intuit_tid=tid,
        ))
    return errors or [QboError(code="", message="Fault without errors", fault_type=fault_type,
                               http_status=status, intuit_tid=tid)]


_NS = re.compile(r"^\{[^}]*\}")


def _xml_errors(body: str, status: int, tid: str | None) -> list[QboError] | None:
    try:
        root = ET.fromstring(body)
    except (ET.ParseError, ValueError, RecursionError):
        return None

    def local(tag: str) -> str:
        return _NS.sub("", tag)

    errors = []
    for fault in root.iter():
        if not isinstance(fault.tag, str) or local(fault.tag) != "Fault":
            continue
        for error in fault:
            if not isinstance(error.tag, str) or local(error.tag) != "Error":
                continue
            parts = {local(str(child.tag)): (child.text or "") for child in error}
            errors.append(QboError(
                code=error.get("code", ""), message=parts.get("Message", ""),
                detail=parts.get("Detail", ""), element=error.get("element", ""),
                fault_type=fault.get("type", ""), http_status=status, intuit_tid=tid,
            ))
    return errors or None


def parse_error(status: int, body: bytes, content_type: str = "",
                intuit_tid: str | None = None) -> QboClientError:
    """Turn an error response (or a 200 carrying a Fault) into the right exception.

    Whatever the body, the result is a ``QboClientError``: this never raises.
    """
    try:
        return _parse_error(status, body, content_type, intuit_tid)
    except Exception:  # a body no rule foresaw must not take the whole sync down
        try:
            head = bytes(body[:BODY_HEAD]).decode("utf-8", errors="replace")
        except Exception:
            head = ""
        return TransportError(UNREADABLE, status, head, intuit_tid)


def _parse_error(status: int, body: bytes, content_type: str, intuit_tid: str | None
                 ) -> QboClientError:
    text = body.decode("utf-8", errors="replace").strip()
    head = text[:BODY_HEAD]
    if not text:
        return TransportError("QuickBooks sent an empty answer", status, "", intuit_tid)
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than Python reads
            data = None
        if isinstance(data, dict):
            errors = _json_errors(data, status, intuit_tid)
            if errors is not None:
                return QboFault(errors, status, intuit_tid, raw=text[:RAW_MAX])
            if "error" in data and isinstance(data["error"], str):
                return OAuthError(data["error"], _text(data.get("error_description")), status,
                                  intuit_tid)
    if text.startswith("<?xml") or text.startswith("<IntuitResponse"):
        errors = _xml_errors(text, status, intuit_tid)
        if errors is not None:
            return QboFault(errors, status, intuit_tid, raw=text[:RAW_MAX])
    page = text[:15].lower().startswith(("<!doctype", "<html"))
    if "html" in str(content_type or "").lower() or page:
        return TransportError("QuickBooks sent a web page instead of data (a gateway error)",
                              status, head, intuit_tid)
    return TransportError(UNREADABLE, status, head, intuit_tid)


def fault_in(data: Any, status: int, intuit_tid: str | None) -> QboFault | None:
    """A Fault inside a successful (HTTP 200) JSON answer, if there is one."""
    if not isinstance(data, dict):
        return None
    try:
        errors = _json_errors(data, status, intuit_tid)
    except Exception:  # never expected; a Fault SyncDesk cannot read is still a Fault
        errors = [QboError(code="", message="Fault SyncDesk cannot read", http_status=status,
                           intuit_tid=intuit_tid)]
    return QboFault(errors, status, intuit_tid) if errors is not None else None
