"""Edit versions: two editors of one document, and the later save over an older version
refused with both versions, who changed what, and nothing of it written."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.domain.states import DocKind, PoStatus
from app.domain.wording import field_words
from app.operations import creating
from app.operations.fields import LineValues
from app.operations.lookup import account_by_name, supplier_by_name
from app.operations.versions import NewerEdit, conflict_words, when_words
from app.services.documents import DocumentService, EditConflict, SupplierChanged
from app.store.database import open_store

PO = DocKind.PO


def make_po(store, number="PO-1", status=PoStatus.DRAFT):
    with store.session() as s:
        supplies = account_by_name(s, "Supplies & Materials").id
        creating.create_po(
            s, number=number, supplier_id=supplier_by_name(s, "Acme Supply").id, actor="ann",
            status=status, lines=[
                LineValues(description="Widgets", account_id=supplies, qty=Decimal("10"),
                           unit_price=Decimal("15")),
                LineValues(description="Freight", account_id=supplies, amount=Decimal("25.50"))])


@pytest.fixture
def two_desks(store):
    """Two SyncDesk instances on one company store: ann's and bob's."""
    make_po(store)
    other = open_store(store.url)
    yield DocumentService(store, actor=lambda: "ann"), DocumentService(other, actor=lambda: "bob")
    other.close()


def test_the_first_save_wins_and_the_second_is_refused_naming_both_versions(two_desks):
    ann, bob = two_desks
    ann_draft, bob_draft = ann.draft(PO, "PO-1"), bob.draft(PO, "PO-1")
    assert ann_draft.revision == bob_draft.revision == 1

    bob.save("PO-1", replace(bob_draft, supplier="O'Brien & Sons", lines=(
        bob_draft.lines[0], replace(bob_draft.lines[1], amount="30.00"))))
    assert bob.detail(PO, "PO-1").revision == 2

    with pytest.raises(EditConflict) as refused:
        ann.save("PO-1", replace(ann_draft, memo="Rush order", lines=(
            replace(ann_draft.lines[0], qty="12"), ann_draft.lines[1])))
    conflict = refused.value
    assert (conflict.number, conflict.seen, conflict.current) == ("PO-1", 1, 2)
    words = str(conflict)
    assert re.fullmatch(
        r"PO-1 was changed by bob at \d\d:\d\d \(version 2: supplier, line 2 amount\) after "
        r"you opened version 1; your changes were not saved\. Open PO-1 again to see bob's "
        r"version, then make your change again\.", words), words

    # Nothing of ann's save was written: bob's version stands, one edit in the history.
    detail = ann.detail(PO, "PO-1")
    assert (detail.revision, detail.supplier, detail.memo) == (2, "O'Brien & Sons", None)
    assert [line.qty for line in detail.lines] == [Decimal("10"), None]
    assert detail.total == Decimal("180.00")
    assert (detail.edited_by, detail.to_json()["edited_by"]) == ("bob", "bob")
    assert [e.actor for e in ann.history(PO, "PO-1") if e.action == "edited"] == ["bob"]

    # Opened again, ann's change goes on top of bob's.
    again = ann.draft(PO, "PO-1")
    ann.save("PO-1", replace(again, memo="Rush order"))
    after = ann.detail(PO, "PO-1")
    assert (after.revision, after.supplier, after.memo) == (3, "O'Brien & Sons", "Rush order")


def test_several_newer_edits_are_counted_and_the_latest_named(two_desks):
    ann, bob = two_desks
    stale = ann.draft(PO, "PO-1")
    bob.edit(PO, "PO-1", {"memo": "one"})
    bob.edit(PO, "PO-1", {"line.1.description": "Blue widgets"})
    with pytest.raises(EditConflict) as refused:
        ann.save("PO-1", replace(stale, memo="mine"))
    words = str(refused.value)
    assert "PO-1 was changed 2 times after you opened version 1: by bob at" in words
    assert "(version 2: memo); by bob at" in words and "(version 3: line 1 description)" in words
    assert "Open PO-1 again to see version 3" in words
    assert ann.detail(PO, "PO-1").memo == "one"


def test_a_field_edit_names_the_version_it_started_from(two_desks):
    ann, bob = two_desks
    outcome = bob.edit(PO, "PO-1", {"memo": "bob's"}, expected_revision=1)
    assert outcome.revision == 2
    with pytest.raises(EditConflict, match=r"after you opened version 1"):
        ann.edit(PO, "PO-1", {"memo": "ann's"}, expected_revision=1)
    with pytest.raises(EditConflict, match=r"PO-1 has no version 7 \(it is at version 2\)"):
        ann.edit(PO, "PO-1", {"memo": "ann's"}, expected_revision=7)
    # Without a version, an edit starts from the one it finds: both are kept.
    assert ann.edit(PO, "PO-1", {"line.1.qty": "11"}).revision == 3
    detail = ann.detail(PO, "PO-1")
    assert (detail.memo, detail.lines[0].qty, detail.edited_by) == ("bob's", Decimal("11"), "ann")


def test_a_step_on_a_document_changed_since_it_was_shown_is_refused(two_desks):
    ann, bob = two_desks
    shown = ann.detail(PO, "PO-1").revision
    bob.edit(PO, "PO-1", {"line.2.amount": "99.00"})
    with pytest.raises(EditConflict) as refused:
        ann.step(PO, "PO-1", "approve", expected_revision=shown)
    words = str(refused.value)
    assert "(version 2: line 2 amount) after you opened version 1; it was not approved" in words
    assert words.endswith("then approve it again if it is still right.")
    assert ann.detail(PO, "PO-1").status == PoStatus.DRAFT.value
    assert ann.step(PO, "PO-1", "approve", expected_revision=2).status == "approved"


def test_an_unchanged_draft_saves_nothing_and_needs_no_version_check(two_desks):
    ann, bob = two_desks
    stale = ann.draft(PO, "PO-1")
    bob.edit(PO, "PO-1", {"memo": "bob's"})
    with pytest.raises(EditConflict):
        ann.save("PO-1", stale)  # it would take bob's memo out again
    assert ann.detail(PO, "PO-1").memo == "bob's"


def test_invoices_carry_versions_too(store):
    make_po(store, status=PoStatus.APPROVED)
    ann = DocumentService(store, actor=lambda: "ann")
    bob = DocumentService(store, actor=lambda: "bob")
    ann.create(replace(ann.new_draft(DocKind.INVOICE), number="INV-1", supplier="Acme Supply",
                       reference="A-1", po="PO-1", lines=(
                           replace(ann.new_draft(DocKind.INVOICE).lines[0],
                                   description="Widgets", account="Supplies & Materials",
                                   amount="150.00", po_line="1"),)))
    stale = ann.draft(DocKind.INVOICE, "INV-1")
    bob.edit(DocKind.INVOICE, "INV-1", {"reference": "A-2"})
    with pytest.raises(EditConflict) as refused:
        ann.save("INV-1", replace(stale, memo="mine"))
    assert re.search(r"^INV-1 was changed by bob at .* \(version 2: REF\) after you opened "
                     r"version 1;".replace("REF", field_words("reference")), str(refused.value))
    assert ann.detail(DocKind.INVOICE, "INV-1").reference == "A-2"


def test_a_supplier_field_changed_since_the_editor_showed_it_is_not_overwritten(two_desks):
    ann, bob = two_desks
    shown = next(s for s in ann.suppliers() if s.name == "Acme Supply")
    bob.edit_supplier("Acme Supply", {"email": "orders@acme.example"},
                      seen={"email": shown.email})
    with pytest.raises(SupplierChanged) as refused:
        ann.edit_supplier("Acme Supply", {"email": "sales@acme.example", "currency": "CAD"},
                          seen={"email": shown.email, "currency": shown.currency})
    assert re.fullmatch(
        r"Acme Supply was changed by bob at \d\d:\d\d \(email: now orders@acme\.example\) "
        r"after you opened it; your changes were not saved\. Open Acme Supply again to see "
        r"bob's version, then make your change again\.", str(refused.value)), refused.value
    now = next(s for s in ann.suppliers() if s.name == "Acme Supply")
    assert (now.email, now.currency) == ("orders@acme.example", "USD")
    # A field bob left alone goes through from the same stale view.
    ann.edit_supplier("Acme Supply", {"currency": "CAD"}, seen={"currency": shown.currency})
    assert next(s for s in ann.suppliers() if s.name == "Acme Supply").currency == "CAD"


def test_the_refusal_words_for_many_edits_and_for_none_known():
    at = datetime.now(UTC)
    edits = tuple(NewerEdit(n, "bob", at, ("memo",)) for n in range(3, 7))
    words = conflict_words("PO-9", 2, 6, edits)
    assert words.startswith("PO-9 was changed 4 times after you opened version 2: 1 more, "
                            "then by bob at ")
    assert words.count("by bob") == 3 and "(version 6: memo); your changes were not saved" \
        in words
    assert words.endswith("Open PO-9 again to see version 6, then make your change again.")
    assert conflict_words("PO-9", 2, 3, ()) == (
        "PO-9 was changed once after you opened version 2 (it is at version 3 now); your "
        "changes were not saved. Open PO-9 again to see version 3, then make your change "
        "again.")
    assert when_words(datetime(2001, 2, 3, 12, 0, tzinfo=UTC)).startswith("2001-02-0")
