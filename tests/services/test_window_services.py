"""What the window's detail pane and row actions ask of the services: one document's row as
it is now, when it last synced, and its page in QuickBooks' web app."""

from __future__ import annotations

from datetime import date

import pytest

from app.connection.service import ConnectRequest, connect, open_client
from app.domain.states import DocKind
from app.errors import UserError
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.services.connection import ConnectOptions, qbo_web_url
from app.services.documents_views import ListQuery
from app.sync.engine import SyncEngine
from tests.qbo.conftest import FAST
from tests.sync.conftest import bill_po, make_po

DEMO_ID, DEMO_SECRET = "syncdesk-demo", "syncdesk-demo-secret"  # the sandbox's published ones


@pytest.fixture
def synced(store, sandbox, services):
    """PO-1 synced, PO-2 blocked, INV-1 synced (billing PO-1); connected to the local sandbox."""
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    make_po(store, number="PO-1")
    make_po(store, number="PO-2", account="Accounts Payable (A/P)", approved_on=date(2026, 8, 5))
    bill_po(store, "PO-1", "INV-1", "A-100")
    SyncEngine(store, open_client(store, Limits(), FAST), actor="tester").run()
    return services


def test_row_is_the_listing_row_of_one_document_as_it_is_now(synced):
    docs = synced.documents
    for kind, number in ((DocKind.PO, "PO-1"), (DocKind.PO, "PO-2"),
                         (DocKind.INVOICE, "INV-1")):
        listed = [r for r in docs.list(kind) if r.number == number]
        assert [docs.row(kind, number)] == listed
    assert docs.row(DocKind.PO, "PO-2").quickbooks == "Blocked: A/P or A/R account"
    synced.sync.exclude(DocKind.PO, "PO-2", "sorted out by hand")
    assert docs.row(DocKind.PO, "PO-2").quickbooks.startswith("Excluded")
    invoice = docs.row(DocKind.INVOICE, "INV-1")
    assert (invoice.reference, invoice.po_number) == ("A-100", "PO-1")


def test_row_of_a_missing_document_says_so_in_words(synced):
    with pytest.raises(UserError) as caught:
        synced.documents.row(DocKind.PO, "PO-404")
    assert "PO-404" in str(caught.value)


def test_detail_tells_when_the_document_last_reached_quickbooks(synced):
    docs = synced.documents
    assert docs.detail(DocKind.PO, "PO-1").synced_at is not None
    assert docs.detail(DocKind.PO, "PO-2").synced_at is None
    assert "synced_at" not in docs.detail(DocKind.PO, "PO-1").to_json()  # the CLI's shape


def test_web_urls_of_intuits_environments():
    assert qbo_web_url("production", DocKind.PO, "145") == \
        "https://app.qbo.intuit.com/app/purchaseorder?txnId=145"
    assert qbo_web_url("production", DocKind.INVOICE, "9") == \
        "https://app.qbo.intuit.com/app/bill?txnId=9"
    assert qbo_web_url("intuit-sandbox", DocKind.INVOICE, "9") == \
        "https://app.sandbox.qbo.intuit.com/app/bill?txnId=9"
    assert qbo_web_url("local", DocKind.PO, "1") is None


def test_web_link_for_a_company_on_intuits_sandbox(services, sandbox, memory_keyring):
    services.connection.connect(ConnectOptions("intuit-sandbox", sandbox.base_url, DEMO_ID,
                                               DEMO_SECRET), follow_redirects, timeout=10)
    link = services.connection.web_link(DocKind.PO, "17")
    assert link.url == "https://app.sandbox.qbo.intuit.com/app/purchaseorder?txnId=17"
    assert link.reason is None


def test_no_web_link_for_the_local_sandbox_nor_a_document_not_in_quickbooks(synced):
    connection = synced.connection
    local = connection.web_link(DocKind.PO, synced.documents.row(DocKind.PO, "PO-1").qbo_id)
    assert local.url is None and "SyncDesk sandbox" in (local.reason or "")
    missing = connection.web_link(DocKind.INVOICE, None)
    assert missing.url is None and missing.reason == "This invoice is not in QuickBooks yet."


def test_no_web_link_without_a_connection(services):
    link = services.connection.web_link(DocKind.PO, "3")
    assert link.url is None and "not connected" in (link.reason or "")
    assert services.documents.list(DocKind.PO, ListQuery()) == []


def test_start_company_replaces_only_an_empty_file(tmp_path):
    from app.services.opening import open_services, start_company

    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(UserError):
        open_services(str(empty), create=True)  # opening never replaces it
    started = start_company(str(empty))
    started.close()
    assert empty.stat().st_size > 0
    kept = tmp_path / "kept.db"
    kept.write_bytes(b"not a store, but somebody's bytes " * 50)
    before = kept.read_bytes()
    with pytest.raises(UserError):
        start_company(str(kept))
    assert kept.read_bytes() == before
    start_company(str(tmp_path / "new.db")).close()  # none there yet: made
    assert (tmp_path / "new.db").stat().st_size > 0
