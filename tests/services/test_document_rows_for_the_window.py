"""What the window's tables ask of the documents service: QuickBooks' own status on each row
(the listing's JSON unchanged) and the suppliers' overview, over a real store and sandbox."""

from __future__ import annotations

from datetime import date

import pytest

from app.connection.service import ConnectRequest, connect, open_client
from app.domain.qbo_column import table_text
from app.domain.states import DocKind, PoStatus
from app.errors import UserError
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.services import Services
from app.services.documents import ListQuery
from app.services.documents_views import Count, FilterCounts
from app.sync.engine import SyncEngine
from tests.qbo.conftest import FAST
from tests.sync.conftest import bill_po, make_po


def _sync(store) -> None:
    SyncEngine(store, open_client(store, Limits(), FAST), actor="tester").run()


@pytest.fixture
def synced(store, sandbox, services: Services):
    """PO-1 synced, PO-2 blocked (an A/P account), PO-3 pending (O'Brien), INV-1 synced."""
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    make_po(store, number="PO-1")
    make_po(store, number="PO-2", account="Accounts Payable (A/P)", approved_on=date(2026, 8, 5))
    make_po(store, number="PO-3", supplier="O'Brien & Sons", approved_on=date(2026, 8, 7),
            status=PoStatus.PENDING)
    bill_po(store, "PO-1", "INV-1", "A-100")
    _sync(store)
    return services


def test_rows_carry_quickbooks_status_for_the_window(synced):
    rows = {r.number: r for r in synced.documents.list(DocKind.PO)}
    assert rows["PO-1"].qbo_status == "Closed"  # fully billed by INV-1
    assert rows["PO-1"].table_text == "Synced · Closed"
    assert rows["PO-1"].quickbooks == "Synced"  # the command line's column is unchanged
    assert rows["PO-2"].qbo_status is None
    assert rows["PO-2"].table_text.startswith("Blocked: ")
    assert rows["PO-3"].table_text == "Not synced"
    invoice = synced.documents.list(DocKind.INVOICE, ListQuery(text="INV-1"))[0]
    assert invoice.table_text.startswith("Synced · ")
    assert "qbo_status" not in invoice.to_json() and "qbo_status" not in rows["PO-1"].to_json()


def test_rows_say_whether_resend_can_send_them(synced):
    """The window enables Resend by the row's ``can_resend``: the same rule the sync's Resend
    applies (a pending PO is refused), and an excluded document cannot go either."""
    rows = {r.number: r for r in synced.documents.list(DocKind.PO)}
    assert (rows["PO-1"].can_resend, rows["PO-2"].can_resend, rows["PO-3"].can_resend) == (
        True, True, False)
    with pytest.raises(UserError, match="PO-3 is pending"):
        synced.sync.resend(DocKind.PO, "PO-3")
    assert synced.documents.list(DocKind.INVOICE)[0].can_resend is True
    synced.sync.exclude(DocKind.PO, "PO-2", "entered by hand")
    assert synced.documents.row(DocKind.PO, "PO-2").can_resend is False


def test_table_text_words():
    assert table_text("synced", None, "Closed") == "Synced · Closed"
    assert table_text("synced", None, None) == "Synced"
    assert table_text("failed", None, "Open") == "Failed"  # a status only shows once synced
    assert table_text("queued", None, None) == "Queued"


def test_supplier_overview_has_the_link_and_documents_needing_attention(synced, sandbox):
    rows = {r.name: r for r in synced.documents.supplier_overview()}
    acme = rows["Acme Supply"]
    assert acme.qbo_vendor_id and acme.qbo_active is True
    assert acme.needs_attention == 1  # PO-2 blocked
    assert acme.quickbooks == "Linked to Acme Supply (active)"  # the vendor by its name
    assert acme.vendor_id_text == f"QuickBooks vendor id {acme.qbo_vendor_id}"
    obrien = rows["O'Brien & Sons"]
    assert obrien.qbo_vendor_id is None and obrien.needs_attention == 0
    assert obrien.quickbooks == "Not linked yet"
    assert [r.name for r in synced.documents.supplier_overview("o'bri")] == ["O'Brien & Sons"]
    # The vendor made inactive in QuickBooks: the next sync's mirror says so.
    sandbox.create("Vendor", {**sandbox.read("Vendor", acme.qbo_vendor_id), "Active": False})
    _sync(synced.documents._store)
    acme = {r.name: r for r in synced.documents.supplier_overview()}["Acme Supply"]
    assert acme.qbo_active is False
    assert acme.quickbooks.endswith("(inactive in QuickBooks)")


def test_a_supplier_whose_vendor_of_its_name_is_inactive_shows_that_vendor(
        store, sandbox, services: Services):
    """The sync never links a supplier to an inactive vendor (its documents are blocked), but
    the supplier is tied to it by name: the overview says which vendor, and that it is
    inactive in QuickBooks; a supplier with no vendor at all is not linked yet."""
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    vendor = sandbox.create("Vendor", {"DisplayName": "Acme Supply"})
    sandbox.create("Vendor", {**sandbox.read("Vendor", vendor["Id"]), "Active": False})
    make_po(store, number="PO-1")
    make_po(store, number="PO-2", supplier="O'Brien & Sons", status=PoStatus.PENDING)
    _sync(store)
    rows = {r.name: r for r in services.documents.supplier_overview()}
    assert services.documents.row(DocKind.PO, "PO-1").problem == "inactive_vendor"
    assert [r.qbo_vendor_id for r in services.documents.suppliers("Acme")] == [None]  # no link
    acme = rows["Acme Supply"]
    assert (acme.qbo_vendor_id, acme.qbo_active, acme.by_name) == (vendor["Id"], False, True)
    assert acme.quickbooks == "Linked by name to Acme Supply (inactive in QuickBooks)"
    assert acme.vendor_id_text == f"QuickBooks vendor id {vendor['Id']}"
    assert acme.needs_attention == 1
    obrien = rows["O'Brien & Sons"]
    assert (obrien.qbo_vendor_id, obrien.by_name, obrien.quickbooks) == (None, False,
                                                                          "Not linked yet")


def test_the_filter_counts_total_is_every_state_together():
    counts = FilterCounts({"synced": Count(3), "queued": Count(2), "failed": Count(1),
                           "blocked": Count(4), "not_synced": Count(0), "excluded": Count(5),
                           "needs_attention": Count(5)})
    assert counts.total == Count(15)
    capped = FilterCounts({**counts.by_state, "synced": Count(1000, more=True)})
    assert str(capped.total) == "1,012+"
