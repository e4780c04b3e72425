"""Copying a store page by page while it changes: the copy always ends, and is whole."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.store import sqlite


def _store(path: Path, rows: int = 4000) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT)")
    con.executemany("INSERT INTO t (text) VALUES (?)", [("x" * 200,)] * rows)
    con.commit()
    con.close()


def test_a_source_changing_at_every_step_is_copied_in_one_step_at_last(tmp_path: Path):
    source, target = tmp_path / "store.db", tmp_path / "copy.db"
    _store(source)
    writer = sqlite3.connect(source)
    steps: list[tuple[int, int]] = []

    def step(done: int, total: int) -> None:
        steps.append((done, total))
        if len(steps) > 1000:
            raise AssertionError("the copy never ends")
        writer.execute("INSERT INTO t (text) VALUES ('during')")  # the copy must start over
        writer.commit()

    sqlite.copy_database(source, target, step, pages=8)
    writer.close()
    copied = sqlite3.connect(target)
    assert copied.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    count = copied.execute("SELECT count(*) FROM t").fetchone()[0]
    copied.close()
    assert 4000 <= count <= 4000 + len(steps)
    assert len(steps) < 50  # it gave up stepping soon, not after thousands of restarts


def test_a_quiet_source_is_copied_step_by_step(tmp_path: Path):
    source, target = tmp_path / "store.db", tmp_path / "copy.db"
    _store(source)
    steps: list[tuple[int, int]] = []
    sqlite.copy_database(source, target, lambda d, t: steps.append((d, t)), pages=8)
    assert len(steps) > 10 and steps[-1][0] == steps[-1][1]
    assert [d for d, _ in steps] == sorted(d for d, _ in steps)
