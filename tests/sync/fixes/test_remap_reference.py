"""``remap_reference`` end to end: an account made inactive in QuickBooks after the demo's
first sync, and an account QuickBooks never had (the demo seeds neither)."""

from __future__ import annotations

import pytest

from app.domain.events import Event
from app.domain.states import DocKind
from app.errors import UserError
from app.sandbox import demo_company
from app.services.fixes import FixFailed, InputError, Side
from app.store.models import Account
from tests.qbo.conftest import memory_keyring  # noqa: F401  (autouse fixture)
from tests.sync.conftest import make_po
from tests.sync.fixes.vendor_fixtures import Demo, demo, refuse  # noqa: F401

SUPPLIER = demo_company.LINKED_SUPPLIERS[0]
ACCOUNT = "Advertising & Marketing"
PO = (DocKind.PO, "PO-9101")


def _account(demo: Demo, name: str) -> dict:  # noqa: F811
    [account] = demo.qbo_named("Account", name, "Name")
    return account


def _inactive_account(demo: Demo) -> dict:  # noqa: F811
    make_po(demo.store, number=PO[1], supplier=SUPPLIER, account=ACCOUNT)
    account = _account(demo, ACCOUNT)
    demo.client().update("Account", account["Id"], lambda b: {**b, "Active": False})
    assert demo.sync().stopped is None
    assert demo.state(*PO) == ("blocked", "missing_reference")
    return account


def _missing_account(demo: Demo) -> None:  # noqa: F811
    with demo.store.session() as s:
        s.add(Account(name="Freight In", account_type="Expense"))
    make_po(demo.store, number=PO[1], supplier=SUPPLIER, account="Freight In")
    assert demo.sync().stopped is None
    assert demo.state(*PO) == ("blocked", "missing_reference")


def test_choices_and_plan_for_an_inactive_account_change_nothing(demo: Demo):  # noqa: F811
    account = _inactive_account(demo)
    before, store_before = demo.snapshot(), demo.store_snapshot()
    subject = demo.services.fixes.choices(*PO)
    assert subject.fix == "remap_reference"
    assert "inactive" in subject.choices.summary and ACCOUNT in subject.choices.summary
    assert dict(subject.choices.record)["In QuickBooks"] == f"inactive, id {account['Id']}"
    assert [o.name for o in subject.options] == ["map", "reactivate"]
    [choice] = subject.options[0].inputs
    assert ACCOUNT not in choice.choices and "Cost of Goods Sold" in choice.choices
    assert "Accounts Payable (A/P)" not in choice.choices
    plan = demo.services.fixes.plan(subject, "map", {"account": "Cost of Goods Sold"})
    assert [(c.side, c.what, c.old, c.new) for c in plan.changes] == [
        (Side.SYNCDESK, f"{PO[1]} line {n} account", ACCOUNT, "Cost of Goods Sold")
        for n in (1, 2)] + [  # the demo company requires re-approval after an edit
        (Side.SYNCDESK, f"{PO[1]} approval", "approved",
         "approved by approval override (this fix)")]
    reactivate = demo.services.fixes.plan(subject, "reactivate")
    assert [(c.side, c.old, c.new) for c in reactivate.changes] == [
        (Side.QUICKBOOKS, f"inactive, named '{ACCOUNT} (deleted)'", f"active, named '{ACCOUNT}'")]
    for bad, words in (("", "choose"), ("Nope", "no active account"),
                       ("Accounts Payable (A/P)", "expense or cost-of-goods")):
        with pytest.raises(InputError) as caught:
            demo.services.fixes.plan(subject, "map", {"account": bad})
        assert words in caught.value.errors["account"]
    assert demo.snapshot() == before and demo.store_snapshot() == store_before


def test_map_to_another_account_syncs_the_po(demo: Demo):  # noqa: F811
    _inactive_account(demo)
    fixes = demo.services.fixes
    plan = fixes.plan(fixes.choices(*PO), "map", {"account": "Cost of Goods Sold"})
    result = fixes.apply(plan)
    assert result.fixed, result.documents
    cogs = _account(demo, "Cost of Goods Sold")
    [po] = [p for p in demo.qbo("PurchaseOrder") if p["DocNumber"] == PO[1]]
    assert {line["AccountBasedExpenseLineDetail"]["AccountRef"]["value"]
            for line in po["Line"]} == {cogs["Id"]}
    actions = [e.action for e in demo.history(*PO)]
    assert {Event.FIXED.value, Event.EDITED.value, Event.APPROVAL_OVERRIDE.value} <= set(actions)
    assert demo.doc(*PO).status == "approved"
    with pytest.raises(Exception, match="no sync problem"):
        fixes.choices(*PO)


def test_reactivate_the_account(demo: Demo):  # noqa: F811
    account = _inactive_account(demo)
    fixes = demo.services.fixes
    assert fixes.apply(fixes.plan(fixes.choices(*PO), "reactivate")).fixed
    now = demo.sandbox.read("Account", account["Id"])
    assert now["Active"] is True and now["Name"] == ACCOUNT
    assert len(demo.qbo_named("Account", ACCOUNT, "Name")) == 1


def test_create_a_missing_account(demo: Demo):  # noqa: F811
    _missing_account(demo)
    fixes = demo.services.fixes
    subject = fixes.choices(*PO)
    assert "does not exist" in subject.choices.summary
    assert [o.name for o in subject.options] == ["map", "create"]
    with pytest.raises(InputError) as caught:
        fixes.plan(subject, "create", {"name": "Freight In", "type": "Equity"})
    assert "type" in caught.value.errors
    with pytest.raises(InputError) as caught:
        fixes.plan(subject, "create", {"name": "Cost of Goods Sold"})
    assert "already has" in caught.value.errors["name"]
    plan = fixes.plan(subject, "create")
    assert [(c.side, c.old, c.new) for c in plan.changes] == [
        (Side.QUICKBOOKS, None, "'Freight In' (Expense)")]
    refuse(demo.sandbox, "POST", "account")
    with pytest.raises(FixFailed):
        fixes.apply(plan)
    assert demo.qbo_named("Account", "Freight In", "Name") == []
    assert demo.state(*PO) == ("blocked", "missing_reference")
    assert fixes.apply(plan).fixed  # the second run finishes the job
    with pytest.raises(UserError, match="Nothing to fix"):  # a third: synced already
        fixes.apply(plan)
    [made] = demo.qbo_named("Account", "Freight In", "Name")
    assert made["AccountType"] == "Expense"
    [po] = [p for p in demo.qbo("PurchaseOrder") if p["DocNumber"] == PO[1]]
    assert {line["AccountBasedExpenseLineDetail"]["AccountRef"]["value"]
            for line in po["Line"]} == {made["Id"]}


def test_create_a_missing_item(demo: Demo):  # noqa: F811
    from decimal import Decimal

    from app.operations.fields import LineValues
    from app.store.models import Item

    with demo.store.session() as s:
        item = Item(name="Loose Leaf Sampler")
        s.add(item)
        s.flush()
        item_id = item.id
    make_po(demo.store, number=PO[1], supplier=SUPPLIER, lines=[
        LineValues(description="Samplers", item_id=item_id, qty=Decimal("3"),
                   unit_price=Decimal("12.50"))])
    assert demo.sync().stopped is None
    assert demo.state(*PO) == ("blocked", "missing_reference")
    fixes = demo.services.fixes
    subject = fixes.choices(*PO)
    assert [o.name for o in subject.options] == ["map", "create"]
    assert "Wholesale Tea, case" in subject.options[0].inputs[0].choices
    plan = fixes.plan(subject, "create")
    [change] = plan.changes
    assert change.side is Side.QUICKBOOKS and change.new.startswith("'Loose Leaf Sampler'")
    assert fixes.apply(plan).fixed
    [made] = demo.qbo_named("Item", "Loose Leaf Sampler", "Name")
    assert made["Type"] == "NonInventory"
    [po] = [p for p in demo.qbo("PurchaseOrder") if p["DocNumber"] == PO[1]]
    assert po["Line"][0]["ItemBasedExpenseLineDetail"]["ItemRef"]["value"] == made["Id"]


def _gone_vendor(demo: Demo) -> str:  # noqa: F811
    """PO-9101 of SUPPLIER, whose QuickBooks vendor vanishes (merged away) between the
    sync's list pull and the send: QuickBooks answers 2500 "Names element id N not found"."""
    vendor_id = demo.supplier(SUPPLIER).qbo_vendor_id
    make_po(demo.store, number=PO[1], supplier=SUPPLIER, account=ACCOUNT)
    sandbox = demo.sandbox

    def vanish(ctx):
        if ctx.method == "POST" and ctx.path.lower() == "purchaseorder":
            with sandbox.company.lock:
                if sandbox.company.get("Vendor", vendor_id) is not None:
                    sandbox.company.remove("Vendor", vendor_id)
        return None

    sandbox.before_hooks.append(vanish)
    assert demo.sync().stopped is None
    sandbox.before_hooks.remove(vanish)
    assert demo.state(*PO)[1] == "missing_reference"
    return vendor_id


def test_a_vendor_gone_from_quickbooks_is_created_again_and_linked(demo: Demo):  # noqa: F811
    gone = _gone_vendor(demo)
    fixes = demo.services.fixes
    subject = fixes.choices(*PO)
    assert f"vendor (id {gone})" in subject.choices.summary
    assert [o.name for o in subject.options] == ["create_vendor", "map_vendor"]
    before = demo.snapshot()
    plan = fixes.plan(subject)
    assert [(c.side, c.what, c.new) for c in plan.changes] == [
        (Side.QUICKBOOKS, "New vendor", SUPPLIER),
        (Side.SYNCDESK, "Supplier's QuickBooks vendor", f"the new vendor '{SUPPLIER}'")]
    assert demo.snapshot() == before  # the plan wrote nothing
    assert fixes.apply(plan).fixed
    [vendor] = demo.qbo_named("Vendor", SUPPLIER)
    assert demo.supplier(SUPPLIER).qbo_vendor_id == vendor["Id"] != gone
    [po] = [p for p in demo.qbo("PurchaseOrder") if p["DocNumber"] == PO[1]]
    assert po["VendorRef"]["value"] == vendor["Id"]


def test_a_vendor_gone_from_quickbooks_is_mapped_to_another(demo: Demo):  # noqa: F811
    _gone_vendor(demo)
    other = demo.sandbox.create("Vendor", {"DisplayName": f"{SUPPLIER} Holdings"})
    fixes = demo.services.fixes
    subject = fixes.choices(*PO)
    [link] = [o for o in subject.options if o.name == "map_vendor"]
    taken = demo.supplier(demo_company.LINKED_SUPPLIERS[1])
    taken_name = demo.sandbox.read("Vendor", taken.qbo_vendor_id)["DisplayName"]
    assert other["DisplayName"] in link.inputs[0].choices
    assert taken_name not in link.inputs[0].choices  # another supplier's vendor
    with pytest.raises(InputError) as caught:
        fixes.plan(subject, "map_vendor", {"vendor": taken_name})
    assert f"supplier '{taken.name}'" in caught.value.errors["vendor"]
    plan = fixes.plan(subject, "map_vendor", {"vendor": other["DisplayName"]})
    assert fixes.apply(plan).fixed
    assert demo.supplier(SUPPLIER).qbo_vendor_id == other["Id"]
    assert demo.qbo_named("Vendor", SUPPLIER) == []  # nothing created
