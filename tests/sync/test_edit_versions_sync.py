"""A sync running beside an open editor does not make its save fail: the sync's
bookkeeping (state, QuickBooks' ids, requests in flight) leaves the version alone."""

from __future__ import annotations

from dataclasses import replace

from app.domain.states import DocKind, PoStatus, SyncState
from app.services.documents import DocumentService
from tests.sync.conftest import bill_po, make_po

PO = DocKind.PO


def test_a_sync_beside_an_open_editor_leaves_the_version_and_the_save_goes_through(
        store, engine):
    make_po(store)
    make_po(store, "PO-2")
    bill_po(store, "PO-2")  # billed in full: PO-2 closes, the bill stays editable
    docs = DocumentService(store, actor=lambda: "ann")
    po_draft = docs.draft(PO, "PO-1")
    bill_draft = docs.draft(DocKind.INVOICE, "INV-1")
    assert (po_draft.revision, bill_draft.revision) == (1, 1)

    report = engine.run()  # creates the vendor, the PO and the bill in QuickBooks
    assert {o.sync_state for o in report.outcomes} == {SyncState.SYNCED.value}
    synced = docs.detail(PO, "PO-1")
    assert synced.qbo_id and synced.sync_state == SyncState.SYNCED.value
    assert synced.revision == 1 and docs.detail(DocKind.INVOICE, "INV-1").revision == 1

    saved = docs.save("PO-1", replace(po_draft, memo="Deliver to the back door"))
    assert saved.status == PoStatus.PENDING.value  # edited: approved again before it goes
    docs.save("INV-1", replace(bill_draft, memo="Checked"))
    assert docs.detail(PO, "PO-1").revision == docs.detail(DocKind.INVOICE, "INV-1").revision \
        == 2

    docs.step(PO, "PO-1", "approve", expected_revision=2)
    engine.run()  # sends the edits: bookkeeping again, and the versions stay
    after = docs.detail(PO, "PO-1")
    assert (after.sync_state, after.revision, after.memo) == (
        SyncState.SYNCED.value, 2, "Deliver to the back door")
