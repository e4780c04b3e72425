"""``reactivate_vendor``: the supplier's vendor is inactive in QuickBooks, so QuickBooks
takes no new document for it (the demo's Harbor Freight Lines, or a linked vendor made
inactive there after it synced).

Options: reactivate the vendor (active again, its name back without QuickBooks'
" (deleted)"), or link the supplier to another, active vendor. Then every document of
the supplier needing attention goes again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
from app.sync.lists import name_key, original_name

FIX = "reactivate_vendor"


def _vendor(ctx: FixContext, targets: tuple[Target, ...], supplier: Supplier
            ) -> dict[str, Any] | None:
    """The inactive vendor the documents were refused for, as QuickBooks holds it now."""
    lists = ctx.lists()
    for vendor_id in (*(t.problem.facts.get("vendor_id") for t in targets),
                      supplier.qbo_vendor_id):
        if vendor_id and str(vendor_id) in lists.vendors:
            return lists.vendors[str(vendor_id)]
    return lists.vendor_named(supplier.name, active=False) or lists.vendor_named(supplier.name)


def _link_words(vendor: dict[str, Any]) -> str:
    return f"'{original_name(vendor)}' (id {vendor['Id']})"


def _active_names(ctx: FixContext, supplier_id: int) -> tuple[str, ...]:
    """The active vendors no other supplier is linked to."""
    taken = steps.linked_vendor_ids(ctx, supplier_id)
    names = {str(v.get("DisplayName", "")) for v in ctx.lists().vendors.values()
             if v.get("Active", True) and str(v.get("Id")) not in taken}
    return tuple(sorted(names, key=name_key))


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    supplier = steps.supplier_of(ctx, steps.one_supplier(targets))
    vendor = _vendor(ctx, targets, supplier)
    other = Option(
        "link_other", "Use another vendor",
        "Choose this when the supplier is now another vendor in QuickBooks (say, the business "
        "was merged into a new record): SyncDesk links the supplier to it instead.",
        inputs=(Input("vendor", "QuickBooks vendor", "", _active_names(ctx, supplier.id or 0),
                      help="An active vendor in QuickBooks that no other supplier uses."),))
    if vendor is None:
        return Choices(FIX, f"QuickBooks no longer has the vendor of '{supplier.name}'; "
                       "sending again finds or creates it by name.",
                       (Option("resend", "Send the documents again",
                               "The vendor is gone, so the sync looks for it by name again.",
                               recommended=True), other))
    rows = (("Vendor", str(vendor.get("DisplayName", ""))), ("QuickBooks id", str(vendor["Id"])),
            ("Active", "yes" if vendor.get("Active", True) else "no"))
    if not steps.needs_reactivating(vendor):
        return Choices(FIX, f"The vendor '{original_name(vendor)}' is active in QuickBooks "
                       "again, so the documents can simply go again.",
                       (Option("resend", "Send the documents again",
                               "Someone reactivated the vendor meanwhile.", recommended=True),
                        other), rows)
    return Choices(
        FIX, f"The vendor '{original_name(vendor)}' (id {vendor['Id']}) of supplier "
        f"'{supplier.name}' is inactive in QuickBooks, and QuickBooks takes no new purchase "
        "order or bill for an inactive vendor.",
        (Option("reactivate", "Reactivate the vendor in QuickBooks",
                "The supplier still trades with you: SyncDesk makes its vendor active again "
                "(with its own name back) and sends its documents.", recommended=True),
         other), rows)


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    supplier = steps.supplier_of(ctx, steps.one_supplier(targets))
    vendor = _vendor(ctx, targets, supplier)
    current = ctx.lists().vendors.get(supplier.qbo_vendor_id or "")
    now = _link_words(current) if current else supplier.qbo_vendor_id
    changes: list[Change] = []
    data: dict[str, Any] = {"supplier_id": supplier.id}
    if option.name == "link_other":
        name = str(inputs.get("vendor", "")).strip()
        chosen = ctx.lists().vendor_named(name) if name else None
        if not name:
            raise InputError({"vendor": "choose the QuickBooks vendor to use"})
        if chosen is None:
            raise InputError({"vendor": f"QuickBooks has no active vendor named '{name}'"})
        steps.free_vendor(ctx, str(chosen["Id"]), supplier.id or 0, "vendor")
        target = chosen
        if not supplier.active:
            changes.append(Change(Side.SYNCDESK, "Supplier active", "no", "yes"))
            data["activate_supplier"] = True
    elif option.name == "reactivate":
        if vendor is None:
            raise FixFailed("QuickBooks no longer has this vendor; look at the fix again.")
        target = vendor
        if steps.needs_reactivating(vendor):
            changes.append(Change(Side.QUICKBOOKS, f"Vendor {vendor['Id']}",
                                  steps.vendor_words(vendor),
                                  steps.vendor_words(steps.reactivated(vendor))))
    else:  # resend
        target = vendor if vendor is not None and vendor.get("Active", True) else None
    if target is not None:
        data["vendor_id"] = str(target["Id"])
        if supplier.qbo_vendor_id != str(target["Id"]):
            changes.append(Change(Side.SYNCDESK, steps.LINK_CHANGE, now,
                                  _link_words(target)))
    with ctx.session() as session:
        resend = steps.resend_all(session, targets)
    return Plan(FIX, option.name, targets, tuple(changes), dict(inputs), resend, data)


def apply(ctx: FixContext, plan: Plan) -> list[Change]:
    data = plan.data
    vendor = None
    reactivated = linked = True
    if data.get("vendor_id"):
        client = ctx.need_client()
        if plan.option == "reactivate":
            vendor, reactivated = steps.reactivate(client, str(data["vendor_id"]))
        else:
            vendor = client.read("Vendor", str(data["vendor_id"]))
            if not vendor.get("Active", True):
                raise FixFailed(f"The vendor '{original_name(vendor)}' was made inactive in "
                                "QuickBooks meanwhile; choose another one.")
        ctx.forget_lists()
    with ctx.session() as session:
        supplier = session.get(Supplier, int(data["supplier_id"]))
        assert supplier is not None
        if vendor is not None:
            linked = steps.link(session, int(data["supplier_id"]), vendor, ctx.actor)
        if data.get("activate_supplier") and not supplier.active:
            edit_supplier(session, supplier.name, [("active", "yes")], ctx.actor)
    return steps.made(plan.changes, reactivated=reactivated, linked=linked)
