"""A synced demo company to fix documents in, and helpers to look at both sides.

Import the ``demo`` fixture into a test module (``from tests.sync.fixes.document_fixtures
import demo  # noqa: F401``): the demo company, its sandbox running in-process, after its
first sync (so its problem documents are blocked).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import col, select

from app.connection.service import open_client
from app.domain.events import Event
from app.domain.states import DocKind
from app.operations.lookup import find_document
from app.qbo.limits import Limits
from app.services.demo import DemoCompany
from app.store.models import HistoryEvent
from app.sync.fixes.base import FixContext
from app.sync.fixes.runner import FixResult, run_plan
from app.sync.fixes.targets import document_target, group_targets
from tests.qbo.conftest import FAST, MemoryKeyring, memory_keyring  # noqa: F401
from tests.synced_demo import synced_demo

ACTOR = "fixer"


@pytest.fixture
def demo(tmp_path, tmp_path_factory, memory_keyring, db_path  # noqa: F811
         ) -> Iterator[DemoCompany]:
    """A copy of the synced demo company: its own store (a file, or a database on
    PostgreSQL holding the template's rows) and its own sandbox, which never throttles."""
    with synced_demo(db_path, tmp_path, tmp_path_factory, memory_keyring,
                     throttle="off") as company:
        yield company


def context(demo: DemoCompany) -> FixContext:
    """A fix context on the demo's store, with a client that retries quickly."""
    store = demo.services._store
    return FixContext(store, open_client(store, Limits(), FAST), ACTOR)


def targets(demo: DemoCompany, kind: DocKind, number: str) -> tuple:
    with demo.services._store.session() as session:
        return (document_target(session, kind, number),)


def group(demo: DemoCompany, key: str) -> tuple:
    with demo.services._store.session() as session:
        return group_targets(session, key)


def fix(demo: DemoCompany, module: Any, found: tuple, option: str | None = None,
        **inputs: str) -> FixResult:
    """Choices → plan (suggested inputs unless given) → apply, resend and verify."""
    ctx = context(demo)
    chosen = module.choices(ctx, found).option(option)
    given = {i.key: i.suggested for i in chosen.inputs} | inputs
    return run_plan(ctx, module.plan(ctx, found, chosen, given))


def doc(demo: DemoCompany, kind: DocKind, number: str) -> Any:
    with demo.services._store.session() as session:
        found = find_document(session, kind, number)
        session.expunge(found)
        return found


def history(demo: DemoCompany, kind: DocKind, number: str, action: str | None = None
            ) -> list[HistoryEvent]:
    with demo.services._store.session() as session:
        found = find_document(session, kind, number)
        rows = session.exec(select(HistoryEvent).where(
            HistoryEvent.doc_kind == kind.value, HistoryEvent.doc_id == found.id)
            .order_by(col(HistoryEvent.id))).all()
        for row in rows:
            session.expunge(row)
    return [r for r in rows if action is None or r.action == action]


def fixed_entries(demo: DemoCompany, kind: DocKind, number: str) -> list[HistoryEvent]:
    return history(demo, kind, number, Event.FIXED.value)


def qbo(demo: DemoCompany, kind: DocKind, number: str) -> dict[str, Any]:
    """QuickBooks' copy of a synced document."""
    found = doc(demo, kind, number)
    assert found.qbo_id, f"{number} is not in QuickBooks"
    obj = demo.sandbox.read("PurchaseOrder" if kind is DocKind.PO else "Bill", found.qbo_id)
    assert obj is not None
    return obj


def snapshot(demo: DemoCompany) -> dict[str, dict[str, str]]:
    """Id → SyncToken of every vendor, PO and bill in QuickBooks."""
    company = demo.sandbox.company
    with company.lock:
        return {entity: {o["Id"]: o["SyncToken"] for o in company.all(entity)}
                for entity in ("Vendor", "PurchaseOrder", "Bill")}


def store_state(demo: DemoCompany) -> list[tuple]:
    """Every document's status, sync state, revision and history length."""
    from app.store.models import Invoice, PurchaseOrder

    with demo.services._store.session() as session:
        rows = [(d.number, d.status, d.sync_state, d.revision, d.updated_at)
                for model in (PurchaseOrder, Invoice) for d in session.exec(select(model))]
        rows.append(("history", len(session.exec(select(HistoryEvent)).all())))
    return rows


def bills_numbered(demo: DemoCompany, doc_number: str) -> list[dict[str, Any]]:
    company = demo.sandbox.company
    with company.lock:
        return [b for b in company.all("Bill") if b.get("DocNumber") == doc_number]


def new_po(demo: DemoCompany, number: str, *, qty: str = "4", unit_price: str = "25.50",
           amount: str | None = None, currency: str | None = None) -> None:
    """An approved PO of PO-1051's supplier with one qty × price line, changed in the store
    afterwards as an import or an old version could leave it: its amount set to ``amount``,
    its currency to ``currency`` (neither is possible through SyncDesk's own editing)."""
    from datetime import date
    from decimal import Decimal

    from app.domain.states import PoStatus
    from app.operations import creating
    from app.operations.fields import LineValues
    from app.operations.lookup import account_by_name, find_po
    from app.store.models import PoLine

    with demo.services._store.session() as s:
        supplier_id = find_po(s, "PO-1051").supplier_id
        account = account_by_name(s, "Job Materials")
        po = creating.create_po(
            s, number=number, supplier_id=supplier_id, actor=ACTOR, status=PoStatus.APPROVED,
            approved_on=date(2026, 11, 2), created_on=date(2026, 11, 2),
            lines=[LineValues(description="Pallet wrap", account_id=account.id,
                              qty=Decimal(qty), unit_price=Decimal(unit_price))])
        if amount is not None:
            line = s.exec(select(PoLine).where(PoLine.po_id == po.id)).one()
            line.amount = po.total = Decimal(amount)
            s.add(line)
        if currency is not None:
            po.currency = currency
        s.add(po)
    demo.services.sync.run()
