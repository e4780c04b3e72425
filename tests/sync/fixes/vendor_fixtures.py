"""The demo company synced once against its own sandbox, for the vendor fixes' tests.

Each test gets a fresh sandbox (seeded ``demo``) and a fresh store made by
``syncdesk init --demo``, connected through the real OAuth flow and synced once, so
the demo's blocked documents (PO-1061 duplicate name, PO-1062 inactive vendor…) are
where a user would find them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from app.connection.service import ConnectRequest, connect, open_client
from app.domain.states import DocKind
from app.operations.lookup import find_document, supplier_by_name
from app.qbo.client import QboClient
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.sandbox.server import SandboxServer
from app.services import Services
from app.store.database import Store, open_store, resolve_db_url
from app.store.models import HistoryEvent
from app.sync.engine import SyncEngine, SyncReport
from tests.qbo.conftest import FAST

FAST_LIMITS = Limits(per_minute=100_000, per_second=10_000)


@dataclass
class Demo:
    sandbox: SandboxServer
    store: Store
    db: Path

    @property
    def services(self) -> Services:
        return Services.for_store(self.store)

    def client(self) -> QboClient:
        return open_client(self.store, FAST_LIMITS, FAST)

    def sync(self) -> SyncReport:
        return SyncEngine(self.store, self.client(), actor="demo-test").run()

    # --- the store ---------------------------------------------------------------------
    def doc(self, kind: DocKind, number: str) -> Any:
        with self.store.session() as s:
            found = find_document(s, kind, number)
            s.expunge(found)
            return found

    def state(self, kind: DocKind, number: str) -> tuple[str, str | None]:
        doc = self.doc(kind, number)
        return doc.sync_state, doc.problem

    def supplier(self, name: str) -> Any:
        with self.store.session() as s:
            found = supplier_by_name(s, name)
            assert found is not None, name
            s.expunge(found)
            return found

    def history(self, kind: DocKind, number: str) -> list[HistoryEvent]:
        doc_id = self.doc(kind, number).id
        with self.store.session() as s:
            rows = list(s.exec(select(HistoryEvent).where(
                HistoryEvent.doc_kind == kind.value, HistoryEvent.doc_id == doc_id)
                .order_by(HistoryEvent.id)))
            for row in rows:
                s.expunge(row)
            return rows

    # --- QuickBooks ----------------------------------------------------------------------
    def qbo(self, entity: str) -> list[dict[str, Any]]:
        with self.sandbox.company.lock:
            return [dict(o) for o in self.sandbox.company.all(entity)]

    def qbo_named(self, entity: str, name: str, field: str = "DisplayName"
                  ) -> list[dict[str, Any]]:
        key = name.casefold()
        return [o for o in self.qbo(entity)
                if str(o.get(field, "")).removesuffix(" (deleted)").casefold() == key]

    def snapshot(self) -> dict[str, dict[str, str]]:
        """Id -> SyncToken of every record QuickBooks holds: equal before and after means
        nothing changed there."""
        out: dict[str, dict[str, str]] = {}
        for entity in ("Vendor", "Customer", "Employee", "Account", "Item", "PurchaseOrder",
                       "Bill"):
            out[entity] = {o["Id"]: o["SyncToken"] for o in self.qbo(entity)}
        return out

    def store_snapshot(self) -> dict[str, Any]:
        """Every document's and supplier's sync columns, and the history's length."""
        from app.store.models import Invoice, PurchaseOrder, Supplier
        with self.store.session() as s:
            docs = {(m.__name__, r.number): (r.sync_state, r.problem, r.qbo_id, r.revision)
                    for m in (PurchaseOrder, Invoice) for r in s.exec(select(m))}
            suppliers = {r.name: r.qbo_vendor_id for r in s.exec(select(Supplier))}
            events = len(list(s.exec(select(HistoryEvent))))
        return {"docs": docs, "suppliers": suppliers, "events": events}


@pytest.fixture
def demo(db_path: Path | str, cli) -> Iterator[Demo]:
    """The demo company after its first sync (needs the ``memory_keyring`` fixture), in a
    store file or on PostgreSQL."""
    with SandboxServer(seed="demo", throttle="off") as sandbox:
        db = db_path
        result = cli("--db", db, "init", "--demo")
        assert result.code == 0, result.err
        store = open_store(resolve_db_url(str(db)))
        try:
            connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects,
                    timeout=10)
            found = Demo(sandbox, store, db)
            report = found.sync()
            assert report.stopped is None
            yield found
        finally:
            store.close()


def refuse(sandbox: SandboxServer, method: str, path: str, count: int = 1):
    """Make QuickBooks refuse the next ``count`` ``method path`` requests with a validation
    Fault (not a passing trouble: no retry helps); returns the list of refused requests."""
    from flask import Response

    from app.sandbox.faults import business, fault_body

    refused: list[str] = []

    def hook(ctx):
        if ctx.method == method and ctx.path.lower() == path and len(refused) < count:
            refused.append(ctx.path)
            body = fault_body([business("the record is locked for editing")],
                              "ValidationFault", "2026-12-01T00:00:00.000-07:00")
            return Response(json.dumps(body), status=400, mimetype="application/json")
        return None

    sandbox.before_hooks.append(hook)
    return refused


def count_writes(sandbox: SandboxServer, path: str) -> list[str]:
    """Every POST to ``path`` from now on (e.g. "vendor")."""
    seen: list[str] = []

    def hook(ctx):
        if ctx.method == "POST" and ctx.path.lower() == path:
            seen.append(ctx.path)
        return None

    sandbox.before_hooks.append(hook)
    return seen
