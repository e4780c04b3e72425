"""A field longer than QuickBooks takes: show it, the limit and a shorter value (for the
supplier's invoice number, one this supplier has not used), set it, send it again."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import select

from app.domain import qbo_limits
from app.domain.states import DocKind
from app.errors import UserError
from app.qbo.query import quote
from app.store.models import Invoice, Supplier
from app.sync.fixes import document_steps as steps
from app.sync.fixes import qbo_documents as qd
from app.sync.fixes.base import (
    Change,
    Choices,
    FixContext,
    Input,
    InputError,
    Option,
    Plan,
    Side,
    Target,
)

FIX = "shorten_field"
OPTION = "shorten"


@dataclass(frozen=True)
class _Field:
    key: str  # the input's key
    label: str  # in words
    edit: str  # the field the editing operation takes
    value: str
    limit: int
    suggested: str


def _shorter(text: str, limit: int) -> str:
    """``text`` within ``limit``: whole parts dropped from the end, else cut."""
    if len(text) <= limit:
        return text
    parts = re.split(r"(?<=[-_/. ])", text)
    while len(parts) > 1 and len("".join(parts)) > limit:
        parts.pop()
    short = "".join(parts).rstrip("-_/. ")
    return short if short and len(short) <= limit else text[:limit].rstrip()


def _used_numbers(ctx: FixContext, target: Target, number: str) -> set[str]:
    """The invoice numbers this supplier already has (in SyncDesk and in QuickBooks)."""
    with ctx.session() as session:
        used = {i.reference.lower() for i in session.exec(select(Invoice).where(
            Invoice.supplier_id == target.supplier_id, Invoice.number != number))}
        supplier = session.get(Supplier, target.supplier_id)
        vendor = supplier.qbo_vendor_id if supplier else None
    if vendor and ctx.client is not None:
        bills = ctx.client.query(f"select * from Bill where VendorRef = "
                                 f"{quote(vendor)}").get("Bill", [])
        used |= {str(b.get("DocNumber", "")).lower() for b in bills}
    return used


def _unique(short: str, used: set[str], limit: int) -> str:
    candidate, n = short, 2
    while candidate.lower() in used:
        tail = f"-{n}"
        candidate, n = short[:limit - len(tail)] + tail, n + 1
    return candidate


def _fields(ctx: FixContext, target: Target) -> list[_Field]:
    found: list[_Field] = []
    with ctx.session() as session:
        doc = qd.load(session, target)
        lines = qd.lines_of(session, target.kind, doc.id or 0)
        supplier = session.get(Supplier, doc.supplier_id)
        supplier_name = supplier.name if supplier else ""
        memo, number = doc.memo or "", doc.number
        reference = doc.reference if isinstance(doc, Invoice) else None
    if target.kind is DocKind.PO and len(number) > qbo_limits.DOC_NUMBER_MAX:
        raise UserError(f"The PO number {number} is longer than QuickBooks' "
                        f"{qbo_limits.DOC_NUMBER_MAX} characters, and SyncDesk does not renumber "
                        "a PO; make a copy under a shorter number instead.")
    if len(supplier_name) > qbo_limits.DISPLAY_NAME_MAX:
        raise UserError(f"The supplier's name is longer than QuickBooks' "
                        f"{qbo_limits.DISPLAY_NAME_MAX} characters; shorten it on the supplier "
                        "(syncdesk supplier edit) and send the document again.")
    if reference is not None and len(reference) > qbo_limits.DOC_NUMBER_MAX:
        limit = qbo_limits.DOC_NUMBER_MAX
        short = _unique(_shorter(reference, limit), _used_numbers(ctx, target, number), limit)
        found.append(_Field("reference", "Supplier's invoice number (the bill number)",
                            "reference", reference, limit, short))
    memo_limit = qbo_limits.memo_max(number, target.kind is DocKind.PO)
    if len(memo) > memo_limit:
        found.append(_Field("memo", "Memo", "memo", memo, memo_limit,
                            _shorter(memo, memo_limit)))
    for line in lines:
        text = line.description or ""
        if len(text) > qbo_limits.DESCRIPTION_MAX:
            found.append(_Field(f"line{line.line_no}.description",
                                f"Description of line {line.line_no}",
                                f"line.{line.line_no}.description", text,
                                qbo_limits.DESCRIPTION_MAX,
                                _shorter(text, qbo_limits.DESCRIPTION_MAX)))
    return found


def _short(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[:size - 1] + "…"


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    target = steps.one_target(targets)
    fields = _fields(ctx, target)
    what = "; ".join(f"{f.label.lower()} has {len(f.value)} characters, QuickBooks takes "
                     f"{f.limit}" for f in fields) or "nothing is too long any more"
    summary = f"{target.number}: {what}."
    record = tuple(row for f in fields for row in (
        (f.label, _short(f.value)), (f"{f.label}: QuickBooks' limit",
                                     f"{f.limit} characters (it has {len(f.value)})")))
    inputs = tuple(Input(f.key, f.label, f.suggested,
                         help=f"At most {f.limit} characters"
                         + ("; one this supplier has not used" if f.key == "reference" else ""))
                   for f in fields)
    option = Option(OPTION, "Shorten it", "QuickBooks refuses the document as long as the "
                    "field is too long; the suggestion fits"
                    + (" and is a bill number this supplier has not used." if any(
                        f.key == "reference" for f in fields) else "."), True, inputs)
    return Choices(FIX, summary, (option,), record)


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    target = steps.one_target(targets)
    if option.name != OPTION:
        raise UserError(f"'{option.name}' is not a way to fix this.")
    fields = _fields(ctx, target)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for f in fields:
        value = inputs.get(f.key, f.suggested).strip()
        if not value and f.key == "reference":
            errors[f.key] = "give the supplier's invoice number"
        elif len(value) > f.limit:
            errors[f.key] = f"{len(value)} characters; QuickBooks takes at most {f.limit}"
        elif f.key == "reference" and value.lower() != f.value.lower() and \
                value.lower() in _used_numbers(ctx, target, target.number):
            errors[f.key] = f"{target.supplier} already has an invoice numbered {value}"
        else:
            values[f.key] = value
    if errors:
        raise InputError(errors)
    changes = [Change(Side.SYNCDESK, f"{target.number} {f.label.lower()}", _short(f.value),
                      values[f.key]) for f in fields]
    with ctx.session() as session:
        doc = qd.load(session, target)
        qbo_id = doc.qbo_id
    entity = qd.entity(target.kind)
    changes.append(Change(Side.QUICKBOOKS, f"{entity} {qbo_id} ({target.number})" if qbo_id
                          else f"{entity} of {target.number} (made by the resend)", None,
                          ", ".join(f"{f.label.lower()}: {values[f.key]}" for f in fields)))
    return Plan(FIX, OPTION, (target,), tuple(qd.belonging(target.number, changes)),
                dict(inputs), resend=(target.ref,),
                data={"kind": target.kind.value, "number": target.number,
                      "pairs": [[f.edit, values[f.key]] for f in fields]},
                note="The full value stays in the document's history.")


def apply(ctx: FixContext, plan: Plan) -> None:
    data = plan.data
    with ctx.session() as session:
        steps.edit(session, DocKind(data["kind"]), data["number"],
                   [(name, value) for name, value in data["pairs"]], ctx.actor)
