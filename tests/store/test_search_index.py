"""The free-text index behind the listing stays exact, whoever writes (migration 0008)."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from app.domain.states import DocKind
from app.store.database import Store, make_engine, open_store, upgrade
from app.store.models import Invoice, PurchaseOrder, Supplier
from app.store.queries import DocumentFilter, count_by_state, list_documents
from tests.store.test_migrations import fill_first_revision


def index_rows(session, kind: DocKind) -> set[tuple]:
    if kind is DocKind.PO:
        sql = "SELECT rowid, number, supplier FROM purchase_order_search"
    else:
        sql = "SELECT rowid, number, supplier, reference FROM invoice_search"
    return {tuple(row) for row in session.execute(text(sql))}


def document_rows(session, kind: DocKind) -> set[tuple]:
    if kind is DocKind.PO:
        sql = ("SELECT d.id, d.number, s.name FROM purchase_order d"
               " JOIN supplier s ON s.id = d.supplier_id")
    else:
        sql = ("SELECT d.id, d.number, s.name, d.reference FROM invoice d"
               " JOIN supplier s ON s.id = d.supplier_id")
    return {tuple(row) for row in session.execute(text(sql))}


def assert_index_exact(store: Store) -> None:
    with store.session() as session:
        for kind in DocKind:
            assert index_rows(session, kind) == document_rows(session, kind), kind


def found(store: Store, kind: DocKind, needle: str) -> list[str]:
    with store.session() as session:
        return [r.number for r in list_documents(session, kind, DocumentFilter(text=needle),
                                                 limit=100)]


def add_documents(store: Store) -> None:
    with store.session() as session:
        acme = session.exec(select(Supplier).where(Supplier.name == "Acme Supply")).one()
        obrien = session.exec(select(Supplier).where(Supplier.name == "O'Brien & Sons")).one()
        po = PurchaseOrder(number="PO-1001", supplier_id=acme.id, txn_date=date(2026, 7, 1),
                           created_by="ann")
        session.add(po)
        session.add(PurchaseOrder(number="PO-1002", supplier_id=obrien.id,
                                  txn_date=date(2026, 7, 2), created_by="ann"))
        session.flush()
        session.add(Invoice(number="INV-2001", reference="ZX-778", supplier_id=acme.id,
                            po_id=po.id, issue_date=date(2026, 7, 5), created_by="bob"))


@pytest.mark.usefixtures("sqlite_only")  # about SQLite itself
def test_orm_inserts_edits_renames_and_deletes_keep_the_index_exact(store: Store):
    add_documents(store)
    assert_index_exact(store)
    assert found(store, DocKind.PO, "acme") == ["PO-1001"]
    assert found(store, DocKind.INVOICE, "zx-77") == ["INV-2001"]

    with store.session() as session:  # number and reference
        po = session.exec(select(PurchaseOrder).where(PurchaseOrder.number == "PO-1001")).one()
        po.number = "PO-7777"
        invoice = session.exec(select(Invoice)).one()
        invoice.reference = "QW-555"
    assert_index_exact(store)
    assert found(store, DocKind.PO, "7777") == ["PO-7777"]
    assert found(store, DocKind.PO, "1001") == []
    assert found(store, DocKind.INVOICE, "qw-5") == ["INV-2001"]
    assert found(store, DocKind.INVOICE, "zx-77") == []

    with store.session() as session:  # another supplier on the document
        obrien = session.exec(select(Supplier).where(Supplier.name == "O'Brien & Sons")).one()
        invoice = session.exec(select(Invoice)).one()
        invoice.supplier_id = obrien.id
    assert_index_exact(store)
    assert found(store, DocKind.INVOICE, "brien") == ["INV-2001"]
    assert found(store, DocKind.INVOICE, "acme") == []

    with store.session() as session:  # the supplier renamed
        obrien = session.exec(select(Supplier).where(Supplier.name == "O'Brien & Sons")).one()
        obrien.name = "Brightwater Traders"
    assert_index_exact(store)
    assert found(store, DocKind.PO, "brightwater") == ["PO-1002"]
    assert found(store, DocKind.INVOICE, "water tr") == ["INV-2001"]
    assert found(store, DocKind.PO, "o'brien") == []

    with store.session() as session:  # deletes
        session.delete(session.exec(select(Invoice)).one())
        session.delete(session.exec(
            select(PurchaseOrder).where(PurchaseOrder.number == "PO-1002")).one())
    assert_index_exact(store)
    assert found(store, DocKind.PO, "brightwater") == []
    with store.session() as session:
        assert index_rows(session, DocKind.INVOICE) == set()


@pytest.mark.usefixtures("sqlite_only")  # about SQLite itself
def test_a_write_rolled_back_leaves_the_index_as_it_was(store: Store):
    add_documents(store)
    with pytest.raises(RuntimeError), store.session() as session:
        po = session.exec(select(PurchaseOrder).where(PurchaseOrder.number == "PO-1001")).one()
        po.number = "PO-9999"
        session.flush()
        raise RuntimeError("the user cancelled")
    assert_index_exact(store)
    assert found(store, DocKind.PO, "9999") == []
    assert found(store, DocKind.PO, "1001") == ["PO-1001"]


def test_an_existing_store_with_rows_gets_its_index_filled(tmp_path: Path):
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0007")
    engine.dispose()
    fill_first_revision(path)  # PO-1 and INV-1 (reference A-77), supplier Acme Supply

    store = open_store(f"sqlite:///{path}")
    try:
        assert_index_exact(store)
        assert found(store, DocKind.PO, "cme sup") == ["PO-1"]
        assert found(store, DocKind.INVOICE, "a-77") == ["INV-1"]
        with store.session() as session:  # and the triggers keep it from then on
            session.add(PurchaseOrder(number="PO-2", supplier_id=1, txn_date=date(2026, 7, 9),
                                      created_by="ann"))
        assert_index_exact(store)
    finally:
        store.close()


def test_without_a_text_index_the_listing_searches_with_like(tmp_path: Path):
    """Where SQLite has no FTS5 (the migration made no search tables) free text still works."""
    path = tmp_path / "plain.db"
    open_store(f"sqlite:///{path}").close()
    con = sqlite3.connect(path)
    with con:
        for name in ("purchase_order_search", "invoice_search"):
            for event in ("insert", "update", "delete"):
                con.execute(f"DROP TRIGGER {name}_{event}")
            con.execute(f"DROP TABLE {name}")
        con.execute("DROP TRIGGER supplier_search_rename")
    con.close()
    store = open_store(f"sqlite:///{path}")
    try:
        with store.session() as session:
            session.add(Supplier(name="Acme Supply"))
        add_documents_without_obrien(store)
        assert found(store, DocKind.PO, "acme") == ["PO-1001"]
        assert found(store, DocKind.PO, "1001") == ["PO-1001"]
        assert found(store, DocKind.PO, "zz") == []
    finally:
        store.close()


def add_documents_without_obrien(store: Store) -> None:
    with store.session() as session:
        acme = session.exec(select(Supplier)).one()
        session.add(PurchaseOrder(number="PO-1001", supplier_id=acme.id,
                                  txn_date=date(2026, 7, 1), created_by="ann"))


def test_counts_by_state_stop_at_the_cap_and_say_so(store: Store):
    add_documents(store)
    with store.session() as session:
        counts = count_by_state(session, DocKind.PO, DocumentFilter(), cap=1)
        assert counts["not_synced"].more and counts["not_synced"].count == 1
        assert str(counts["not_synced"]) == "1+"
        assert not counts["failed"].more and counts["failed"].count == 0
        exact = count_by_state(session, DocKind.PO, DocumentFilter(text="brien"))
        assert (exact["not_synced"].count, exact["not_synced"].more) == (1, False)
