"""Whose object is it? SyncDesk's marker names the store's lineage, not only the document.

Issue 10, second round: two demo stores on one company share every document
number; a restored backup repeats what the store sent after the backup was
made. A store must recognise only what its own lineage created.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.connection.service import ConnectRequest, connect
from app.qbo.oauth import follow_redirects
from app.sandbox.server import SandboxServer
from app.store.database import open_store
from tests.qbo.conftest import memory_keyring  # noqa: F401  (autouse fixture)


def _connect(db: Path, sandbox: SandboxServer) -> None:
    opened = open_store(f"sqlite:///{db}")
    try:
        connect(opened, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    finally:
        opened.close()


def _demo_store(cli, db: Path, sandbox: SandboxServer) -> None:
    assert cli("--db", db, "init", "--demo").code == 0
    _connect(db, sandbox)


def _sync(cli, db: Path, *args: str) -> dict:
    result = cli("--db", db, *args, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def _company(sandbox: SandboxServer) -> dict[str, dict[str, dict]]:
    """Every PurchaseOrder and Bill of the company by id, as QuickBooks holds it."""
    with sandbox.company.lock:
        return {entity: {o["Id"]: json.loads(json.dumps(o, default=str))
                         for o in sandbox.company.all(entity)}
                for entity in ("PurchaseOrder", "Bill")}


def _listing(cli, db: Path, kind: str) -> dict[str, dict]:
    result = cli("--db", db, "list", kind, "--json")
    assert result.code == 0, result.err
    return {row["number"]: row for row in json.loads(result.out)}


def _actions(report: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for doc in report["documents"]:
        counts[doc["action"]] = counts.get(doc["action"], 0) + 1
    return counts


@pytest.mark.slow
def test_a_second_demo_store_on_the_same_company_leaves_the_first_ones_books_alone(
        tmp_path, cli):
    with SandboxServer(seed="demo", throttle="off") as sandbox:
        a, c = tmp_path / "a.db", tmp_path / "c.db"
        _demo_store(cli, a, sandbox)
        _sync(cli, a, "sync")
        assert cli("--db", a, "edit", "invoice", "INV-2040", "--set", "memo=edit 6").code == 0
        _sync(cli, a, "sync")
        before = _company(sandbox)
        a_pos, a_bills = _listing(cli, a, "pos"), _listing(cli, a, "invoices")
        assert a_bills["INV-2040"]["sync_state"] == "synced"

        _demo_store(cli, c, sandbox)
        report = _sync(cli, c, "sync")
        assert "adopt" not in _actions(report), _actions(report)  # nothing of A's is C's
        again = _sync(cli, c, "resync-failures")
        assert "adopt" not in _actions(again)
        after = _company(sandbox)
        for entity, objects in before.items():  # A's objects are exactly as they were
            for qbo_id, obj in objects.items():
                assert after[entity][qbo_id] == obj, (entity, qbo_id)
        assert "edit 6" in after["Bill"][a_bills["INV-2040"]["qbo_id"]]["PrivateNote"]
        # C's documents are its own objects, linked to its own POs
        c_pos, c_bills = _listing(cli, c, "pos"), _listing(cli, c, "invoices")
        for number, row in c_pos.items():
            if row["qbo_id"]:
                assert row["qbo_id"] != a_pos[number]["qbo_id"], number
        for number, row in c_bills.items():
            if a_bills[number]["qbo_id"]:  # A's bill of that number and supplier is there
                # and the company warns about repeated bill numbers: C's is held back
                assert (row["qbo_id"], row["sync_state"], row["problem"]) == (
                    None, "blocked", "duplicate_bill_number"), number
        # and A's next sync finds nothing to do
        assert _sync(cli, a, "sync")["documents"] == []
