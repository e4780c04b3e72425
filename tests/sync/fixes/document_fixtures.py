"""A synced demo company to fix documents in, and helpers to look at both sides.

Import the ``demo`` fixture into a test module (``from tests.sync.fixes.document_fixtures
import demo  # noqa: F401``): the demo company, its sandbox running in-process, after its
first sync (so its problem documents are blocked).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import pytest
from sqlmodel import col, select

from app.connection.service import open_client
from app.domain.events import Event
from app.domain.states import DocKind
from app.operations.lookup import find_document
from app.qbo.limits import Limits
from app.sandbox.server import SandboxServer
from app.services.demo import DemoCompany, open_demo
from app.services.opening import Services
from app.store.database import open_store, resolve_db_url
from app.store.models import HistoryEvent, QboConnection
from app.sync.fixes.base import FixContext
from app.sync.fixes.runner import FixResult, run_plan
from app.sync.fixes.targets import document_target, group_targets
from tests import postgres
from tests.qbo.conftest import FAST, MemoryKeyring, memory_keyring  # noqa: F401

ACTOR = "fixer"


@dataclass(frozen=True)
class _Template:
    """The demo company after its first sync, kept to start each test from a copy."""

    store_file: Path
    qbo_state: dict[str, Any]
    base_url: str
    secrets: dict[tuple[str, str], str]


_TEMPLATE: list[_Template] = []


def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> _Template:
    """Made once per test run (a first sync of the demo takes a while), whichever module
    asks first: the store file, QuickBooks' side (the sandbox's state) and the
    connection's secrets."""
    if _TEMPLATE:
        return _TEMPLATE[0]
    folder = tmp_path_factory.mktemp("demo-template")
    backend, previous = MemoryKeyring(), keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        company = open_demo(str(folder / "demo.db"))
        try:
            company.services.sync.run()
            with company.sandbox.company.lock:
                state = copy.deepcopy(company.sandbox.company.to_json())
            base_url = company.sandbox.base_url
        finally:
            company.close()
    finally:
        keyring.set_keyring(previous)
    _TEMPLATE.append(_Template(folder / "demo.db", state, base_url, dict(backend.items)))
    return _TEMPLATE[0]


@pytest.fixture
def demo(tmp_path, tmp_path_factory, memory_keyring, db_path  # noqa: F811
         ) -> Iterator[DemoCompany]:
    """A copy of the synced demo company: its own store (a file, or a database on
    PostgreSQL holding the template's rows) and its own sandbox."""
    template = _demo_template(tmp_path_factory)
    path = db_path
    postgres.copy_store(template.store_file, path)
    state_file = tmp_path / "qbo-state.json"
    state_file.write_text(json.dumps(template.qbo_state), encoding="utf-8")
    sandbox = SandboxServer(seed="demo", state_file=state_file, throttle="off").start()
    sandbox.company.state_file = None  # kept in memory from here on
    memory_keyring.items.update(template.secrets)
    store = open_store(resolve_db_url(str(path)))
    with store.session() as session:
        for row in session.exec(select(QboConnection)):
            row.api_base = row.api_base.replace(template.base_url, sandbox.base_url)
            if row.base_url:
                row.base_url = row.base_url.replace(template.base_url, sandbox.base_url)
            session.add(row)
    company = DemoCompany(Services.for_store(store), sandbox, path)
    try:
        yield company
    finally:
        company.close()


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
