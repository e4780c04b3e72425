"""``reactivate_vendor`` end to end: the demo's PO-1062 (Harbor Freight Lines' vendor is
inactive in QuickBooks), a vendor made inactive there after its supplier synced, and the
bulk fix of two POs of one supplier."""

from __future__ import annotations

import json

import pytest

from app.domain.events import Event
from app.domain.states import DocKind
from app.operations import demo as demo_data
from app.sandbox import demo_company
from app.services.fixes import FixFailed, InputError, Side
from tests.qbo.conftest import memory_keyring  # noqa: F401  (autouse fixture)
from tests.sync.conftest import make_po
from tests.sync.fixes.vendor_fixtures import Demo, count_writes, demo, refuse  # noqa: F401

NAME = demo_data.INACTIVE_SUPPLIER
PO = (DocKind.PO, "PO-1062")


def _vendor(demo: Demo, name: str = NAME) -> dict:  # noqa: F811
    [vendor] = demo.qbo_named("Vendor", name)
    return vendor


def test_choices_and_plan_show_the_vendor_and_change_nothing(demo: Demo):  # noqa: F811
    vendor = _vendor(demo)
    assert vendor["DisplayName"] == f"{NAME} (deleted)" and not vendor["Active"]
    before, store_before = demo.snapshot(), demo.store_snapshot()
    subject = demo.services.fixes.choices(*PO)
    assert subject.fix == "reactivate_vendor"
    assert [o.name for o in subject.options] == ["reactivate", "link_other"]
    assert subject.options[0].recommended
    assert dict(subject.choices.record) == {"Vendor": f"{NAME} (deleted)",
                                            "QuickBooks id": vendor["Id"], "Active": "no"}
    [other] = subject.options[1].inputs
    assert "Zephyr Courier" in other.choices and f"{NAME} (deleted)" not in other.choices
    assert "Acme Office Supply" not in other.choices  # linked to its supplier already
    plan = demo.services.fixes.plan(subject)
    assert [(c.side, c.what, c.old, c.new) for c in plan.changes] == [
        (Side.QUICKBOOKS, f"Vendor {vendor['Id']}", f"inactive, named '{NAME} (deleted)'",
         f"active, named '{NAME}'"),
        (Side.SYNCDESK, "Supplier's QuickBooks vendor", None, f"'{NAME}' (id {vendor['Id']})")]
    assert plan.resend == (PO,)
    assert demo.snapshot() == before and demo.store_snapshot() == store_before


def test_reactivate_syncs_the_po_under_the_same_vendor(demo: Demo):  # noqa: F811
    fixes = demo.services.fixes
    vendor = _vendor(demo)
    result = fixes.apply(fixes.plan(fixes.choices(*PO)))
    assert result.fixed, result.documents
    after = demo.sandbox.read("Vendor", vendor["Id"])
    assert after["Active"] is True and after["DisplayName"] == NAME
    assert len(demo.qbo_named("Vendor", NAME)) == 1  # reactivated, not made again
    assert demo.supplier(NAME).qbo_vendor_id == vendor["Id"]
    [po] = [p for p in demo.qbo("PurchaseOrder") if p["DocNumber"] == "PO-1062"]
    assert po["VendorRef"]["value"] == vendor["Id"]
    [fixed] = [e for e in demo.history(*PO) if e.action == Event.FIXED.value]
    assert fixed.actor and fixed.detail["option"] == "reactivate"
    assert {"side": "QuickBooks", "what": f"Vendor {vendor['Id']}",
            "old": f"inactive, named '{NAME} (deleted)'", "new": f"active, named '{NAME}'",
            "document": None} \
        in fixed.detail["changes"]
    with pytest.raises(Exception, match="no sync problem"):  # nothing left to fix
        fixes.choices(*PO)


def test_a_refused_reactivation_changes_nothing_and_a_second_run_finishes(
        demo: Demo):  # noqa: F811
    fixes = demo.services.fixes
    vendor = _vendor(demo)
    plan = fixes.plan(fixes.choices(*PO))
    refused = refuse(demo.sandbox, "POST", "vendor")
    with pytest.raises(FixFailed, match="run the fix again"):
        fixes.apply(plan)
    assert refused
    assert demo.sandbox.read("Vendor", vendor["Id"])["Active"] is False
    assert demo.supplier(NAME).qbo_vendor_id is None
    assert demo.state(*PO) == ("blocked", "inactive_vendor")
    assert [e.action for e in demo.history(*PO)][-1] == Event.FIX_FAILED.value
    assert fixes.apply(plan).fixed  # the same plan, run again, finishes the job
    assert demo.sandbox.read("Vendor", vendor["Id"])["Active"] is True


def test_a_failed_resend_after_the_reactivation_is_finished_by_running_the_fix_again(
        demo: Demo):  # noqa: F811
    fixes = demo.services.fixes
    vendor = _vendor(demo)
    plan = fixes.plan(fixes.choices(*PO))
    refuse(demo.sandbox, "POST", "purchaseorder")
    result = fixes.apply(plan)
    assert not result.fixed and result.documents[0].sync_state == "failed"
    # QuickBooks' side is whole: the vendor active, no PO; SyncDesk's: linked, PO failed.
    assert demo.sandbox.read("Vendor", vendor["Id"])["Active"] is True
    assert "PO-1062" not in {p["DocNumber"] for p in demo.qbo("PurchaseOrder")}
    assert demo.supplier(NAME).qbo_vendor_id == vendor["Id"]
    demo.sandbox.before_hooks.clear()
    writes = count_writes(demo.sandbox, "vendor")
    result = fixes.apply(plan)  # again: the vendor is active already, the PO goes
    assert result.fixed and writes == []
    assert [p["DocNumber"] for p in demo.qbo("PurchaseOrder")].count("PO-1062") == 1


def test_link_another_vendor(demo: Demo):  # noqa: F811
    fixes = demo.services.fixes
    subject = fixes.choices(*PO)
    with pytest.raises(InputError) as caught:
        fixes.plan(subject, "link_other")
    assert "choose" in caught.value.errors["vendor"]
    with pytest.raises(InputError) as caught:
        fixes.plan(subject, "link_other", {"vendor": f"{NAME} (deleted)"})
    assert "no active vendor" in caught.value.errors["vendor"]
    other = demo.sandbox.create("Vendor", {"DisplayName": "Harbor Freight Lines Inc"})
    subject = fixes.choices(*PO)
    plan = fixes.plan(subject, "link_other", {"vendor": "harbor freight lines inc"})
    assert [(c.side, c.old, c.new) for c in plan.changes] == [
        (Side.SYNCDESK, None, f"'Harbor Freight Lines Inc' (id {other['Id']})")]
    assert fixes.apply(plan).fixed
    [po] = [p for p in demo.qbo("PurchaseOrder") if p["DocNumber"] == "PO-1062"]
    assert po["VendorRef"]["value"] == other["Id"]
    assert _vendor(demo)["Active"] is False  # the old one is left as it was


def test_a_vendor_made_inactive_in_quickbooks_later_is_fixed_the_same_way(
        demo: Demo):  # noqa: F811
    name = demo_company.LINKED_SUPPLIERS[0]
    supplier = demo.supplier(name)
    vendor_id = supplier.qbo_vendor_id
    assert vendor_id
    client = demo.client()
    client.update("Vendor", vendor_id, lambda body: {**body, "Active": False})
    make_po(demo.store, number="PO-9001", supplier=name, account="Cost of Goods Sold")
    assert demo.sync().stopped is None
    po = (DocKind.PO, "PO-9001")
    assert demo.state(*po) == ("blocked", "inactive_vendor")
    assert demo.supplier(name).active is False  # the pull saw it
    subject = demo.services.fixes.choices(*po)
    assert dict(subject.choices.record)["QuickBooks id"] == vendor_id
    plan = demo.services.fixes.plan(subject)
    assert [c.side for c in plan.changes] == [Side.QUICKBOOKS]  # already linked
    assert demo.services.fixes.apply(plan).fixed
    vendor = demo.sandbox.read("Vendor", vendor_id)
    assert vendor["Active"] is True and vendor["DisplayName"] == name
    assert demo.supplier(name).active is True
    assert len(demo.qbo_named("Vendor", name)) == 1


def test_bulk_two_pos_of_one_supplier_in_one_plan(demo: Demo, cli):  # noqa: F811
    make_po(demo.store, number="PO-9002", supplier=NAME, account="Cost of Goods Sold")
    assert demo.sync().stopped is None
    second = (DocKind.PO, "PO-9002")
    assert demo.state(*second) == ("blocked", "inactive_vendor")
    key = f"supplier:{demo.supplier(NAME).id}"
    shown = cli("--db", demo.db, "fix", "--group", key, "--json")
    assert shown.code == 0, shown.err
    planned = json.loads(shown.out)
    assert [d["number"] for d in planned["documents"]] == ["PO-1062", "PO-9002"]
    assert len([c for c in planned["changes"] if c["side"] == "QuickBooks"]) == 1
    writes = count_writes(demo.sandbox, "vendor")
    result = cli("--db", demo.db, "fix", "--group", key, "--yes")
    assert result.code == 0, result.err
    assert "PO-1062 is synced." in result.out and "PO-9002 is synced." in result.out
    assert len(writes) == 1  # the vendor was reactivated once
    assert demo.state(*PO) == demo.state(*second) == ("synced", None)
    vendor = _vendor(demo)
    numbers = [p["DocNumber"] for p in demo.qbo("PurchaseOrder")
               if p["VendorRef"]["value"] == vendor["Id"]]
    assert sorted(numbers) == ["PO-1062", "PO-9002"]
    for ref in (PO, second):
        assert [e.action for e in demo.history(*ref)].count(Event.FIXED.value) == 1


def test_a_vendor_linked_to_another_supplier_is_not_offered_nor_taken(demo: Demo):  # noqa: F811
    """Two suppliers on one QuickBooks vendor would mix their documents there."""
    taken = demo.supplier(demo_company.LINKED_SUPPLIERS[0])
    vendor = demo.sandbox.read("Vendor", taken.qbo_vendor_id)
    fixes = demo.services.fixes
    subject = fixes.choices(*PO)
    [other] = [o for o in subject.options if o.name == "link_other"]
    assert vendor["DisplayName"] not in other.inputs[0].choices
    assert other.inputs[0].choices  # the free active vendors are still offered
    with pytest.raises(InputError) as caught:
        fixes.plan(subject, "link_other", {"vendor": vendor["DisplayName"]})
    assert f"supplier '{taken.name}'" in caught.value.errors["vendor"]
    assert demo.supplier(NAME).qbo_vendor_id != taken.qbo_vendor_id


def test_apply_returns_only_the_changes_it_made(demo: Demo):  # noqa: F811
    """The vendor was reactivated in QuickBooks after the plan was made: apply says the
    reactivation is not SyncDesk's (the history must not claim it)."""
    from app.sync.fixes import reactivate_vendor as module
    from app.sync.fixes.base import FixContext

    vendor = _vendor(demo)
    plan = demo.services.fixes.plan(demo.services.fixes.choices(*PO))
    assert any(c.what == f"Vendor {vendor['Id']}" for c in plan.changes)
    client = demo.client()
    client.update("Vendor", vendor["Id"], lambda body: {
        **body, "Active": True, "DisplayName": NAME})
    made = module.apply(FixContext(demo.store, client, "tester"), plan)
    assert made is not None and all(c.what != f"Vendor {vendor['Id']}" for c in made)
    assert [c.what for c in made] == [c.what for c in plan.changes
                                      if c.what != f"Vendor {vendor['Id']}"]
