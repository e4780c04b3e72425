"""``remap_reference``: a line uses an account or item QuickBooks does not have, or has
made inactive; or the supplier's QuickBooks vendor is gone there (QuickBooks answers
2500 "Names element id N not found": merged away, say, after SyncDesk read its lists).

Options: put the lines on another account or item QuickBooks has (chosen from its active
ones), create the account or item in QuickBooks (or, when it is only inactive, make it
active again). For a vendor: link the supplier to another QuickBooks vendor (one no other
supplier uses), or create its vendor anew. Then the documents go again.

Terms: SyncDesk sends no payment terms to QuickBooks (``app.sync.mapping`` writes no
SalesTermRef; a due date goes as a date), so an unknown term cannot be SyncDesk's
problem and this fix has no term options.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from app.domain.states import DocKind, PoStatus
from app.operations.editing import edit_invoice, edit_po
from app.operations.lookup import account_by_name, find_document
from app.operations.settings import get_setting
from app.operations.workflow_steps import change_po_status
from app.qbo.client import QboClient
from app.qbo.query import quote
from app.store.models import Account, InvoiceLine, Item, PoLine, PurchaseOrder
from app.sync.fixes import vendor_steps
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
from app.sync.fixes.document_steps import approval_what
from app.sync.lists import ALL, DELETED_SUFFIX, QboLists, name_key, original_name

FIX = "remap_reference"
#: Account types a purchase line may post to (QuickBooks refuses A/P and A/R).
LINE_TYPES = ("Expense", "Cost of Goods Sold", "Other Expense", "Other Current Asset",
              "Fixed Asset")
NEW_ACCOUNT_TYPES = ("Expense", "Cost of Goods Sold", "Other Expense")
NAME_MAX = 100


_MISSING_NAME = re.compile(r"Names element id (\S+) not found", re.IGNORECASE)


def _reference(targets: tuple[Target, ...]) -> tuple[str, str] | None:
    """("account"|"item", its name) the documents refer to; ("vendor", its QuickBooks id)
    when QuickBooks no longer has the vendor they went with."""
    for target in targets:
        facts = target.problem.facts
        for kind in ("item", "account"):
            if facts.get(kind):
                return kind, str(facts[kind])
    for target in targets:
        for fault in target.problem.faults:
            found = _MISSING_NAME.search(str(fault.get("detail") or ""))
            if found is not None or fault.get("element") == "VendorRef":
                return "vendor", found.group(1) if found else ""
    return None


def _qbo_record(lists: QboLists, kind: str, name: str) -> dict[str, Any] | None:
    return lists.account_named(name) if kind == "account" else lists.item_named(name)


def _lines(session: Session, doc_kind: DocKind, doc_id: int, kind: str, name: str
           ) -> list[int]:
    """The numbers of the document's lines that use the reference."""
    model, parent = (PoLine, PoLine.po_id) if doc_kind is DocKind.PO else (
        InvoiceLine, InvoiceLine.invoice_id)
    ref_model = Account if kind == "account" else Item
    found = []
    for line in session.exec(select(model).where(parent == doc_id)
                             .order_by(col(model.line_no))):
        ref_id = line.account_id if kind == "account" else line.item_id
        ref = session.get(ref_model, ref_id) if ref_id else None
        if ref is not None and name_key(ref.name) == name_key(name):
            found.append(line.line_no)
    return found


def _candidates(lists: QboLists, kind: str) -> tuple[str, ...]:
    if kind == "account":
        names = [str(a.get("Name")) for a in lists.accounts.values()
                 if a.get("Active", True) and a.get("AccountType") in LINE_TYPES]
    else:
        names = [str(i.get("Name")) for i in lists.items.values() if i.get("Active", True)]
    return tuple(sorted(set(names), key=name_key))


def _suggest(ctx: FixContext, target: Target, kind: str, candidates: tuple[str, ...]) -> str:
    """The account or item this supplier's other lines use most, among ``candidates``."""
    keys = {name_key(c): c for c in candidates}
    counts: dict[str, int] = {}
    with ctx.session() as session:
        rows = session.exec(select(PoLine).join(PurchaseOrder, col(PoLine.po_id) ==
                                                col(PurchaseOrder.id))
                            .where(PurchaseOrder.supplier_id == target.supplier_id)).all()
        for line in rows:
            ref_id = line.account_id if kind == "account" else line.item_id
            ref = session.get(Account if kind == "account" else Item, ref_id) if ref_id else None
            if ref is not None and name_key(ref.name) in keys:
                counts[keys[name_key(ref.name)]] = counts.get(keys[name_key(ref.name)], 0) + 1
    if counts:
        return max(counts, key=lambda n: counts[n])
    return candidates[0] if candidates else ""


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    ref = _reference(targets)
    numbers = ", ".join(t.number for t in targets)
    if ref is None:
        return Choices(FIX, f"QuickBooks refused {numbers}: {targets[0].problem.explanation} "
                       "SyncDesk cannot tell which account or item it means; correct the "
                       "document, then send it again.",
                       (Option("resend", "Send it again", "Once the document is corrected.",
                               recommended=True),))
    kind, name = ref
    if kind == "vendor":
        return _vendor_choices(ctx, targets, name)
    lists = ctx.lists()
    record = _qbo_record(lists, kind, name)
    candidates = tuple(c for c in _candidates(lists, kind) if name_key(c) != name_key(name))
    where = "does not exist" if record is None else "is inactive"
    summary = (f"The {kind} '{name}' used on {numbers} {where} in QuickBooks, so QuickBooks "
               "would refuse the document.")
    rows: tuple[tuple[str, str], ...] = ((kind.capitalize(), name),
                                         ("In QuickBooks", "not there" if record is None else
                                          f"inactive, id {record.get('Id')}"))
    label = "Account" if kind == "account" else "Item"
    remap = Option("map", f"Use another {kind}",
                   f"Put the lines on an {kind} QuickBooks has; choose this when '{name}' "
                   "was a mistake or was replaced." if kind == "account" else
                   f"Put the lines on an item QuickBooks has; choose this when '{name}' was a "
                   "mistake or was replaced.", recommended=True,
                   inputs=(Input(kind, label, _suggest(ctx, targets[0], kind, candidates),
                                 candidates, help=f"An active {kind} in QuickBooks."),))
    if record is not None and record.get("Active", True) is False:
        other = Option("reactivate", f"Make the {kind} active again in QuickBooks",
                       f"Choose this when '{name}' is still in use: SyncDesk reactivates it "
                       "in QuickBooks.")
    else:
        inputs = [Input("name", f"New {kind}'s name", name,
                        help=f"At most {NAME_MAX} characters, no colon.")]
        if kind == "account":
            inputs.append(Input("type", "Account type", "Expense", NEW_ACCOUNT_TYPES))
        other = Option("create", f"Create the {kind} in QuickBooks",
                       f"Choose this when the {kind} belongs in QuickBooks: SyncDesk creates it "
                       "there.", inputs=tuple(inputs))
    return Choices(FIX, summary, (remap, other), rows)


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    resend = tuple(t.ref for t in targets)
    ref = _reference(targets)
    if ref is None or option.name == "resend":
        return Plan(FIX, option.name, targets, (), dict(inputs), resend)
    kind, name = ref
    if kind == "vendor":
        return _vendor_plan(ctx, targets, option, inputs, name)
    lists = ctx.lists()
    record = _qbo_record(lists, kind, name)
    changes: list[Change] = []
    data: dict[str, Any] = {"kind": kind, "name": name}
    new_name = name
    if option.name == "map":
        chosen_name = str(inputs.get(kind, "")).strip()
        chosen = _qbo_record(lists, kind, chosen_name) if chosen_name else None
        if not chosen_name:
            raise InputError({kind: f"choose the {kind} to use"})
        if chosen is None or not chosen.get("Active", True):
            raise InputError({kind: f"QuickBooks has no active {kind} named '{chosen_name}'"})
        if kind == "account" and chosen.get("AccountType") not in LINE_TYPES:
            raise InputError({kind: f"'{chosen_name}' is an {chosen.get('AccountType')} "
                              "account; choose an expense or cost-of-goods account"})
        new_name = original_name(chosen, "Name")
    elif option.name == "reactivate":
        if record is not None and record.get("Active", True) is False:
            data["qbo_id"] = str(record["Id"])
            changes.append(Change(Side.QUICKBOOKS, f"{kind.capitalize()} {record['Id']}",
                                  f"inactive, named '{record.get('Name')}'",
                                  f"active, named '{original_name(record, 'Name')}'"))
    elif option.name == "create":
        new_name = " ".join(str(inputs.get("name", "")).split())
        wrong = _name_problem(lists, kind, new_name)
        if wrong:
            raise InputError({"name": wrong})
        data["new_name"] = new_name
        what = f"'{new_name}'"
        if kind == "account":
            kind_of = str(inputs.get("type", "")).strip()
            if kind_of not in NEW_ACCOUNT_TYPES:
                raise InputError({"type": "choose one of " + ", ".join(NEW_ACCOUNT_TYPES)})
            data["type"] = kind_of
            what += f" ({kind_of})"
        else:
            expense = _item_expense_account(lists)
            if expense is None:
                raise InputError({"name": "QuickBooks has no expense account for a new item"})
            data["expense_account"] = str(expense["Id"])
            what += f" (non-inventory, bought on '{expense.get('Name')}')"
        changes.append(Change(Side.QUICKBOOKS, f"New {kind}", None, what))
    if name_key(new_name) != name_key(name):
        data["new_name"] = new_name
        with ctx.session() as session:
            lines: dict[str, list[int]] = {}
            for target in targets:
                numbers = _lines(session, target.kind, target.id, kind, name)
                lines[f"{target.kind.value}:{target.number}"] = numbers
                changes += [Change(Side.SYNCDESK, f"{target.number} line {n} {kind}", name,
                                   new_name, target.number) for n in numbers]
                if numbers and _reapproval(session, target):
                    changes.append(Change(Side.SYNCDESK, approval_what(target.number), "approved",
                                          "approved by approval override (this fix)",
                                          target.number))
        data["lines"] = lines
    return Plan(FIX, option.name, targets, tuple(changes), dict(inputs), resend, data)


def _reapproval(session: Session, target: Target) -> bool:
    """Whether editing the target sends it back for approval (an approved PO, when the
    company requires re-approval after edits): the fix then approves it by override."""
    if target.kind is not DocKind.PO:
        return False
    doc = find_document(session, target.kind, target.number)
    return doc.status == PoStatus.APPROVED.value and \
        bool(get_setting(session, "require_reapproval_after_edit"))


def _name_problem(lists: QboLists, kind: str, name: str) -> str | None:
    if not name:
        return f"give the {kind} a name"
    if len(name) > NAME_MAX:
        return f"QuickBooks takes at most {NAME_MAX} characters ({len(name)} given)"
    if ":" in name:
        return "QuickBooks does not take a colon in a name"
    if _qbo_record(lists, kind, name) is not None:
        return f"QuickBooks already has an {kind} named '{name}'" if kind == "account" else \
            f"QuickBooks already has an item named '{name}'"
    return None


def _item_expense_account(lists: QboLists) -> dict[str, Any] | None:
    for wanted in ("Cost of Goods Sold", "Expense"):
        for account in lists.accounts.values():
            if account.get("AccountType") == wanted and account.get("Active", True):
                return account
    return None


def apply(ctx: FixContext, plan: Plan) -> list[Change] | None:
    data = plan.data
    kind = str(data.get("kind", ""))
    if kind == "vendor":
        return _vendor_apply(ctx, plan)
    entity = "Account" if kind == "account" else "Item"
    if plan.option == "reactivate" and data.get("qbo_id"):
        _reactivate(ctx.need_client(), entity, str(data["qbo_id"]))
        ctx.forget_lists()
    elif plan.option == "create":
        _create(ctx.need_client(), entity, data)
        ctx.forget_lists()
    lines: Mapping[str, list[int]] = data.get("lines") or {}
    if not lines:
        return None
    with ctx.session() as session:
        if kind == "account":
            _local_account(session, str(data["new_name"]), data)
        for key, numbers in lines.items():
            doc_kind, number = key.split(":", 1)
            pairs = [(f"line.{n}.{kind}", str(data["new_name"])) for n in numbers
                     if _uses(session, DocKind(doc_kind), number, n, kind, str(data["name"]))]
            if not pairs:  # a second run finds them changed already
                continue
            if doc_kind == DocKind.PO.value:
                if edit_po(session, number, pairs, ctx.actor).status == PoStatus.PENDING.value:
                    change_po_status(session, number, "override", ctx.actor)  # as planned
            else:
                edit_invoice(session, number, pairs, ctx.actor)
    return None


def _uses(session: Session, kind: DocKind, number: str, line_no: int, ref_kind: str,
          name: str) -> bool:
    doc = find_document(session, kind, number)
    return line_no in _lines(session, kind, doc.id or 0, ref_kind, name)


def _local_account(session: Session, name: str, data: Mapping[str, Any]) -> None:
    """A new account is in the local chart too, so the lines can use it."""
    if account_by_name(session, name) is None:
        session.add(Account(name=name, account_type=str(data.get("type") or "Expense")))
        session.flush()


def _reactivate(client: QboClient, entity: str, qbo_id: str) -> None:
    current = client.read(entity, qbo_id)
    if current.get("Active", True) and not str(current.get("Name", "")).endswith(DELETED_SUFFIX):
        return

    def change(body: dict[str, Any]) -> dict[str, Any]:
        body["Active"] = True
        body["Name"] = original_name({**body, "Active": False}, "Name")
        body.pop("FullyQualifiedName", None)
        return body

    client.update(entity, qbo_id, change)


def _create(client: QboClient, entity: str, data: Mapping[str, Any]) -> None:
    name = str(data["new_name"])
    found = client.query(f"select * from {entity} where Name = {quote(name)} and {ALL}"
                         ).get(entity, [])
    if any(name_key(original_name(r, "Name")) == name_key(name) for r in found):
        return  # made by an earlier run of this fix
    if entity == "Account":
        body: dict[str, Any] = {"Name": name, "AccountType": data["type"]}
    else:
        body = {"Name": name, "Type": "NonInventory",
                "ExpenseAccountRef": {"value": data["expense_account"]}}
    digest = hashlib.sha256(f"{entity}:{name_key(name)}".encode()).hexdigest()[:32]
    client.create(entity, body, request_id=f"fix-{entity.lower()}-{digest}")


# --- a vendor QuickBooks no longer has ------------------------------------------------


def _vendor_choices(ctx: FixContext, targets: tuple[Target, ...], gone: str) -> Choices:
    target = vendor_steps.one_supplier(targets)
    supplier = vendor_steps.supplier_of(ctx, target)
    lists = ctx.lists()
    taken = vendor_steps.linked_vendor_ids(ctx, supplier.id or 0)
    names = tuple(sorted({original_name(v) for v in lists.vendors.values()
                          if v.get("Active", True) and str(v.get("Id")) not in taken},
                         key=name_key))
    same = lists.vendor_named(supplier.name)
    free = same is not None and str(same.get("Id")) not in taken
    numbers = ", ".join(t.number for t in targets)
    link = Option("map_vendor", "Use another QuickBooks vendor",
                  "Choose this when the supplier lives on as another vendor in QuickBooks (the "
                  "vendors were merged, say): SyncDesk links the supplier to it.", free,
                  (Input("vendor", "QuickBooks vendor", original_name(same) if free and same
                         else "", names,
                         help="An active vendor in QuickBooks that no other supplier uses."),))
    with ctx.session() as session:
        problem = vendor_steps.name_problem(session, lists, supplier.id or 0, supplier.name)
    create = Option("create_vendor", "Create the vendor in QuickBooks again",
                    f"Choose this when the supplier has no vendor in QuickBooks any more: "
                    f"SyncDesk creates one named '{supplier.name}' and links the supplier to "
                    "it." + (f" Not possible now: {problem}." if problem else ""),
                    not free and problem is None)
    options = (link, create) if free or problem is not None else (create, link)
    which = f"vendor (id {gone})" if gone else "vendor"
    return Choices(FIX, f"QuickBooks no longer has the {which} that "
                   f"supplier '{supplier.name}' is linked to, so it refused {numbers}.",
                   options, (("Supplier", supplier.name),
                             ("Linked QuickBooks vendor", f"id {supplier.qbo_vendor_id}, not "
                              "in QuickBooks any more")))


def _vendor_plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
                 inputs: Mapping[str, str], gone: str) -> Plan:
    target = vendor_steps.one_supplier(targets)
    supplier = vendor_steps.supplier_of(ctx, target)
    with ctx.session() as session:
        resend = vendor_steps.resend_all(session, targets)
    old = f"vendor {supplier.qbo_vendor_id} (gone from QuickBooks)" \
        if supplier.qbo_vendor_id else None
    data: dict[str, Any] = {"kind": "vendor", "supplier_id": supplier.id}
    lists = ctx.lists()
    if option.name == "map_vendor":
        name = str(inputs.get("vendor", "")).strip()
        if not name:
            raise InputError({"vendor": "choose the QuickBooks vendor to use"})
        chosen = lists.vendor_named(name)
        if chosen is None:
            raise InputError({"vendor": f"QuickBooks has no active vendor named '{name}'"})
        vendor_steps.free_vendor(ctx, str(chosen["Id"]), supplier.id or 0, "vendor")
        data["vendor_id"] = str(chosen["Id"])
        return Plan(FIX, option.name, targets, (
            Change(Side.SYNCDESK, vendor_steps.LINK_CHANGE, old,
                   f"'{original_name(chosen)}' (id {chosen['Id']})"),), dict(inputs), resend,
            data)
    if option.name != "create_vendor":
        raise InputError({"option": f"'{option.name}' is not a way to fix this"})
    with ctx.session() as session:
        problem = vendor_steps.name_problem(session, lists, supplier.id or 0, supplier.name)
    if problem is not None:
        raise InputError({"name": f"'{supplier.name}' cannot be a new vendor: {problem}; "
                                  "rename the supplier, or use another vendor"})
    data["name"] = supplier.name
    return Plan(FIX, option.name, targets, (
        Change(Side.QUICKBOOKS, "New vendor", None, supplier.name),
        Change(Side.SYNCDESK, vendor_steps.LINK_CHANGE, old, f"the new vendor '{supplier.name}'"),
    ), dict(inputs), resend, data)


def _vendor_apply(ctx: FixContext, plan: Plan) -> list[Change]:
    data = plan.data
    client = ctx.need_client()
    created = True
    if plan.option == "map_vendor":
        vendor = client.read("Vendor", str(data["vendor_id"]))
        created = False
    else:
        name = str(data["name"])
        found = client.query(f"select * from Vendor where DisplayName = {quote(name)}"
                             ).get("Vendor", [])
        vendor = next((v for v in found if v.get("Active", True)
                       and name_key(original_name(v)) == name_key(name)), None)
        if vendor is None:  # none yet (an earlier run of this fix would have made it)
            digest = hashlib.sha256(f"Vendor:{name_key(name)}".encode()).hexdigest()[:32]
            vendor = client.create("Vendor", {"DisplayName": name, "PrintOnCheckName": name[:100]},
                                   request_id=f"fix-vendor-{digest}")
        else:
            created = False
    ctx.forget_lists()
    with ctx.session() as session:
        linked = vendor_steps.link(session, int(data["supplier_id"]), vendor, ctx.actor)
    return [c for c in plan.changes if (created or c.side is not Side.QUICKBOOKS)
            and (linked or c.what != vendor_steps.LINK_CHANGE)]
