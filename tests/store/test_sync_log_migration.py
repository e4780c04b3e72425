"""Migration 0011: the sync log's problem kind as a column of its own (filled for the rows
already there) and the indexes the Sync Log page's filters walk."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from app.services import Services
from app.services.sync_log import LogFilter
from app.store.database import open_store
from tests.store.migration_steps import downgrade_to, store_at

PROBLEM = {"problem": {"kind": "inactive_vendor", "explanation": "The vendor is inactive.",
                       "group": "supplier:1", "faults": [], "facts": {}}, "sent": None}


def fill_0010_log(path: Path) -> None:
    """Sync log rows as 0010 wrote them: the problem only inside ``detail``."""
    con = sqlite3.connect(path)
    with con:
        rows = [("2026-11-01 09:00:00.000000", "po", 1, "PO-1", "create", "success", None),
                ("2026-11-01 09:00:01.000000", "po", 2, "PO-2", "preflight", "blocked",
                 json.dumps(PROBLEM)),
                ("2026-11-01 09:00:02.000000", None, None, None, "pull-full", "success",
                 json.dumps({"counts": {"Vendor": 3}})),
                ("2026-11-01 09:00:03.000000", "po", 3, "PO-3", "create", "failed", "null")]
        con.executemany("INSERT INTO sync_log (at, doc_kind, doc_id, doc_number, operation,"
                        " result, detail) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    con.close()


def test_a_0010_store_gets_the_problem_column_filled_and_can_go_back(tmp_path: Path):
    path = tmp_path / "old.db"
    store_at(path, "0010")
    fill_0010_log(path)

    store = open_store(f"sqlite:///{path}")
    try:
        with store.session() as session:
            assert session.execute(text(
                "SELECT doc_number, problem FROM sync_log ORDER BY id")).all() == [
                ("PO-1", None), ("PO-2", "inactive_vendor"), (None, None), ("PO-3", None)]
        page = Services.for_store(store).sync_log.page(LogFilter(problem="inactive_vendor"))
        assert [r.document for r in page.rows] == ["PO-2"] and page.total == 1
    finally:
        store.close()

    downgrade_to(path, "0010")
    con = sqlite3.connect(path)
    try:
        columns = [row[1] for row in con.execute("PRAGMA table_info(sync_log)")]
        assert "problem" not in columns
        assert con.execute("SELECT count(*) FROM sync_log").fetchone() == (4,)
        indexes = {name for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sync_log'")}
        assert "ix_sync_log_problem" not in indexes and "ix_sync_log_at" in indexes
    finally:
        con.close()


@pytest.mark.usefixtures("sqlite_only")  # about SQLite itself
def test_the_problem_and_document_filters_walk_their_indexes(store):
    with store.session() as session:
        def plan(sql: str) -> str:
            return " ".join(row[3] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))

        problem = plan("SELECT * FROM sync_log WHERE problem = 'throttled' "
                       "ORDER BY id DESC LIMIT 100")
        assert "INDEX ix_sync_log_problem" in problem and "TEMP B-TREE" not in problem, problem
        exact = plan("SELECT * FROM sync_log WHERE doc_number = 'PO-1' ORDER BY id DESC "
                     "LIMIT 100")
        assert "INDEX ix_sync_log_doc_number" in exact and "TEMP B-TREE" not in exact, exact
        prefix = plan("SELECT count(*) FROM sync_log WHERE doc_number >= 'PO-1' "
                      "AND doc_number < 'PO-1\U0010ffff'")
        assert "INDEX ix_sync_log_doc_number" in prefix, prefix
