"""Shared arrangements for the fixes about a document's own QuickBooks record: a store
connected to a real sandbox, syncing, reading both sides, and running a fix end to end.

Not a conftest: import what a test needs (fixtures by name, as below)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import col, select

from app.connection.service import ConnectRequest, connect, open_client
from app.domain.states import DocKind
from app.operations.lookup import find_document
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.services.fixes import FixService
from app.store.models import HistoryEvent, PurchaseOrder
from app.sync.engine import SyncEngine
from app.sync.fixes.base import FixContext, Plan
from app.sync.fixes.runner import FixResult, run_plan
from tests.qbo.conftest import FAST, memory_keyring, sandbox  # noqa: F401  (fixtures)
from tests.sync.conftest import bill_po, make_po  # noqa: F401  (re-exported helpers)

PO, INVOICE = DocKind.PO, DocKind.INVOICE


@pytest.fixture
def client(store, sandbox):  # noqa: F811
    """The store connected to the sandbox; a client that retries fast."""
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    return open_client(store, Limits(), FAST)


@pytest.fixture
def fixes(store, client) -> FixService:
    return FixService(store, actor="tester")


def sync(store, client, **kwargs: Any):
    return SyncEngine(store, client, actor="tester").run(**kwargs)


def state(store, kind: DocKind, number: str) -> tuple[str, str | None]:
    with store.session() as s:
        doc = find_document(s, kind, number)
        return doc.sync_state, doc.problem


def row(store, kind: DocKind, number: str) -> dict[str, Any]:
    with store.session() as s:
        return find_document(s, kind, number).model_dump()


def history(store, kind: DocKind, number: str, action: str | None = None) -> list[HistoryEvent]:
    with store.session() as s:
        doc = find_document(s, kind, number)
        query = select(HistoryEvent).where(HistoryEvent.doc_kind == kind.value,
                                           HistoryEvent.doc_id == doc.id)
        if action is not None:
            query = query.where(HistoryEvent.action == action)
        events = list(s.exec(query.order_by(col(HistoryEvent.id))))
        for event in events:
            s.expunge(event)
        return events


def apply(store, client, plan: Plan) -> FixResult:
    """Apply ``plan`` as the service does, with the test's fast-retrying client."""
    return run_plan(FixContext(store, client, "tester"), plan)


def snapshot(store) -> str:
    """Everything of the store a fix may change, to prove a plan changes nothing."""
    from app.store.models import Invoice, InvoiceLine, PoLine

    with store.session() as s:
        rows = [r.model_dump(mode="json") for model in (PurchaseOrder, Invoice, PoLine,
                                                         InvoiceLine, HistoryEvent)
                for r in s.exec(select(model))]
    return json.dumps(rows, sort_keys=True, default=str)


def qbo_snapshot(server) -> str:
    with server.company.lock:
        return json.dumps({e: server.company.all(e) for e in ("Vendor", "PurchaseOrder",
                                                               "Bill")},
                          sort_keys=True, default=str)


def account_id(server, name: str = "Office Supplies & Software") -> str:
    return next(a["Id"] for a in server.company.all("Account") if a["Name"] == name)


def vendor_id(store, supplier: str = "Acme Supply") -> str:
    from app.operations.lookup import supplier_by_name

    with store.session() as s:
        found = supplier_by_name(s, supplier)
        assert found is not None and found.qbo_vendor_id
        return found.qbo_vendor_id


def bills(server, doc_number: str | None = None) -> list[dict[str, Any]]:
    with server.company.lock:
        return [b for b in server.company.all("Bill")
                if doc_number is None or b.get("DocNumber") == doc_number]
