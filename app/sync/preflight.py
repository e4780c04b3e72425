"""Checks that predict QuickBooks' rejections, so a doomed document is never sent.

Each check looks at one document against the fresh QuickBooks lists and
returns the problems it finds; a document with any is ``blocked``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.domain import qbo_limits
from app.domain.problems import Kind, Problem
from app.domain.qbo_limits import DESCRIPTION_MAX, DOC_NUMBER_MAX
from app.domain.qbo_limits import DISPLAY_NAME_MAX as NAME_MAX
from app.domain.qbo_limits import PRIVATE_NOTE_MAX as NOTE_MAX
from app.domain.states import DocKind, PoStatus, SyncState
from app.sync.documents import SyncDoc, SyncLine
from app.sync.lists import QboLists
from app.sync.problems import waiting_on_po
from app.text import upper_first

AP_AR = ("Accounts Payable", "Accounts Receivable")


def line_account(line: SyncLine, lists: QboLists) -> dict[str, Any] | None:
    return lists.account_named(line.account) if line.account else None


def line_item(line: SyncLine, lists: QboLists) -> dict[str, Any] | None:
    return lists.item_named(line.item) if line.item else None


def check_lines(doc: SyncDoc, lists: QboLists) -> list[Problem]:
    problems: list[Problem] = []
    for line in doc.lines:
        where = f"line {line.line_no} of {doc.label}"
        if line.item:
            item = line_item(line, lists)
            if item is None:
                problems.append(Problem(
                    Kind.MISSING_REFERENCE, f"The item '{line.item}' on {where} does not exist "
                    "in QuickBooks.", f"item:{line.item}", facts={"item": line.item,
                                                                  "line": line.line_no}))
            elif not item.get("Active", True):
                problems.append(Problem(
                    Kind.MISSING_REFERENCE, f"The item '{line.item}' on {where} is inactive in "
                    "QuickBooks.", f"item:{line.item}", facts={"item": line.item,
                                                               "line": line.line_no}))
        elif line.account:
            account = line_account(line, lists)
            if account is None:
                problems.append(Problem(
                    Kind.MISSING_REFERENCE, f"The account '{line.account}' on {where} does not "
                    "exist in QuickBooks.", f"account:{line.account}",
                    facts={"account": line.account, "line": line.line_no}))
            elif account.get("AccountType") in AP_AR:
                problems.append(Problem(
                    Kind.AP_AR_LINE_ACCOUNT, f"{upper_first(where)} uses '{line.account}', an "
                    f"{account['AccountType']} account; QuickBooks only takes expense or "
                    "cost-of-goods accounts on purchase lines.",
                    Kind.AP_AR_LINE_ACCOUNT.value,  # one root cause, one bulk fix for all
                    facts={"account": line.account, "line": line.line_no,
                           "account_type": account["AccountType"]}))
            elif not account.get("Active", True):
                problems.append(Problem(
                    Kind.MISSING_REFERENCE, f"The account '{line.account}' on {where} is "
                    "inactive in QuickBooks.", f"account:{line.account}",
                    facts={"account": line.account, "line": line.line_no}))
        else:
            problems.append(Problem(Kind.MISSING_REFERENCE, f"{upper_first(where)} has neither "
                                    "an account nor an item.", None, facts={"line": line.line_no}))
        if line.qty is not None and line.unit_price is not None:
            expected = (line.qty * line.unit_price).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if expected != line.amount:
                problems.append(Problem(
                    Kind.AMOUNT_MISMATCH, f"The amount of {where} ({line.amount}) is not its "
                    f"quantity times its unit price ({expected}).", None,
                    facts={"line": line.line_no, "expected": str(expected)}))
        if line.description and len(line.description) > DESCRIPTION_MAX:
            problems.append(_too_long(doc, f"the description of line {line.line_no}",
                                      "Line.Description", len(line.description),
                                      DESCRIPTION_MAX))
    return problems


def _too_long(doc: SyncDoc, what: str, element: str, length: int, limit: int) -> Problem:
    return Problem(Kind.STRING_TOO_LONG, f"{upper_first(what)} of {doc.label} has {length} "
                   f"characters; QuickBooks allows {limit}.", None,
                   facts={"element": element, "length": length, "limit": limit})


def check_fields(doc: SyncDoc, lists: QboLists) -> list[Problem]:
    problems: list[Problem] = []
    if len(doc.doc_number) > DOC_NUMBER_MAX:
        what = "the PO number" if doc.kind is DocKind.PO else "the supplier's invoice number"
        problems.append(_too_long(doc, what, "DocNumber", len(doc.doc_number), DOC_NUMBER_MAX))
    note = private_note(doc)
    if len(note) > NOTE_MAX:  # the memo gets what SyncDesk's marker leaves of the note
        memo = len(doc.memo or "")
        problems.append(_too_long(doc, "the memo", "PrivateNote", memo,
                                  max(NOTE_MAX - (len(note) - memo), 0)))
    if len(doc.supplier) > NAME_MAX:
        problems.append(_too_long(doc, "the supplier's name", "DisplayName", len(doc.supplier),
                                  NAME_MAX))
    closing = lists.closing_date
    if closing is not None and doc.txn_date <= closing:
        problems.append(Problem(
            Kind.CLOSED_PERIOD, f"{upper_first(doc.label)} is dated {doc.txn_date}, but the "
            f"books in QuickBooks are closed up to {closing}.", Kind.CLOSED_PERIOD.value,
            facts={"date": doc.txn_date.isoformat(), "closing_date": closing.isoformat()}))
    if doc.currency != lists.home_currency and not lists.multicurrency:
        problems.append(Problem(
            Kind.CURRENCY_MISMATCH, f"{upper_first(doc.label)} is in {doc.currency}, but the "
            f"QuickBooks company works only in {lists.home_currency}.", "currency",
            facts={"currency": doc.currency, "home_currency": lists.home_currency}))
    return problems


def check_po_link(doc: SyncDoc) -> list[Problem]:
    """An invoice billing a PO goes after the PO, and not dated before it."""
    if doc.kind is not DocKind.INVOICE or doc.po is None:
        return []
    if doc.po.qbo_id is None or doc.po.sync_state != SyncState.SYNCED.value:
        po = doc.po
        return [waiting_on_po(doc.label, po.number, po.status, po.sync_state, po.problem,
                              in_quickbooks=po.qbo_id is not None)]
    if doc.txn_date < doc.po.txn_date:
        return [Problem(Kind.BILL_BEFORE_PO, f"{upper_first(doc.label)} is dated "
                        f"{doc.txn_date}, before {doc.po.number} ({doc.po.txn_date}); QuickBooks "
                        "refuses a bill dated before the PO it bills.", None,
                        facts={"invoice_date": doc.txn_date.isoformat(),
                               "po_date": doc.po.txn_date.isoformat(), "po": doc.po.number})]
    return []


def private_note(doc: SyncDoc) -> str:
    """The internal note QuickBooks keeps: SyncDesk's marker, the memo, a cancellation."""
    cancelled = doc.kind is DocKind.PO and doc.status == PoStatus.CANCELLED.value
    return qbo_limits.private_note(doc.number, doc.memo, cancelled, doc.lineage or None)


def preflight(doc: SyncDoc, lists: QboLists) -> list[Problem]:
    """Every predicted rejection of ``doc`` (vendor checks are done by the vendor resolver)."""
    return check_po_link(doc) + check_fields(doc, lists) + check_lines(doc, lists)
