"""Naming the problem behind a failure: QuickBooks' Faults and transport errors become a
``Problem`` (``app/domain/problems.py``), and each kind gets its steps to clear it."""

from __future__ import annotations

import re
import shlex
from typing import Any

from app.domain.problems import Kind, Problem, known_meaning
from app.domain.states import SyncState
from app.hints import Action, Advice, Hint
from app.logs import redact, redact_all
from app.qbo.errors import OAuthError, QboClientError, QboFault, TransportError
from app.text import upper_first

_MAX = re.compile(r"Max:\s*([\d,]+)")
_SUPPLIED = re.compile(r"Supplied length:\s*([\d,]+)")


def _number(pattern: re.Pattern[str], text: str) -> int | None:
    found = pattern.search(text)
    return int(found.group(1).replace(",", "")) if found else None


def diagnose(error: QboClientError, what: str) -> Problem:
    """Name the problem behind a failure of sending ``what`` (e.g. "PO PO-1001").

    QuickBooks' own words (in the explanation and the faults) may echo what was sent,
    a token or a secret among it: every secret SyncDesk knows is taken out before the
    problem is stored or shown."""
    problem = _diagnose(error, what)
    problem.explanation = redact(problem.explanation)
    problem.faults = redact_all(problem.faults)
    problem.facts = redact_all(problem.facts)
    return problem


def _diagnose(error: QboClientError, what: str) -> Problem:
    if isinstance(error, OAuthError):
        return Problem(Kind.AUTH_NEEDED, "QuickBooks asked SyncDesk to sign in again; connect "
                       "again and the sync carries on.", group="connection")
    if isinstance(error, TransportError):
        return _transport(error, what)
    assert isinstance(error, QboFault)
    faults = [e.to_json() for e in error.errors]
    first = error.first
    detail = first.detail
    text = f"{first.message} {detail}".lower()
    code = first.code

    def problem(kind: Kind, explanation: str, group: str | None = None, **facts: Any) -> Problem:
        return Problem(kind, explanation, group, faults, facts)

    if error.throttled:
        return problem(Kind.THROTTLED, f"QuickBooks asked SyncDesk to slow down and did not "
                       f"take {what}.", "connection")
    if error.auth_failed:
        return problem(Kind.AUTH_NEEDED, "QuickBooks no longer accepts SyncDesk's sign-in; "
                       "connect again.", "connection")
    if code == "6240":
        return problem(Kind.DUPLICATE_NAME, f"QuickBooks refused {what}: the name is already "
                       "used by another customer, vendor or employee there.")
    if code == "6140":
        return problem(Kind.DUPLICATE_BILL_NUMBER, f"QuickBooks refused {what}: this supplier "
                       "already has a bill with the same number there.")
    if code == "2050":
        limit = _number(_MAX, detail)
        return problem(Kind.STRING_TOO_LONG, f"QuickBooks refused {what}: "
                       f"{first.element or 'a field'} is longer than "
                       f"{limit or 'QuickBooks allows'} characters.",
                       element=first.element, limit=limit,
                       supplied=_number(_SUPPLIED, detail))
    if code == "6070":
        return problem(Kind.AMOUNT_MISMATCH, f"QuickBooks refused {what}: a line's amount is "
                       "not its quantity times its unit price.")
    if code in ("6200", "6210"):
        return problem(Kind.CLOSED_PERIOD, f"QuickBooks refused {what}: its date is in a "
                       "period whose books are closed.", Kind.CLOSED_PERIOD.value)
    if code == "5010":
        return problem(Kind.STALE_OBJECT, f"Someone changed {what} in QuickBooks while "
                       "SyncDesk was sending it.")
    if code in ("610", "2500") and "inactive" in text:
        return problem(Kind.INACTIVE_VENDOR if "vendor" in text or "name" in text
                       else Kind.MISSING_REFERENCE,
                       f"QuickBooks refused {what}: something it uses (a vendor, account or "
                       "item) has been made inactive there.")
    if code == "610" and "deleted" in text:
        return problem(Kind.DELETED_IN_QBO, f"{what} was deleted in QuickBooks.")
    if code in ("610", "2500", "2020"):
        return problem(Kind.MISSING_REFERENCE, f"QuickBooks refused {what}: something it "
                       f"refers to is missing there ({first.plain_detail or first.message}).")
    if code == "6000":
        if "purchase order that was created before" in text:
            return problem(Kind.BILL_BEFORE_PO, f"QuickBooks refused {what}: it is dated "
                           "before the PO it bills.")
        if "accounts payable" in text or "accounts receivable" in text:
            return problem(Kind.AP_AR_LINE_ACCOUNT, f"QuickBooks refused {what}: a line uses an "
                           "Accounts Payable or Accounts Receivable account.",
                           Kind.AP_AR_LINE_ACCOUNT.value)
        if "one name at a time" in text:
            return problem(Kind.TRANSPORT, f"QuickBooks was busy changing another name and "
                           f"turned {what} away for now.", "connection", cause="busy")
    if error.transient:
        return problem(Kind.TRANSPORT, f"An error on QuickBooks' side stopped {what} "
                       f"(HTTP {error.http_status}" + (f", code {code}" if code else "")
                       + ").", "connection", cause="server_error")
    words = " ".join(part for part in (code.strip(), first.message.strip()) if part)
    if first.plain_detail.strip():
        detail = first.plain_detail.strip()
        words = f"{words} ({detail})" if words else detail
    return problem(Kind.UNKNOWN, f"QuickBooks refused {what} with an error SyncDesk does not "
                   + (f"know: {words.rstrip('. ')}." if words else
                      f"know, and gave no words for it (HTTP {error.http_status})."))


def _transport(error: TransportError, what: str) -> Problem:
    """No usable answer: nothing listened, nothing answered in time, or the answer was bad.

    One sentence naming what could not be reached (the SyncDesk sandbox on this
    machine, else QuickBooks) and what to check; the raw error stays in ``faults``.
    """
    faults = [{"reason": error.reason_words(), "http_status": error.http_status,
               "body_head": error.body_head, "error": error.details.get("error")}]
    facts: dict[str, Any] = {"cause": error.cause or "server_error", "server": error.server,
                             "local": error.local}
    if error.cause == "unreachable" and error.local:
        return Problem.advised(Kind.TRANSPORT, Advice(
            f"The SyncDesk sandbox at {error.server} could not be reached for {what}: is it "
            "still running ({0})?", Hint.of(Action.START_SANDBOX, words="")), "connection", faults,
        facts)
    if error.cause == "unreachable":
        text = (f"QuickBooks could not be reached for {what}; check the internet "
                "connection.")
    elif error.cause == "dropped":
        text = f"The connection to QuickBooks broke off before it answered for {what}."
    elif error.cause == "timeout":
        text = f"QuickBooks did not answer in time for {what}."
    elif error.http_status and error.http_status >= 500:
        text = f"An error on QuickBooks' side stopped {what} (HTTP {error.http_status})."
    else:
        text = f"{error.reason_words()}, for {what}."
    return Problem(Kind.TRANSPORT, text, "connection", faults, facts)


def changed_in_qbo(label: str, drift: dict[str, Any]) -> Problem:
    """A synced document edited in QuickBooks since: each field with both values.

    A difference says itself as "FIELD OURS in SyncDesk, THEIRS in QuickBooks", or in its
    own words (``text``: e.g. "line 1: link to PO-1049 line 1 removed in QuickBooks").
    """
    fields = drift.get("fields", [])
    differences = "; ".join(d.get("text") or f"{d['field']} {d['syncdesk']} in SyncDesk, "
                            f"{d['quickbooks']} in QuickBooks" for d in fields)
    return Problem(
        Kind.CHANGED_IN_QBO,
        f"{upper_first(label)} was changed in QuickBooks after it synced"
        + (f": {differences}" if differences else "") + ". SyncDesk overwrites neither side "
        "by itself.", None, facts={"drift": drift, "fields": [d["field"] for d in fields]})


def waiting_reason(po: str, status: str | None, sync_state: str | None,
                   problem: str | None = None, in_quickbooks: bool = False) -> str:
    """Why an invoice billing ``po`` cannot go yet, as the end of a sentence about the PO:
    "…bills PO-1, which is waiting for approval"."""
    meaning = known_meaning(problem)
    if status == "draft":
        return "which is still a draft"
    if status == "pending":
        return ("whose latest changes are waiting for approval" if in_quickbooks
                else "which is waiting for approval")
    if status == "cancelled" and not in_quickbooks:
        return "which was cancelled before it reached QuickBooks"
    if sync_state == SyncState.EXCLUDED:
        return "which is excluded from syncing"
    if sync_state in (SyncState.BLOCKED, SyncState.FAILED):
        held = "is blocked itself" if sync_state == SyncState.BLOCKED else "failed itself"
        why = f" ({meaning})" if meaning else ""
        return (f"whose latest version {held}{why}" if in_quickbooks
                else f"which {held}{why}")
    if sync_state == SyncState.NOT_SYNCED:
        return "which is not queued for QuickBooks"
    if sync_state == SyncState.SYNCED:
        return "which is in QuickBooks now"
    return ("whose latest changes are not in QuickBooks yet" if in_quickbooks
            else "which is not in QuickBooks yet")


def waiting_on_po(label: str, po: str, status: str | None, sync_state: str | None,
                  problem: str | None = None, in_quickbooks: bool = False) -> Problem:
    """An invoice (``label``) that cannot go before the PO it bills, and why not."""
    why = waiting_reason(po, status, sync_state, problem, in_quickbooks)
    return Problem(Kind.WAITING_ON_PO, f"{upper_first(label)} bills {po}, {why}; it goes "
                   f"once {po} is synced.", f"po:{po}",
                   facts={"po": po, "po_status": status, "po_sync_state": sync_state})


def _waiting_steps(doc: Hint, facts: dict[str, Any], exclude: Hint) -> Advice:
    """What to do about an invoice waiting on its PO: depends on where the PO stands."""
    po = facts.get("po")
    if not po:
        return Advice("Nothing to do here: it goes as soon as its PO is in QuickBooks.")
    status, state = facts.get("po_status"), facts.get("po_sync_state")
    show = Hint.of(Action.SHOW_DOCUMENT, kind="po", number=po, words=f"{po}'s page")
    if status in ("draft", "pending"):
        return Advice(f"Approve {po} first: {{0}}. This invoice goes with it at the next "
                      "sync.", Hint.of(Action.APPROVE, kind="po", number=po))
    if status == "cancelled" and state != SyncState.SYNCED:
        return Advice(f"{po} was cancelled: bill another PO ({{0}}), or keep this invoice "
                      "out of syncing: {1}.",
                      _on(Action.EDIT_DOCUMENT, doc, field="po", value="NUMBER", words=""),
                      exclude)
    if state == SyncState.EXCLUDED:
        return Advice(f"{po} is excluded from syncing: include it again ({{0}}), or keep this "
                      "invoice out too: {1}.",
                      Hint.of(Action.INCLUDE, kind="po", number=po, words=""), exclude)
    if state in (SyncState.BLOCKED, SyncState.FAILED):
        return Advice(f"Clear {po}'s own problem first ({{0}} says what to do); this invoice "
                      "goes once it is in QuickBooks.", show)
    if state == SyncState.NOT_SYNCED:
        return Advice(f"Send {po} first: {{0}}; this invoice goes with it.",
                      Hint.of(Action.RESEND, kind="po", number=po))
    if state == SyncState.SYNCED:
        return Advice(f"Nothing to do: {po} is in QuickBooks now, and the next sync sends "
                      "this invoice ({0} sends it now).", _on(Action.RESEND, doc,
                                                              words="resending it"))
    if state == SyncState.QUEUED:
        return Advice(f"Nothing to do here: it goes as soon as {po} is in QuickBooks (the "
                      "next sync sends both).")
    return Advice(f"It goes as soon as {po} is in QuickBooks; {{0}} says whether {po} needs "
                  "something first.", show)


def _on(action: Action, doc: Hint, **args: object) -> Hint:
    """``action`` on the document ``doc`` names (a hint of its kind and number)."""
    return Hint.of(action, kind=doc.get("kind"), number=doc.get("number"), **args)


def _edit(doc: Hint, field: str, value: str) -> Hint:
    return _on(Action.EDIT_DOCUMENT, doc, field=field, value=value)


def what_to_do(kind: str, doc_kind: str, number: str, facts: dict[str, Any] | None = None,
               supplier: str | None = None) -> Advice:
    """The steps that clear a problem of ``kind`` on one document.

    Each step the user can take is a hint (``app/hints.py``): the command line prints it as
    a command (``advice.words(as_command)``), the window as a button.
    """
    facts = facts or {}
    doc = Hint.of(Action.SHOW_DOCUMENT, kind=doc_kind, number=number)
    line = facts.get("line")
    line_field = f"line.{line}" if line else "line.N"
    who = supplier or facts.get("supplier")
    resend = _on(Action.RESEND, doc)
    resend_now = _on(Action.RESEND, doc, words="resending it")  # "({0} tries now)"
    exclude = _on(Action.EXCLUDE, doc)
    date_field = "po_date" if doc_kind == "po" else "issue_date"
    again = "Nothing to do: the next sync tries it again ({0} tries now)."
    steps: dict[str, Advice] = {
        Kind.DUPLICATE_NAME: Advice(
            "Give the supplier a name no QuickBooks customer or employee has: {0}. Its "
            "blocked documents are queued again.",
            Hint.of(Action.EDIT_SUPPLIER, name=who, field="name", value="NEW_NAME")),
        Kind.INACTIVE_VENDOR: Advice(
            "Make the vendor active again in QuickBooks, then sync: the blocked documents go "
            "by themselves."),
        Kind.AP_AR_LINE_ACCOUNT: Advice(
            "Put the line on an expense or cost-of-goods account: {0} ({1} shows them).",
            _edit(doc, f"{line_field}.account", "ACCOUNT"),
            Hint.of(Action.LIST_ACCOUNTS, words="the list of accounts")),
        Kind.BILL_BEFORE_PO: Advice(
            "Correct the invoice's date: {0} (on or after "
            + (f"{facts['po_date']}, the date of {facts.get('po') or 'its PO'})."
               if facts.get("po_date") else "the date of the PO it bills)."),
            _edit(doc, "issue_date", "YYYY-MM-DD")),
        Kind.DUPLICATE_BILL_NUMBER: Advice(
            "If the bill in QuickBooks is this invoice, keep it out of syncing: {0}. If it is "
            "another bill, correct the supplier's number: {1}.",
            exclude, _edit(doc, "reference", "NUMBER")),
        Kind.STRING_TOO_LONG: _shorten(doc, who, facts),
        Kind.MISSING_REFERENCE: Advice(
            "Choose an account or item that is active in QuickBooks ({0}, {1}), then: {2}.",
            Hint.of(Action.LIST_ACCOUNTS), Hint.of(Action.LIST_ITEMS),
            _edit(doc, f"{line_field}.{'item' if facts.get('item') else 'account'}", "NAME")),
        Kind.AMOUNT_MISMATCH: Advice(
            "Correct the line: {0} (or its qty and unit_price).",
            _edit(doc, f"{line_field}.amount", "AMOUNT")),
        Kind.CURRENCY_MISMATCH: Advice(
            "Use the company's currency: {0}, or turn on multicurrency in QuickBooks.",
            _edit(doc, "currency", facts.get("home_currency") or "CODE")),
        Kind.CLOSED_PERIOD: Advice(
            f"Date it after {facts.get('closing_date') or 'the closing date'}: {{0}}"
            + (" (first {1})" if doc_kind == "po" else "")
            + ", or have the closing date moved in QuickBooks: SyncDesk checks again by "
            "itself.", _edit(doc, date_field, "YYYY-MM-DD"),
            *([Hint.of(Action.TURN_ON_SETTING, key="enable_po_date_editing")]
              if doc_kind == "po" else [])),
        Kind.LINK_DROPPED: Advice(
            "Send it again with its link: {0}. If QuickBooks drops the link again, link the "
            "bill to the PO in QuickBooks by hand.", resend),
        Kind.WAITING_ON_PO: _waiting_steps(doc, facts, exclude),
        Kind.DELETED_IN_QBO: Advice(
            "If it was deleted on purpose, keep it out of syncing: {0}. To create it in "
            "QuickBooks again: {1}.", exclude, resend),
        Kind.CHANGED_IN_QBO: Advice(
            "To keep SyncDesk's copy, send it: {0} (it replaces the changes made in "
            "QuickBooks). To keep QuickBooks' version, stop syncing it: {1}.",
            resend, exclude),
        Kind.STALE_OBJECT: Advice(again, resend_now),
        Kind.THROTTLED: Advice(again, resend_now),
        Kind.TRANSPORT: _transport_steps(facts, resend_now),
        Kind.ANSWER_MISMATCH: Advice(
            "Nothing was marked synced. Send it as a new request: {0}; if it happens again, "
            f"check in QuickBooks that no other document holds number {shlex.quote(number)}.",
            resend),
        Kind.AUTH_NEEDED: Advice("Connect again ({0}); the sync carries on afterwards.",
                                 Hint.of(Action.CONNECT, words="")),
        Kind.UNKNOWN: Advice(
            "Read QuickBooks' own words above (also in {0}), correct what they name, then: "
            "{1}.", Hint.of(Action.SHOW_LOG, number=number, words="its sync log"), resend),
    }
    return steps.get(kind) or Advice("See {0}.", doc)


def _transport_steps(facts: dict[str, Any], resend: Hint) -> Advice:
    """What to do when QuickBooks could not be reached, or failed on its side."""
    again = "the next sync tries it again ({0} tries now)"
    cause = facts.get("cause")
    if cause == "unreachable" and facts.get("local"):
        return Advice("Start the sandbox again ({1}) and, if its address changed, connect to "
                      f"it again ({{2}}); {again}.", resend,
                      Hint.of(Action.START_SANDBOX, words=""),
                      Hint.of(Action.CONNECT, environment="local", base_url="URL", words=""))
    if cause in ("server_error", "busy"):
        return Advice(f"Nothing to do on your side: {again}. If it keeps failing, QuickBooks "
                      "is having trouble; try again later.", resend)
    return Advice(f"Check the internet connection; {again}.", resend)


def _shorten(doc: Hint, who: str | None, facts: dict[str, Any]) -> Advice:
    """What to do about a field longer than QuickBooks allows."""
    element = facts.get("element")
    limit = facts.get("limit")
    at_most = f"at most {limit} characters" if limit else "QuickBooks' length limit"
    within = f"of at most {limit} characters" if limit else "within QuickBooks' length limit"
    if element == "DisplayName":
        return Advice("Shorten the supplier's name: {0}.",
                      Hint.of(Action.EDIT_SUPPLIER, name=who, field="name", value="SHORTER"))
    if element == "DocNumber" and doc.get("kind") == "po":
        return Advice(f"A PO's number cannot be changed: cancel this one ({{0}}) and enter it "
                      f"again with a number {within}.",
                      _on(Action.CANCEL, doc, words=""))
    field = {"DocNumber": "reference", "PrivateNote": "memo",
             "Line.Description": "line.N.description"}.get(str(element), "FIELD")
    return Advice(f"Shorten it to {at_most}: {{0}}.",
                  _edit(doc, field, "SHORTER"))
