"""``resolve_duplicate_name`` end to end on the demo company: PO-1061's supplier Northwind
Traders shares its name with a QuickBooks customer."""

from __future__ import annotations

import pytest

from app.domain.events import Event
from app.domain.states import DocKind
from app.operations import demo as demo_data
from app.operations.lookup import supplier_by_name
from app.sandbox import demo_company
from app.services.fixes import InputError, Side
from app.sync.fixes import resolve_duplicate_name as module
from app.sync.fixes.base import FixContext, Option
from app.sync.fixes.runner import FixFailed
from tests.qbo.conftest import memory_keyring  # noqa: F401  (autouse fixture)
from tests.sync.fixes.vendor_fixtures import Demo, demo  # noqa: F401  (fixture)

NAME = demo_data.DUPLICATE_NAME_SUPPLIER
PO = (DocKind.PO, "PO-1061")


def test_choices_name_the_customer_and_recommend_a_rename(demo: Demo):  # noqa: F811
    before, store_before = demo.snapshot(), demo.store_snapshot()
    [customer] = demo.qbo_named("Customer", NAME)
    subject = demo.services.fixes.choices(*PO)
    choices = subject.choices
    assert choices.fix == "resolve_duplicate_name"
    assert "customer" in choices.summary and NAME in choices.summary
    assert dict(choices.record)["QuickBooks id"] == customer["Id"]
    assert dict(choices.record)["Held by"] == "a customer"
    [rename] = choices.options  # no vendor holds it: nothing to link
    assert rename.name == "rename" and rename.recommended
    [name] = rename.inputs
    assert name.suggested == f"{NAME} (Vendor)"
    plan = demo.services.fixes.plan(subject)
    assert [(c.side, c.what, c.old, c.new) for c in plan.changes] == [
        (Side.SYNCDESK, "Supplier name", NAME, f"{NAME} (Vendor)"),
        (Side.QUICKBOOKS, "New vendor (made when the documents go)", None, f"{NAME} (Vendor)")]
    assert plan.resend == (PO,)
    # Neither reading the choices nor planning changed anything on either side.
    assert demo.snapshot() == before and demo.store_snapshot() == store_before


def test_the_suggestion_skips_names_taken_in_quickbooks(demo: Demo):  # noqa: F811
    demo.sandbox.create("Employee", {"DisplayName": f"{NAME} (Vendor)"})
    vendor = demo.sandbox.create("Vendor", {"DisplayName": f"{NAME} (Supplier)"})
    [name] = demo.services.fixes.choices(*PO).options[0].inputs
    assert name.suggested == f"{NAME} (Vendor 2)"
    assert vendor["Id"]


@pytest.mark.parametrize("value, words", [
    ("", "give the supplier a name"),
    ("x" * 501, "at most 500 characters"),
    ("Northwind: Traders", "colon"),
    (NAME.upper(), "customer"),
    ("Acme Supply", "vendor"),  # a demo vendor already linked to another supplier
])
def test_a_bad_new_name_is_refused_at_the_field(demo: Demo, value, words):  # noqa: F811
    if value == "Acme Supply":
        value = demo_linked_vendor_name(demo)
    subject = demo.services.fixes.choices(*PO)
    with pytest.raises(InputError) as caught:
        demo.services.fixes.plan(subject, "rename", {"name": value})
    assert words in caught.value.errors["name"]


def demo_linked_vendor_name(company: Demo) -> str:
    return next(v["DisplayName"] for v in company.qbo("Vendor") if v["Active"])


def test_rename_creates_one_vendor_and_syncs_the_po(demo: Demo):  # noqa: F811
    fixes = demo.services.fixes
    result = fixes.apply(fixes.plan(fixes.choices(*PO)))
    assert result.fixed, result.documents
    assert demo.state(*PO) == ("synced", None)
    new = f"{NAME} (Vendor)"
    assert demo.supplier(new).qbo_vendor_id
    [vendor] = demo.qbo_named("Vendor", new)
    assert vendor["Id"] == demo.supplier(new).qbo_vendor_id
    assert demo.qbo_named("Vendor", NAME) == []  # no near-duplicate of the customer
    [po] = [p for p in demo.qbo("PurchaseOrder") if p["DocNumber"] == "PO-1061"]
    assert po["VendorRef"]["value"] == vendor["Id"]
    fixed = [e for e in demo.history(*PO) if e.action == Event.FIXED.value]
    assert len(fixed) == 1 and fixed[0].actor
    assert f"{NAME} → {new}" in fixed[0].summary
    assert {"side": "SyncDesk", "what": "Supplier name", "old": NAME, "new": new,
            "document": None} in \
        fixed[0].detail["changes"]
    # Twice does no harm: the document has no problem left to fix.
    with pytest.raises(Exception, match="no sync problem"):
        fixes.choices(*PO)
    assert len(demo.qbo_named("Vendor", new)) == 1


def test_a_failed_resend_leaves_both_sides_consistent_and_a_second_run_finishes(
        demo: Demo):  # noqa: F811
    fixes = demo.services.fixes
    plan = fixes.plan(fixes.choices(*PO), "rename", {"name": "Northwind Trading Co"})
    taken: list[str] = []

    def someone_takes_the_name(ctx):  # between the plan and the resend
        if ctx.method == "POST" and ctx.path == "vendor" and not taken:
            taken.append(demo.sandbox.create("Customer",
                                             {"DisplayName": "Northwind Trading Co"})["Id"])
        return None

    demo.sandbox.before_hooks.append(someone_takes_the_name)
    result = fixes.apply(plan)
    demo.sandbox.before_hooks.clear()
    assert taken and not result.fixed
    # The rename is made and recorded, no vendor was made, the PO says why it failed.
    assert demo.supplier("Northwind Trading Co").qbo_vendor_id is None
    assert demo.qbo_named("Vendor", "Northwind Trading Co") == []
    assert demo.state(*PO) == ("failed", "duplicate_name")
    assert "PO-1061" not in {p["DocNumber"] for p in demo.qbo("PurchaseOrder")}
    # Running the fix again finishes the job.
    again = fixes.choices(*PO)
    assert dict(again.choices.record)["QuickBooks id"] == taken[0]
    assert fixes.apply(fixes.plan(again)).fixed
    assert demo.state(*PO) == ("synced", None)
    [vendor] = demo.qbo_named("Vendor", "Northwind Trading Co (Vendor)")
    assert demo.supplier("Northwind Trading Co (Vendor)").qbo_vendor_id == vendor["Id"]
    assert [p["DocNumber"] for p in demo.qbo("PurchaseOrder")].count("PO-1061") == 1


def test_a_vendor_holding_the_name_is_linked(demo: Demo):  # noqa: F811
    # The customer gives the name up and an active vendor takes it (the same business).
    [customer] = demo.qbo_named("Customer", NAME)
    client = demo.client()
    client.update("Customer", customer["Id"], lambda b: {**b, "DisplayName": "Northwind Cafe"})
    vendor = client.create("Vendor", {"DisplayName": NAME}, request_id="test-northwind-vendor")
    subject = demo.services.fixes.choices(*PO)
    assert [o.name for o in subject.options] == ["link", "rename"]
    plan = demo.services.fixes.plan(subject)
    assert [(c.side, c.old, c.new) for c in plan.changes] == [
        (Side.SYNCDESK, None, f"'{NAME}' (id {vendor['Id']})")]
    assert demo.services.fixes.apply(plan).fixed
    assert demo.supplier(NAME).qbo_vendor_id == vendor["Id"]
    assert len(demo.qbo_named("Vendor", NAME)) == 1


def test_an_inactive_vendor_holding_the_name_is_reactivated_and_linked(demo: Demo):  # noqa: F811
    [customer] = demo.qbo_named("Customer", NAME)
    client = demo.client()
    client.update("Customer", customer["Id"], lambda b: {**b, "DisplayName": "Northwind Cafe"})
    vendor = client.create("Vendor", {"DisplayName": NAME}, request_id="test-northwind-vendor")
    client.update("Vendor", vendor["Id"], lambda b: {**b, "Active": False})
    # QuickBooks refused the vendor when it went: a 6240 (not SyncDesk's own check).
    subject = demo.services.fixes.choices(*PO)
    assert [o.name for o in subject.options] == ["reactivate_and_link", "rename"]
    plan = demo.services.fixes.plan(subject)
    assert (Side.QUICKBOOKS, f"Vendor {vendor['Id']}", f"inactive, named '{NAME} (deleted)'",
            f"active, named '{NAME}'") in [(c.side, c.what, c.old, c.new) for c in plan.changes]
    demo.sandbox.faults.add("500", route="POST/vendor", count=10)
    with pytest.raises(FixFailed):
        demo.services.fixes.apply(plan)
    assert demo.supplier(NAME).qbo_vendor_id is None  # nothing half-written here
    assert any(e.action == Event.FIX_FAILED.value for e in demo.history(*PO))
    demo.sandbox.faults.clear()
    assert demo.services.fixes.apply(plan).fixed  # the second run finishes the job
    assert demo.sandbox.read("Vendor", vendor["Id"])["Active"] is True
    assert demo.supplier(NAME).qbo_vendor_id == vendor["Id"]
    assert len(demo.qbo_named("Vendor", NAME)) == 1


def test_a_vendor_holding_the_name_for_another_supplier_is_not_linked(demo: Demo):  # noqa: F811
    """The vendor holding the name is another supplier's already: only a rename is offered,
    and a plan to link anyway is refused naming that supplier."""
    [customer] = demo.qbo_named("Customer", NAME)
    client = demo.client()
    client.update("Customer", customer["Id"], lambda b: {**b, "DisplayName": "Northwind Cafe"})
    vendor = client.create("Vendor", {"DisplayName": NAME}, request_id="test-northwind-vendor")
    other = demo_company.LINKED_SUPPLIERS[0]
    with demo.store.session() as s:
        supplier = supplier_by_name(s, other)
        supplier.qbo_vendor_id = vendor["Id"]
        s.add(supplier)
        s.commit()
    subject = demo.services.fixes.choices(*PO)
    assert [o.name for o in subject.options] == ["rename"]
    assert f"supplier '{other}'" in subject.choices.summary
    link = Option("link", "Use the QuickBooks vendor", "")  # as a plan made before the link
    with pytest.raises(InputError) as caught:
        module.plan(FixContext(demo.store, client, "tester"), subject.targets, link, {})
    assert f"supplier '{other}'" in caught.value.errors["vendor"]
