"""Migration 0012: what a create in flight sent (DocNumber, VendorRef) is kept with it, so
that a batch's documents are found again after a lost answer even when edited since."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.store.database import open_store
from app.store.models import PurchaseOrder
from tests.store.migration_steps import downgrade_to, store_at
from tests.sync.conftest import make_po


def columns(path: Path, table: str) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [row[1] for row in con.execute(f"PRAGMA table_info({table})")]
    finally:
        con.close()


def test_a_0011_store_gets_pending_sent_and_can_go_back(tmp_path: Path):
    path = tmp_path / "old.db"
    store_at(path, "0011")
    assert "pending_sent" not in columns(path, "purchase_order")

    store = open_store(f"sqlite:///{path}")  # upgrades to the newest
    try:
        from app.operations.company import ensure_default_accounts
        from app.store.models import Supplier

        with store.session() as s:
            ensure_default_accounts(s)
            s.add(Supplier(name="Acme Supply"))
        po_id = make_po(store, number="PO-7")
        with store.session() as s:
            po = s.get(PurchaseOrder, po_id)
            assert po.pending_sent is None
            po.pending_sent = {"DocNumber": "PO-7", "VendorRef": "56", "batch": "sd-x-b-1"}
            s.add(po)
        with store.session() as s:
            assert s.get(PurchaseOrder, po_id).pending_sent["VendorRef"] == "56"
    finally:
        store.close()
    assert {"pending_sent"} <= set(columns(path, "invoice"))

    downgrade_to(path, "0011")
    for table in ("purchase_order", "invoice"):
        assert "pending_sent" not in columns(path, table)
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT number FROM purchase_order").fetchall() == [("PO-7",)]
    finally:
        con.close()
