"""The ``syncdesk`` command line: the stable interface of DESIGN.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app.operations import demo
from app.operations.company import backup_store
from app.operations.lookup import find_po
from app.operations.workflow_steps import change_po_status
from app.store.database import open_store, resolve_db_url


def as_json(result):
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_db_is_accepted_before_and_after_the_subcommand(demo_db, cli):
    before = as_json(cli("--db", demo_db, "list", "pos", "--json"))
    after = as_json(cli("list", "pos", "--json", "--db", demo_db))
    assert before == after and len(before) == 64


def test_syncdesk_db_environment_variable_picks_the_store(demo_db, cli, monkeypatch):
    monkeypatch.setenv("SYNCDESK_DB", str(demo_db))
    assert len(as_json(cli("list", "invoices", "--json"))) == 44


def test_list_json_shape(demo_db, cli):
    rows = as_json(cli("--db", demo_db, "list", "pos", "--json"))
    first = rows[0]
    assert set(first) >= {"number", "supplier", "date", "total", "currency", "status",
                          "sync_state", "problem", "qbo_id"}
    assert isinstance(first["total"], str) and "." in first["total"]
    assert len(first["date"]) == 10 and first["date"][4] == "-"
    assert {r["sync_state"] for r in rows} <= {"not_synced", "queued"}
    invoice = as_json(cli("--db", demo_db, "list", "invoices", "--json"))[0]
    assert {"reference", "po_number"} <= set(invoice)


def test_listing_filters(demo_db, cli):
    def numbers(*args):
        return [r["number"] for r in as_json(cli("--db", demo_db, "list", *args, "--json"))]

    drafts = numbers("pos", "--status", "draft")
    assert drafts and all(n.startswith("PO-") for n in drafts)
    assert len(numbers("pos", "--status", "draft")) + len(numbers("pos", "--status", "pending")) \
        + len(numbers("pos", "--status", "approved")) == 64
    assert numbers("pos", "--supplier", demo.INACTIVE_SUPPLIER) == ["PO-1062"]
    assert numbers("invoices", "--search", "kp-229") == ["INV-2043"]
    assert numbers("pos", "--search", "northwind") == ["PO-1061"]
    closed = numbers("pos", "--from", "2026-06-01", "--to", "2026-06-30")
    assert closed == ["PO-1064"]
    assert len(numbers("pos", "--limit", "5")) == 5
    assert numbers("pos", "--limit", "2", "--offset", "1") == numbers("pos", "--limit", "3")[1:]
    assert numbers("pos", "--supplier", "No Such Supplier") == []
    assert numbers("pos", "--sync-state", "needs_attention") == []


def test_a_bad_filter_value_is_a_usage_error(demo_db, cli):
    result = cli("--db", demo_db, "list", "pos", "--status", "shipped")
    assert result.code == 2 and "--status for POs is one of" in result.err
    assert cli("--db", demo_db, "list", "pos", "--from", "yesterday").code == 2
    assert cli("--db", demo_db, "frobnicate").code == 2


def test_show_and_history(demo_db, cli):
    po = as_json(cli("--db", demo_db, "show", "po", "PO-1063", "--json"))
    assert po["supplier"] == "Brightline Packaging" and po["total"] == "432.50"
    assert [ln["account"] for ln in po["lines"]] == ["Job Materials", "Accounts Payable (A/P)"]
    invoice = as_json(cli("--db", demo_db, "show", "invoice", "INV-2001", "--json"))
    assert invoice["po_number"] == "PO-1001" and invoice["lines"][0]["po_line"] == 1
    history = as_json(cli("--db", demo_db, "history", "po", "PO-1001", "--json"))
    assert [h["action"] for h in history] == ["created", "queued"]
    text = cli("--db", demo_db, "show", "po", "PO-1063")
    assert "Accounts Payable (A/P)" in text.out and text.code == 0


def test_approve_edit_override_through_the_command_line(demo_db, cli):
    result = cli("--db", demo_db, "approve", "po", "PO-1008")  # a pending demo PO
    assert result.code == 0 and "approved and queued" in result.out
    result = cli("--db", demo_db, "edit", "po", "PO-1008", "--set", "memo=Deliver to back door")
    assert result.code == 0 and "now pending" in result.out
    result = cli("--db", demo_db, "override", "po", "PO-1008")
    assert result.code == 0 and "queued" in result.out
    history = as_json(cli("--db", demo_db, "history", "po", "PO-1008", "--json"))
    assert [h["action"] for h in history][-4:] == [
        "edited", "needs_reapproval", "approval_override", "queued"]
    assert history[-3]["actor"]


def test_refusals_exit_1_with_the_reason_on_stderr(demo_db, cli):
    result = cli("--db", demo_db, "approve", "po", "PO-1001")
    assert result.code == 1 and result.out == ""
    assert "only a draft or pending PO can be approved" in result.err
    result = cli("--db", demo_db, "edit", "po", "PO-1001", "--set", "po_date=2026-07-01")
    assert result.code == 1 and "enable_po_date_editing" in result.err
    assert cli("--db", demo_db, "show", "po", "PO-9999").code == 1
    assert cli("--db", demo_db, "edit", "po", "PO-1001", "--set", "memo").code == 2  # usage


def test_commands_on_a_missing_store_say_to_run_init(tmp_path, cli):
    result = cli("--db", tmp_path / "nothing.db", "list", "pos")
    assert result.code == 1 and "syncdesk init" in result.err
    assert not (tmp_path / "nothing.db").exists()


def test_init_twice_is_harmless_but_demo_needs_a_new_store(demo_db, cli):
    assert cli("--db", demo_db, "init").code == 0
    result = cli("--db", demo_db, "init", "--demo")
    assert result.code == 1 and "already has documents" in result.err


def test_import_errors_exit_1_and_list_every_row(tmp_path, db_path, cli):
    db = db_path
    cli("--db", db, "init")
    bad = tmp_path / "suppliers.csv"
    bad.write_text("name,active\nGood Co,yes\nBad Co,perhaps\n,yes\n")
    result = cli("--db", db, "import", "suppliers", bad)
    assert result.code == 1 and result.out == ""
    assert "line 3, column active: bad active value 'perhaps'" in result.err
    assert "line 4, column name: name is empty" in result.err
    assert as_json(cli("--db", db, "list", "suppliers", "--json")) == []


def test_settings(demo_db, cli):
    values = as_json(cli("--db", demo_db, "settings", "--json"))
    assert values["require_reapproval_after_edit"] is True
    assert values["company_name"] == demo.COMPANY_NAME
    changed = as_json(cli("--db", demo_db, "settings", "--set",
                          "require_reapproval_after_edit=off", "--json"))
    assert changed["require_reapproval_after_edit"] is False
    result = cli("--db", demo_db, "settings", "--set", "colour=blue")
    assert result.code == 1 and "no setting called 'colour'" in result.err


def test_status_json(demo_db, cli):
    status = as_json(cli("--db", demo_db, "status", "--json"))
    assert status["by_state"]["queued"] + status["by_state"]["not_synced"] == 108
    assert status["by_problem"] == {}
    assert set(status["connection"]) >= {"state", "environment", "company"}


def test_backup_and_restore(demo_db, cli, tmp_path):
    copy = tmp_path / "copy.db"
    assert cli("--db", demo_db, "backup", copy).code == 0
    assert cli("--db", demo_db, "backup", copy).code == 1  # never overwrites
    cli("--db", demo_db, "approve", "po", "PO-1008")
    result = cli("--db", demo_db, "restore", copy)
    assert result.code == 0 and "kept at" in result.out
    po = as_json(cli("--db", demo_db, "show", "po", "PO-1008", "--json"))
    assert po["status"] == "pending"
    kept = Path(result.out.split("kept at", 1)[1].strip().rstrip("."))
    assert kept.name.endswith(".bak") and "before-restore-" in kept.name and kept.is_file()
    not_a_store = tmp_path / "x.db"
    not_a_store.write_text("hello")
    result = cli("--db", demo_db, "restore", not_a_store)
    assert result.code == 1 and "not a SyncDesk backup" in result.err


def test_backup_is_consistent_while_the_store_is_open(demo_db, tmp_path):
    store = open_store(resolve_db_url(str(demo_db)))
    try:
        with store.session() as session:
            change_po_status(session, "PO-1008", "approve", "ann")
            session.flush()  # this connection now holds an uncommitted write
            backup_store(store, tmp_path / "mid.db")
    finally:
        store.close()
    copy = open_store(f"sqlite:///{tmp_path / 'mid.db'}")
    try:
        with copy.session() as session:
            assert find_po(session, "PO-1008").status == "pending"  # the committed state
    finally:
        copy.close()


def run_module(*args: str, env_db: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if env_db:
        env["SYNCDESK_DB"] = str(env_db)
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def test_python_dash_m_app_and_the_console_script(tmp_path):
    db = tmp_path / "m.db"
    done = run_module("--db", str(db), "init", "--demo")
    assert done.returncode == 0, done.stderr
    listed = run_module("list", "invoices", "--json", "--db", str(db))
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 44
    script = Path(sys.executable).with_name("syncdesk" + (".exe" if os.name == "nt" else ""))
    assert script.exists(), "the syncdesk console script is installed with the package"
    done = subprocess.run([str(script), "--db", str(db), "status", "--json"], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0 and "by_state" in json.loads(done.stdout)
    usage = run_module("list", "nothing")
    assert usage.returncode == 2 and usage.stdout == ""


def test_a_listing_piped_into_head_ends_quietly(demo_db):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(f'"{sys.executable}" -m app --db "{demo_db}" list pos | head -n 1',
                          shell=True, capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    assert done.stdout.startswith("Number") and "Traceback" not in done.stderr


def test_verbose_is_accepted_after_the_subcommand_too(demo_db, cli):
    import logging

    result = cli("--db", demo_db, "status", "-v")
    assert result.code == 0, result.err
    assert logging.getLogger().level == logging.DEBUG
    assert cli("--db", demo_db, "status").code == 0
    assert logging.getLogger().level == logging.INFO
    # one given before the subcommand is kept (as --db is)
    assert cli("-v", "--db", demo_db, "status", "--json").code == 0
    assert logging.getLogger().level == logging.DEBUG
    assert cli("--db", demo_db, "list", "pos", "--verbose").code == 0


def test_a_huge_csv_field_is_a_line_and_column_not_a_traceback(tmp_path, db_path, cli):
    db = db_path
    cli("--db", db, "init")
    path = tmp_path / "suppliers.csv"
    path.write_text("name,email\nGood Co,\nBig Co," + "x" * 200_000 + "\n")
    result = cli("--db", db, "import", "suppliers", path)
    assert result.code == 1 and result.out == ""
    assert "line 3, column email: too long: 200000 characters" in result.err
    assert "Traceback" not in result.err and len(result.err) < 1000
    assert as_json(cli("--db", db, "list", "suppliers", "--json")) == []


def test_edit_refuses_an_over_long_field_and_a_decimal_comma(demo_db, cli):
    result = cli("--db", demo_db, "edit", "po", "PO-1001", "--set", "line.1.description="
                 + "d" * 4001)
    assert result.code == 1 and "QuickBooks takes at most 4000" in result.err
    result = cli("--db", demo_db, "edit", "po", "PO-1001", "--set", "line.1.amount=1.234,50")
    assert result.code == 1 and "decimal comma" in result.err and "1234.50" in result.err
