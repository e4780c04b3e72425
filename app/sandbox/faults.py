"""QBO Fault payloads with the wire texts from shared/qbo/API.md (§2.4, §4.1, §7).

Every builder returns a :class:`QboError`; :class:`FaultError` carries one or
more of them up to the HTTP layer, which renders
``{"Fault": {"Error": [...], "type": ...}, "time": ...}``.

Where API.md gives a real text, it is copied verbatim. Where it is silent the
choice is marked ``CHOSEN`` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

VALIDATION = "ValidationFault"
SYSTEM = "SystemFault"
AUTHENTICATION = "AuthenticationFault"


@dataclass(frozen=True)
class QboError:
    """One item of ``Fault.Error``."""

    code: str
    message: str
    detail: str
    element: str = ""

    def to_json(self) -> dict:
        """QBO's upper-case item shape; ``code`` is a string."""
        return {"Message": self.message, "Detail": self.detail, "code": self.code,
                "element": self.element}


@dataclass
class FaultError(Exception):
    """Raised by handlers; rendered as a Fault body with ``status``."""

    errors: list[QboError]
    type: str = VALIDATION
    status: int = 400
    extra: dict = field(default_factory=dict)

    def body(self, time: str) -> dict:
        """The response body."""
        return fault_body(self.errors, self.type, time)


def fault_body(errors: list[QboError], ftype: str, time: str) -> dict:
    """``{"Fault": {...}, "time": ...}``."""
    return {"Fault": {"Error": [e.to_json() for e in errors], "type": ftype}, "time": time}


def fault_item(errors: list[QboError], ftype: str = VALIDATION) -> dict:
    """The ``Fault`` object alone (batch items carry it next to ``bId``)."""
    return {"Error": [e.to_json() for e in errors], "type": ftype}


# --- 6240 ---------------------------------------------------------------
DUPLICATE_NAME_MESSAGE = "Duplicate Name Exists Error"


def duplicate_name() -> QboError:
    """6240. Detail is the official batch sample's text (API.md §7.2; PHP SDK #241).

    CHOSEN: no ``Id=`` suffix; the "Id=" format is UNCONFIRMED in API.md, the
    sentence below is the official one.
    """
    return QboError("6240", DUPLICATE_NAME_MESSAGE,
                    "The name supplied already exists. : Another customer, vendor or employee is "
                    "already using this name. Please use a different name.")


def duplicate_list_name(kind: str) -> QboError:
    """6240 for Account and Item names (unique within their own list).

    CHOSEN: the Vendor sentence with the list's word; API.md has no real text.
    """
    return QboError("6240", DUPLICATE_NAME_MESSAGE,
                    f"The name supplied already exists. : Another {kind} is already using this "
                    "name. Please use a different name.")


# --- 6140 ---------------------------------------------------------------
def duplicate_doc_number(doc: str, txn_type: str, txn_id: str) -> QboError:
    """6140, ``element`` DocNumber (API.md §7.2, the third-party fixture's form)."""
    return QboError("6140", "Duplicate Document Number Error",
                    "Duplicate Document Number Error : You must specify a different number. "
                    f"This number has already been used. DocNumber={doc} is assigned to "
                    f"TxnType={txn_type} with TxnId={txn_id}", "DocNumber")


# --- 610 / 2500 -----------------------------------------------------------
INACTIVE_DETAIL = ("Object Not Found : Something you're trying to use has been made inactive. "
                   "Check the fields with accounts, customers, items, vendors or employees.")


def object_inactive(element: str = "") -> QboError:
    """610 for a reference to an inactive name (qbo_api batch cassette text)."""
    return QboError("610", "Object Not Found", INACTIVE_DETAIL, element)


def object_not_found() -> QboError:
    """610 for an unknown Id on read/update/delete.

    CHOSEN: the same text as the recorded batch response, whose 610 answered a
    delete of an Id that did not exist (qbo_api ``batch/basic.yml``).
    """
    return QboError("610", "Object Not Found", INACTIVE_DETAIL)


def object_deleted() -> QboError:
    """610 for a transaction that was deleted ([B-TOPERR] text)."""
    return QboError("610", "Object Not Found",
                    "Object Not Found : Another user has deleted this transaction.")


#: 2500 detail groups, from fylein/fyle-qbo-api's real strings ("Names" = Vendor,
#: Customer, Employee; "Accounts"). CHOSEN: "Items" and "Terms" by analogy.
REFERENCE_GROUPS = {"Vendor": "Names", "Customer": "Names", "Employee": "Names",
                    "Account": "Accounts", "Item": "Items", "Term": "Terms"}


def invalid_reference(target: str, ref_id: str, element: str = "") -> QboError:
    """2500 ``Invalid Reference Id : Accounts element id 7 not found``."""
    group = REFERENCE_GROUPS.get(target, target + "s")
    return QboError("2500", "Invalid Reference Id",
                    f"Invalid Reference Id : {group} element id {ref_id} not found", element)


# --- 5010 ---------------------------------------------------------------
def stale_object(user: str) -> QboError:
    """5010 with the other user's name (qbo_api batch cassette form)."""
    return QboError("5010", "Stale Object Error",
                    f"Stale Object Error : You and {user} were working on this at the same time. "
                    f"{user} finished before you did, so your work was not saved.")


# --- 6000 ---------------------------------------------------------------
BUSINESS_MESSAGE = "A business validation error has occurred while processing your request"
BILL_BEFORE_PO = ("Add a purchase order that was created before this transaction, or make sure "
                  "the date of the transaction is correct.")


def business(text: str, element: str = "") -> QboError:
    """6000; the Detail always begins ``Business Validation Error: ``."""
    return QboError("6000", BUSINESS_MESSAGE, f"Business Validation Error: {text}", element)


def ap_account_on_line(doc_label: str) -> QboError:
    """6000, AP account on a purchase line (Emburse help text, for "a Bill").

    CHOSEN: the same sentence naming the document ("a Purchase Order") for
    other transactions; API.md marks other wordings UNCONFIRMED.
    """
    return business(f"You can't use an Accounts Payable account on the detail portion of "
                    f"{doc_label}.")


def ar_account_on_line() -> QboError:
    """6000, AR account on a purchase line (help.x1fbo.com text from API.md)."""
    return business("When you use Accounts Receivable, you must choose a customer in the "
                    "Name field.")


# --- 2020 / 2050 / 6070 / 6080 / 6010 / 6200 ------------------------------
def required(name: str, element: str | None = None) -> QboError:
    """2020 ``Required parameter Line is missing in the request``.

    CHOSEN: ``element`` carries the field path (e.g. ``Line.AccountBasedExpenseLineDetail.
    AccountRef``) so a client can point at the field; the Detail names the leaf.
    """
    return QboError("2020",
                    "Required param missing, need to supply the required value for the API",
                    f"Required parameter {name} is missing in the request",
                    name if element is None else element)


def _grouped(n: int) -> str:
    # CHOSEN: thousands separators as in the real "Max:4,000 … 4,006" text (API.md
    # §7.2); below 1000 this is the primary "Max:21 … Supplied length:45" form.
    return f"{n:,}"


def string_too_long(element: str, maximum: int, supplied: int) -> QboError:
    """2050 with ``element`` and ``Max:`` in the Detail (API.md §3.9, §7.2)."""
    return QboError("2050",
                    "String length is either shorter or longer than supported by specification",
                    "String length specified does not match the supported length. "
                    f"Min:0 Max:{_grouped(maximum)} supported. "
                    f"Supplied length:{_grouped(supplied)}",
                    element)


def amount_calculation(supplied: str, element: str = "Line.Amount") -> QboError:
    """6070, official text [FC] with the supplied Amount filled in."""
    return QboError("6070", "Amount calculation incorrect in the request",
                    f"The amount isn't equal to the Qty * UnitPrice. Supplied value: {supplied}.",
                    element)


def no_name() -> QboError:
    """6080 for a name entity without DisplayName or name parts.

    CHOSEN Detail: API.md gives only the Message.
    """
    return QboError("6080", "No Name Provided",
                    "No Name Provided : Please provide a DisplayName or at least one of Title, "
                    "GivenName, MiddleName, FamilyName or Suffix.", "DisplayName")


def account_type_required() -> QboError:
    """6010 (AccountType/SubType, [FC] names it only). CHOSEN texts."""
    return QboError("6010", "Invalid Account Type/SubType",
                    "Invalid Account Type/SubType : You must specify an AccountType or "
                    "AccountSubType.", "AccountType")


def invalid_enumeration(value: str, element: str) -> QboError:
    """2170 ``Invalid Enumeration : HAS_BEEN_BILLED`` ([B-TOPERR] form)."""
    return QboError("2170", "Invalid Enumeration", f"Invalid Enumeration : {value}", element)


def period_closed() -> QboError:
    """6200, Detail as quoted by Invoiced/docs (API.md §7.2)."""
    return QboError("6200", "Account Period Closed",
                    "The account period has closed and the account books cannot be updated "
                    "through the QBO Services API. Please use the QBO website to make these "
                    "changes.")


def txn_cannot_be_linked(txn_id: str, element: str = "Line.LinkedTxn") -> QboError:
    """620, official text [FC] with the Id filled in."""
    return QboError("620", "Txn ID Cannot Be Linked",
                    f"The Txn ID (identified by {txn_id}) you're trying to use can't be linked.",
                    element)


# --- requests, queries, system ------------------------------------------------
def query_parse(detail: str) -> QboError:
    """4000 ``Error parsing query`` (``QueryParserError: Encountered …``)."""
    return QboError("4000", "Error parsing query", f"QueryParserError: {detail}")


def query_invalid(detail: str) -> QboError:
    """4001 ``Invalid query`` (``QueryValidationError: …``)."""
    return QboError("4001", "Invalid query", f"QueryValidationError: {detail}")


def batch_too_large(count: int, limit: int) -> QboError:
    """1040. CHOSEN Detail; API.md gives the Message only."""
    return QboError("1040", "Batch size exceeds allowed limit",
                    f"Batch size exceeds allowed limit : {count} items were sent; the maximum "
                    f"is {limit}.")


def unsupported_operation(relative: str, full: str) -> QboError:
    """500 ``Unsupported Operation`` (HTTP 400; qbo_api ``error/500.yml`` text)."""
    return QboError("500", "Unsupported Operation",
                    f"Operation Could not find resource for relative : {relative} of full path: "
                    f"{full} is not supported.")


def operation_not_supported(operation: str, entity: str) -> QboError:
    """500 for e.g. ``operation=delete`` on a Vendor. CHOSEN Detail text."""
    return QboError("500", "Unsupported Operation",
                    f"Operation {operation} is not supported for {entity}.")


def invalid_id(value: str) -> QboError:
    """2030 ``Id should be a valid number. Supplied value:1.5`` (qbo_api ``error/500.yml``)."""
    return QboError("2030", "Invalid ID", f"Id should be a valid number. Supplied value:{value}",
                    "Id")


def bad_request_body(reason: str) -> QboError:
    """2010 for a body that is not a JSON object.

    CHOSEN: QBO answers unparseable JSON with 2010 "Request has invalid or
    unsupported property"; the Detail here names the parser's complaint.
    """
    return QboError("2010", "Request has invalid or unsupported property",
                    f"Property Name:{reason}")


def system_failure(detail: str) -> QboError:
    """10000 (SystemFault, HTTP 500)."""
    return QboError("10000", "An application error has occurred while processing your request",
                    f"System Failure Error: {detail}")


def general_authentication() -> QboError:
    """100, a valid token used on another realm (API.md §2.4 XML variant's text)."""
    return QboError("100", "General Authentication Error",
                    "AuthenticationErrorGeneral: SRV-110-Authentication Failure , statusCode: 401")


def auth_401_body(detail: str, time_ms: int) -> dict:
    """The lower-case 401 envelope, shape copied from qbo_api ``error/401.yml`` (§2.4)."""
    return {"warnings": None, "intuitObject": None,
            "fault": {"error": [{"message": "message=AuthenticationFailed; errorCode=003200; "
                                            "statusCode=401",
                                 "detail": detail, "code": "3200", "element": None}],
                      "type": "AUTHENTICATION"},
            "report": None, "queryResponse": None, "batchItemResponse": [],
            "attachableResponse": [], "syncErrorResponse": None, "requestId": None,
            "time": time_ms, "status": None, "cdcresponse": []}


# --- 3001 throttling (XML, whatever was asked for) and gateway pages -----------
THROTTLE_CODE = "3001"
THROTTLE_MESSAGE = "message=ThrottleExceeded; errorCode=003001; statusCode=429"
#: Two spaces before "Try", as in the quickbooks-ruby fixture (API.md §6, §7.2).
THROTTLE_DETAIL = "The request limit was reached.  Try again later"
XML_TYPE = "application/xml;charset=UTF-8"
HTML_TYPE = "text/html;charset=UTF-8"


def throttle_xml(time: str) -> str:
    """The 429 body exactly as API.md §6 shows it (``IntuitResponse``, Fault type SERVICE).

    QBO sends it as XML even when JSON was asked for, so it is never JSON here.
    """
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{time}">\n'
            '  <Fault type="SERVICE">\n'
            f'    <Error code="{THROTTLE_CODE}">\n'
            f"      <Message>{THROTTLE_MESSAGE}</Message>\n"
            f"      <Detail>{THROTTLE_DETAIL}</Detail>\n"
            "    </Error>\n"
            "  </Fault>\n"
            "</IntuitResponse>\n")


def gateway_html(status: int = 503, reason: str = "Service Temporarily Unavailable") -> str:
    """An HTML gateway page (API.md §6: 502/503/504 "can return HTML").

    CHOSEN: the plain page a load balancer in front of QBO serves; API.md gives
    no verbatim page, only that it is HTML.
    """
    return (f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n")
