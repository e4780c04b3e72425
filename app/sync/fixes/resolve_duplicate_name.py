"""``resolve_duplicate_name``: the supplier's name is held in QuickBooks by someone else
(a customer, an employee, or a vendor SyncDesk did not link).

Options: rename the supplier (a free name is suggested), link the supplier to the
QuickBooks vendor holding the name (the same business), or reactivate that vendor and
link it when it is inactive. Then every document of the supplier needing attention goes
again.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.domain.qbo_limits import DISPLAY_NAME_MAX
from app.operations.suppliers import edit_supplier
from app.store.models import Supplier
from app.sync.fixes import vendor_steps as steps
from app.sync.fixes.base import (
    Change,
    Choices,
    FixContext,
    FixFailed,
    Input,
    InputError,
    Option,
    Plan,
    Side,
    Target,
)
from app.sync.lists import original_name

FIX = "resolve_duplicate_name"


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    target = steps.one_supplier(targets)
    supplier = steps.supplier_of(ctx, target)
    lists = ctx.lists()
    found = steps.holder(lists, supplier.name)
    with ctx.session() as session:
        suggested = steps.suggest_name(session, lists, supplier.id or 0, supplier.name)
    rename = Option(
        "rename", "Rename the supplier",
        "Give the supplier a name nobody has in QuickBooks; SyncDesk then creates its own "
        "vendor under that name. Choose this when the name belongs to someone else.",
        inputs=(Input("name", "New supplier name", suggested,
                      help=f"At most {DISPLAY_NAME_MAX} characters, no colon; no QuickBooks "
                      "customer, vendor or employee may have it already."),))
    if found is None:
        return Choices(FIX, f"Nobody holds the name '{supplier.name}' in QuickBooks any more, "
                       "so the documents can simply go again.",
                       (Option("resend", "Send the documents again",
                               "The name is free now.", recommended=True), rename))
    kind, holder = found
    summary = (f"QuickBooks refused the supplier '{supplier.name}': "
               f"{steps.describe(kind, holder)} already has that name, and QuickBooks lets "
               "only one customer, vendor or employee have a name.")
    record = steps.record_rows(kind, holder)
    other = None
    if kind == "vendor":
        with ctx.session() as session:
            other = steps.linked_to_other(session, str(holder["Id"]), supplier.id or 0)
    if kind != "vendor" or other is not None:
        if other is not None:  # that vendor is another supplier's: linking would merge them
            summary += (f" That vendor is supplier '{other.name}' in SyncDesk, so this "
                        "supplier needs a name of its own.")
        rename = Option(rename.name, rename.title, rename.why, True, rename.inputs)
        return Choices(FIX, summary, (rename,), record)
    if holder.get("Active", True):
        link = Option("link", "Use the QuickBooks vendor",
                      f"The vendor '{original_name(holder)}' in QuickBooks is this supplier: "
                      "SyncDesk links the supplier to it and sends the documents under it.",
                      recommended=True)
    else:
        link = Option("reactivate_and_link", "Reactivate the vendor and use it",
                      f"The inactive vendor '{original_name(holder)}' in QuickBooks is this "
                      "supplier: SyncDesk makes it active again, links the supplier to it and "
                      "sends the documents under it.", recommended=True)
    return Choices(FIX, summary, (link, rename), record)


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    target = steps.one_supplier(targets)
    supplier = steps.supplier_of(ctx, target)
    lists = ctx.lists()
    with ctx.session() as session:
        resend = steps.resend_all(session, targets)
        changes: list[Change] = []
        data: dict[str, object] = {"supplier_id": supplier.id, "old_name": supplier.name}
        if option.name == "rename":
            new = " ".join(str(inputs.get("name", "")).split())
            wrong = steps.name_problem(session, lists, supplier.id or 0, new)
            if wrong is None and new.casefold() == supplier.name.casefold():
                wrong = "that is the name QuickBooks refused; choose another"
            if wrong is not None:
                raise InputError({"name": wrong})
            changes += [Change(Side.SYNCDESK, "Supplier name", supplier.name, new),
                        Change(Side.QUICKBOOKS, "New vendor (made when the documents go)",
                               None, new)]
            data["new_name"] = new
            return Plan(FIX, option.name, targets, tuple(changes), dict(inputs), resend, data)
    if option.name == "resend":
        return Plan(FIX, option.name, targets, (), dict(inputs), resend, data)
    found = steps.holder(lists, supplier.name)
    if found is None or found[0] != "vendor":
        raise FixFailed("No QuickBooks vendor holds this name now; look at the fix again.")
    vendor = found[1]
    vendor_id = str(vendor["Id"])
    steps.free_vendor(ctx, vendor_id, supplier.id or 0, "vendor")
    if option.name == "reactivate_and_link" and steps.needs_reactivating(vendor):
        changes.append(Change(Side.QUICKBOOKS, f"Vendor {vendor_id}", steps.vendor_words(vendor),
                              steps.vendor_words(steps.reactivated(vendor))))
    if supplier.qbo_vendor_id != vendor_id:
        changes.append(Change(Side.SYNCDESK, steps.LINK_CHANGE,
                              supplier.qbo_vendor_id,
                              f"'{original_name(vendor)}' (id {vendor_id})"))
    data["vendor_id"] = vendor_id
    return Plan(FIX, option.name, targets, tuple(changes), dict(inputs), resend, data)


def apply(ctx: FixContext, plan: Plan) -> list[Change]:
    data = plan.data
    supplier_id = int(data["supplier_id"])
    vendor = None
    reactivated = linked = True
    if plan.option in ("link", "reactivate_and_link"):
        client = ctx.need_client()
        vendor_id = str(data["vendor_id"])
        if plan.option == "reactivate_and_link":
            vendor, reactivated = steps.reactivate(client, vendor_id)
        else:
            vendor = client.read("Vendor", vendor_id)
            if not vendor.get("Active", True):
                raise FixFailed(f"The vendor {vendor_id} was made inactive in QuickBooks "
                                "meanwhile; look at the fix again.")
        ctx.forget_lists()
    with ctx.session() as session:
        if plan.option == "rename":
            supplier = session.get(Supplier, supplier_id)
            assert supplier is not None
            if supplier.name != data["new_name"]:  # a second run finds it renamed: skip
                edit_supplier(session, supplier.name, [("name", str(data["new_name"]))],
                              ctx.actor)
        elif vendor is not None:
            linked = steps.link(session, supplier_id, vendor, ctx.actor)
    return steps.made(plan.changes, reactivated=reactivated, linked=linked)
