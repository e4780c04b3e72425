"""Schema migrations: an older store upgrades in place and keeps every row."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel, select

from app.domain.states import DocKind
from app.errors import UserError
from app.hints import Action
from app.store import sqlite
from app.store.database import (
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
    open_store,
    resolve_db_url,
    upgrade,
)
from app.store.models import (
    HistoryEvent,
    Invoice,
    PoLine,
    PurchaseOrder,
    StoreInfo,
    Supplier,
    SyncLockRow,
)
from app.store.queries import list_documents


def fill_first_revision(path: Path) -> None:
    """Rows written the way SyncDesk 0001 wrote them (money as scaled integers)."""
    con = sqlite3.connect(path)
    with con:
        con.execute("INSERT INTO supplier (id, name, currency, active, created_at, updated_at)"
                    " VALUES (1, 'Acme Supply', 'USD', 1, '2026-07-01 09:00:00',"
                    " '2026-07-01 09:00:00')")
        con.execute(
            "INSERT INTO purchase_order (id, number, supplier_id, status, txn_date, currency,"
            " total, created_by, created_at, updated_at, sync_state, revision, approved_on)"
            " VALUES (1, 'PO-1', 1, 'approved', '2026-07-02', 'USD', 123456, 'ann',"
            " '2026-07-01 09:00:00', '2026-07-02 09:00:00', 'queued', 1, '2026-07-02')")
        con.execute("INSERT INTO po_line (id, po_id, line_no, amount, qty, unit_price)"
                    " VALUES (1, 1, 1, 123456, 200000, 61728000)")
        con.execute(
            "INSERT INTO invoice (id, number, reference, supplier_id, po_id, status, issue_date,"
            " currency, total, created_by, created_at, updated_at, sync_state, revision)"
            " VALUES (1, 'INV-1', 'A-77', 1, 1, 'approved', '2026-07-05', 'USD', 123456, 'bob',"
            " '2026-07-05 10:00:00', '2026-07-05 10:00:00', 'synced', 3)")
    con.close()


def test_upgrading_from_the_first_revision_keeps_every_row(tmp_path: Path):
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0001")
    engine.dispose()
    fill_first_revision(path)

    store = open_store(f"sqlite:///{path}")
    try:
        assert current_revision(store.engine) == head_revision()
        with store.session() as session:
            po = session.exec(select(PurchaseOrder)).one()
            assert (po.number, po.total, po.status, po.sync_state) == (
                "PO-1", Decimal("1234.56"), "approved", "queued")
            line = session.exec(select(PoLine)).one()
            assert (line.qty, line.unit_price) == (
                Decimal("2"), Decimal("617.28"))
            invoice = session.exec(select(Invoice)).one()
            assert (invoice.reference, invoice.revision, invoice.sync_state) == (
                "A-77", 3, "synced")
            assert str(invoice.amount_paid) == "0.00"
            assert session.exec(select(Supplier)).one().name == "Acme Supply"
            history = session.exec(select(HistoryEvent).order_by(HistoryEvent.id)).all()
            assert [(h.doc_kind, h.action, h.actor) for h in history] == [
                ("po", "created", "ann"), ("invoice", "created", "bob")]
            assert history[0].at.tzinfo is not None
    finally:
        store.close()


def test_a_copy_is_kept_before_the_schema_changes(tmp_path: Path):
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0001")
    engine.dispose()
    fill_first_revision(path)
    open_store(f"sqlite:///{path}").close()
    copies = list(tmp_path.glob("old.db.before-0001-*.bak"))
    assert len(copies) == 1
    con = sqlite3.connect(copies[0])
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    assert con.execute("SELECT number FROM purchase_order").fetchall() == [("PO-1",)]
    con.close()


def test_a_new_store_gets_no_backup_copy(tmp_path: Path):
    open_store(f"sqlite:///{tmp_path / 'new.db'}").close()
    assert list(tmp_path.glob("*.bak")) == []


def test_migrations_build_exactly_the_models_schema(db_path: Path | str):
    """On both backends: the same models, the same migrations, nothing missing or extra."""
    store = open_store(resolve_db_url(str(db_path)))
    try:
        with store.engine.connect() as connection:
            # The free-text tables are SQLite virtual tables, outside the models (0008).
            context = MigrationContext.configure(connection, opts={
                "include_name": lambda name, kind, _parent: not (
                    kind == "table" and sqlite.is_search_table(name or ""))})
            diff = compare_metadata(context, SQLModel.metadata)
    finally:
        store.close()
    assert diff == []


@pytest.mark.usefixtures("sqlite_only")  # about SQLite itself
def test_sqlite_runs_in_wal_mode_with_foreign_keys(store):
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path):
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE photos (id INTEGER)")
    con.close()
    with pytest.raises(UserError, match="not a SyncDesk store"):
        open_store(f"sqlite:///{other}")
    text = tmp_path / "notes.db"
    text.write_text("shopping list\n" * 100)
    with pytest.raises(UserError, match="not a SyncDesk store"):
        open_store(f"sqlite:///{text}")



def test_a_store_from_a_newer_syncdesk_is_refused_and_left_as_it_was(tmp_path: Path):
    path = tmp_path / "newer.db"
    open_store(f"sqlite:///{path}").close()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = 'f00dfeed9999'")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    before = path.read_bytes()
    with pytest.raises(UserError, match="made by a newer SyncDesk") as refused:
        open_store(f"sqlite:///{path}", write=True)
    assert str(path) in str(refused.value) and "f00dfeed9999" in str(refused.value)
    assert path.read_bytes() == before
    assert list(tmp_path.glob("*.bak")) == []  # no copy made for a migration never run

def test_a_missing_store_is_not_created_when_asked_not_to(tmp_path: Path):
    with pytest.raises(UserError, match="there is no SyncDesk store") as refused:
        open_store(f"sqlite:///{tmp_path / 'missing.db'}", create=False)
    assert [hint.action for hint in refused.value.hints] == [Action.CREATE_STORE]
    assert not (tmp_path / "missing.db").exists()


def test_a_0006_store_gets_an_id_its_company_and_the_revision_in_flight(tmp_path: Path):
    """0007: a random store id, the connected company as the store's own, the revision
    of a create in flight (read from its old request id), and the sync lock table."""
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0006")
    engine.dispose()
    fill_first_revision(path)
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE purchase_order SET pending_request_id = 'sd-po-1-r3-a0', revision = 4")
        con.execute(
            "INSERT INTO qbo_connection (id, environment, api_base, realm_id, client_id,"
            " company_name, state, connected_at, authorization_endpoint, token_endpoint,"
            " revocation_endpoint, keychain) VALUES (1, 'local', 'http://x/v3', '9341', 'c',"
            " 'Larkspur Provisions Co.', 'connected', '2026-11-20 10:00:00', 'a', 't', 'r',"
            " 'os')")
    con.close()
    ids = set()
    for name in ("old.db", "copy.db"):
        if name == "copy.db":  # a second old store upgrades to another id
            engine = make_engine(f"sqlite:///{tmp_path / name}")
            upgrade(engine, "0006")
            engine.dispose()
        store = open_store(f"sqlite:///{tmp_path / name}")
        try:
            with store.session() as session:
                info = session.exec(select(StoreInfo)).one()
                ids.add(info.store_id)
                assert len(info.store_id) == 8
                if name == "old.db":
                    assert (info.realm_id, info.environment, info.company_name) == (
                        "9341", "local", "Larkspur Provisions Co.")
                    po = session.exec(select(PurchaseOrder)).one()
                    assert (po.pending_request_id, po.pending_revision, po.revision) == (
                        "sd-po-1-r3-a0", 3, 4)
                else:
                    assert info.realm_id is None
                assert session.exec(select(SyncLockRow)).all() == []
        finally:
            store.close()
    assert len(ids) == 2


def test_a_0008_store_gets_a_lineage_and_keeps_its_bare_markers_for_what_it_holds(
        tmp_path: Path):
    """0009: the lineage (from the store id, so that an older backup restored later upgrades
    to the same one); a store that synced keeps its bare markers for the ids it holds and
    for the creates in flight at the upgrade; a new store has none of that."""
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0008")
    engine.dispose()
    fill_first_revision(path)
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE purchase_order SET pending_request_id = 'sd-1a2b3c4d-po1-r1-a0'")
        con.execute("UPDATE invoice SET qbo_id = '88'")
        store_id = con.execute("SELECT store_id FROM store_info").fetchone()[0]
    con.close()
    store = open_store(f"sqlite:///{path}")
    try:
        with store.session() as session:
            info = session.exec(select(StoreInfo)).one()
            assert (info.lineage, info.legacy_markers, info.legacy_requests) == (
                store_id[:6], True, ["sd-1a2b3c4d-po1-r1-a0"])
    finally:
        store.close()
    fresh = open_store(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        with fresh.session() as session:
            info = session.exec(select(StoreInfo)).one()
            assert len(info.lineage) == 6 and not info.legacy_markers
            assert info.legacy_requests is None
    finally:
        fresh.close()


NEW_IN_0010 = {f"ix_{table}_sync_state{rest}" for table in ("purchase_order", "invoice")
               for rest in ("", "_status", "_supplier")}


NEW_IN_0011 = {"ix_sync_log_problem", "ix_sync_log_doc_number"}
NEW_IN_0013 = {"sqlite_autoindex_team_user_1"}  # team_user's unique login
NEW_IN_0016 = {"ix_sync_claim_token", "sqlite_autoindex_sync_claim_1"}  # its key
NEW_IN_0017 = {"ix_request_slot_realm_ends", "sqlite_autoindex_request_budget_1"}


def indexes(path: Path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {name for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'")}
    finally:
        con.close()


def test_a_0009_store_gets_the_sync_state_indexes_and_can_go_back(tmp_path: Path):
    """0010: the listing sorted on sync state walks ``ix_<table>_sync_state``, the filter
    bar's counts within a status or a supplier read an index alone; downgrading drops
    them and keeps every row."""
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0009")
    engine.dispose()
    fill_first_revision(path)
    before = indexes(path)
    assert not before & NEW_IN_0010

    store = open_store(f"sqlite:///{path}")
    try:
        # (the store goes to the newest revision: the later indexes come too)
        later = NEW_IN_0011 | NEW_IN_0013 | NEW_IN_0016 | NEW_IN_0017
        assert indexes(path) - later == before | NEW_IN_0010
        with store.session() as session:
            def plan(sql: str) -> str:
                return " ".join(row[3] for row in session.execute(text(
                    f"EXPLAIN QUERY PLAN {sql}")))

            sort = plan("SELECT id FROM invoice ORDER BY sync_state, id LIMIT 100")
            assert sort.endswith("ix_invoice_sync_state") and "TEMP B-TREE" not in sort, sort
            counted = plan("SELECT count(*) FROM (SELECT 1 FROM purchase_order WHERE"
                           " sync_state = 'failed' AND status = 'pending' LIMIT 1000)")
            assert "COVERING INDEX ix_purchase_order_sync_state_status" in counted, counted
            assert [r.number for r in list_documents(session, DocKind.INVOICE, limit=10,
                                                     sort="sync_state")] == ["INV-1"]
    finally:
        store.close()

    config = alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0009")
    store.engine.dispose()
    assert indexes(path) == before
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT number FROM invoice").fetchall() == [("INV-1",)]
        assert con.execute("SELECT number FROM purchase_order").fetchall() == [("PO-1",)]
    finally:
        con.close()


def test_0018_goes_down_and_up_again_keeping_every_row(store):
    """The sort indexes end in the id after 0018 (and PostgreSQL has its statistics on
    states); down to 0017 they are single columns again, and the rows stay."""
    with store.session() as session:
        session.add(PurchaseOrder(number="PO-18", supplier_id=1, txn_date=date(2026, 1, 2),
                                  created_by="test"))

    def columns(name: str) -> list[str]:
        found = {i["name"]: i["column_names"]
                 for i in inspect(store.engine).get_indexes("purchase_order")}
        return found[name]

    def statistics() -> int:
        if store.engine.dialect.name != "postgresql":
            return 0
        with store.engine.connect() as connection:
            return connection.execute(text(
                "SELECT count(*) FROM pg_statistic_ext WHERE stxname LIKE 'st_%'")).scalar_one()

    assert columns("ix_purchase_order_txn_date") == ["txn_date", "id"]
    assert statistics() == (4 if store.engine.dialect.name == "postgresql" else 0)
    config = alembic_config()
    for target, shape in (("0017", ["txn_date"]), ("head", ["txn_date", "id"])):
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if target == "0017" else command.upgrade)(config, target)
        store.engine.dispose()
        assert columns("ix_purchase_order_txn_date") == shape
        on_postgresql = store.engine.dialect.name == "postgresql"
        assert statistics() == (4 if target == "head" and on_postgresql else 0)
    with store.session() as session:
        assert [po.number for po in session.exec(select(PurchaseOrder))] == ["PO-18"]
        assert [r.number for r in list_documents(session, DocKind.PO, limit=10)] == ["PO-18"]
