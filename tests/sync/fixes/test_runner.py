"""The runner (``app.sync.fixes.runner``) on the synced demo company: the plan checked
against the documents as they are when it is applied, history written per document, a
resend QuickBooks refuses (the changes kept, said so, a second run finishing the job),
QuickBooks' fault texts kept free of secrets, and a sync holding the lock."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Response, request
from sqlmodel import select

from app.connection.service import LOCAL_CLIENT_SECRET
from app.domain.states import DocKind, SyncState
from app.errors import UserError
from app.services.demo import DemoCompany
from app.store.copying import company_tables
from app.store.lock import SyncLock
from app.store.models import QboConnection
from app.sync.fixes import fix_bill_date, reactivate_vendor, retry
from app.sync.fixes.base import Change, Side
from app.sync.fixes.runner import run_plan
from tests.sync.fixes.document_fixtures import (  # noqa: F401  (fixtures)
    context,
    demo,
    doc,
    fixed_entries,
    history,
    memory_keyring,
    targets,
)

PO, INVOICE = DocKind.PO, DocKind.INVOICE


def _plan(demo: DemoCompany, module, kind: DocKind, number: str,  # noqa: F811
          option: str | None = None, **inputs: str):
    ctx = context(demo)
    found = targets(demo, kind, number)
    chosen = module.choices(ctx, found).option(option)
    return ctx, module.plan(ctx, found, chosen, {i.key: i.suggested for i in chosen.inputs}
                            | inputs)


def _posts(demo: DemoCompany, path: str) -> list[str]:  # noqa: F811
    seen: list[str] = []
    demo.sandbox.before_hooks.append(
        lambda ctx: seen.append(ctx.path) if ctx.method == "POST"
        and ctx.path.lower() == path else None)
    return seen


# --- the plan against the documents as they are now --------------------------------------

def test_a_plan_applied_twice_neither_resends_nor_records_a_second_fix(demo):  # noqa: F811
    ctx, plan = _plan(demo, reactivate_vendor, PO, "PO-1062")
    assert run_plan(ctx, plan).fixed
    assert len(fixed_entries(demo, PO, "PO-1062")) == 1
    sent = _posts(demo, "purchaseorder")
    events = len(history(demo, PO, "PO-1062"))
    with pytest.raises(UserError) as refused:
        run_plan(context(demo), plan)
    assert str(refused.value) == ("Nothing to fix: PO-1062 is synced already. Nothing was "
                                  "changed.")
    assert sent == [] and len(history(demo, PO, "PO-1062")) == events


def test_a_plan_for_a_problem_that_changed_meanwhile_changes_nothing(demo):  # noqa: F811
    ctx, plan = _plan(demo, reactivate_vendor, PO, "PO-1062")
    vendor_id = plan.changes[0].what.split()[-1]
    ctx.need_client().update("Vendor", vendor_id, lambda body: {
        **body, "Active": True, "DisplayName": "Harbor Freight Lines"})
    demo.sandbox.faults.add("500", route="POST/purchaseorder", count=None)
    demo.services.sync.run()  # the vendor is active now: QuickBooks' side fails instead
    assert doc(demo, PO, "PO-1062").problem == "transport"
    demo.sandbox.faults.clear()
    sent = _posts(demo, "purchaseorder")
    events = len(history(demo, PO, "PO-1062"))
    with pytest.raises(UserError, match=r"PO-1062 has another problem now\. Nothing was changed"):
        run_plan(ctx, plan)
    assert sent == [] and len(history(demo, PO, "PO-1062")) == events


def test_only_the_changes_really_made_are_recorded(demo):  # noqa: F811
    """A plan that claims a change its fix did not make (the fix found nothing to do):
    the history claims nothing, and the document is still sent."""
    ctx = context(demo)
    found = targets(demo, PO, "PO-1062")
    plan = retry.resend_plan("retry", found, retry.send_again_option(""), {})
    claimed = replace(plan, changes=(Change(Side.QUICKBOOKS, "Vendor 99", "inactive",
                                            "active"),))
    result = run_plan(ctx, claimed)
    assert result.made == () and result.sent
    assert fixed_entries(demo, PO, "PO-1062") == []


def test_each_change_goes_into_its_own_documents_history(demo):  # noqa: F811
    """INV-2042 is fixed by backdating PO-1051: the PO's changes go into the PO's history
    (a Fixed entry naming the invoice it was for), the invoice's own into the invoice's."""
    ctx, plan = _plan(demo, fix_bill_date, INVOICE, "INV-2042", "backdate_po",
                      turn_on_po_dates="yes")
    plan = replace(plan, changes=tuple(
        replace(c, document="PO-1051") if "PO-1051" in c.what else c for c in plan.changes))
    po_changes = [c for c in plan.changes if c.document == "PO-1051"]
    assert po_changes
    assert run_plan(ctx, plan).fixed
    [invoice_entry] = fixed_entries(demo, INVOICE, "INV-2042")
    assert all(c["document"] in (None, "INV-2042") for c in invoice_entry.detail["changes"])
    assert not {c.what for c in po_changes} & {c["what"] for c in invoice_entry.detail["changes"]}
    assert invoice_entry.summary.endswith("changed PO-1051")
    assert invoice_entry.detail["documents_changed"] == ["PO-1051"]
    [po_entry] = fixed_entries(demo, PO, "PO-1051")
    assert po_entry.summary.startswith("Changed by the fix of INV-2042 (backdate po): ")
    assert po_entry.actor == "fixer"
    assert [c["what"] for c in po_entry.detail["changes"]] == [c.what for c in po_changes]


# --- a resend QuickBooks refuses -----------------------------------------------------------

@pytest.mark.parametrize("fault", ["500", "validation"])
def test_a_refused_resend_keeps_the_changes_and_a_second_run_finishes(
        demo, cli, fault):  # noqa: F811
    db = str(demo.location)
    cleared: list[bool] = []
    if fault == "500":
        demo.sandbox.faults.add("500", route="POST/purchaseorder", count=None)
    else:
        body = json.dumps({"Fault": {"Error": [{
            "Message": "A business validation error has occurred while processing your "
                       "request", "Detail": "Business Validation Error: the record is locked "
                       "for editing", "code": "6000"}], "type": "ValidationFault"}})
        demo.sandbox.before_hooks.append(
            lambda ctx: Response(body, 400, content_type="application/json")
            if ctx.method == "POST" and ctx.path == "purchaseorder" and not cleared else None)
    first = cli("--db", db, "fix", "po", "PO-1062", "--yes")
    assert first.code == 1
    assert "The fix's changes were made and are kept, but QuickBooks refused PO-1062" \
        in first.err
    assert "syncdesk resend po PO-1062" in first.err
    assert "PO-1062 is failed: " in first.out  # why it is not synced
    assert doc(demo, PO, "PO-1062").sync_state == SyncState.FAILED.value
    vendor = [v for v in demo.sandbox.company.all("Vendor")
              if v["DisplayName"] == "Harbor Freight Lines"]
    assert len(vendor) == 1 and vendor[0]["Active"]  # the change made stays made
    assert len(fixed_entries(demo, PO, "PO-1062")) == 1
    demo.sandbox.faults.clear()
    cleared.append(True)
    again = ["--option", "send_again"] if fault == "validation" else []
    second = cli("--db", db, "fix", "po", "PO-1062", *again, "--yes")
    assert second.code == 0, second.err
    assert "PO-1062 is synced." in second.out
    assert doc(demo, PO, "PO-1062").sync_state == SyncState.SYNCED.value
    assert len([p for p in demo.sandbox.company.all("PurchaseOrder")
                if p["DocNumber"] == "PO-1062"]) == 1
    assert len(fixed_entries(demo, PO, "PO-1062")) == 1  # sending again is no new fix


def test_a_transient_problem_is_fixed_by_sending_it_again(demo, cli):  # noqa: F811
    demo.sandbox.faults.add("500", route="POST/purchaseorder", count=None)
    assert demo.services.sync.resend(PO, "PO-1001") is not None
    assert doc(demo, PO, "PO-1001").problem == "transport"
    demo.sandbox.faults.clear()
    shown = cli("--db", str(demo.location), "fix", "po", "PO-1001", "--json")
    assert json.loads(shown.out)["fix"] == "retry"
    assert json.loads(shown.out)["changes"] == []
    done = cli("--db", str(demo.location), "fix", "po", "PO-1001", "--yes")
    assert done.code == 0, done.err
    assert "PO-1001 is synced." in done.out
    assert "Making the changes" in done.err and "Sending the documents" in done.err
    assert fixed_entries(demo, PO, "PO-1001") == []


# --- secrets in QuickBooks' words --------------------------------------------------------

def test_secrets_quickbooks_echoes_are_stored_and_shown_nowhere(demo, cli):  # noqa: F811
    db = demo.location
    with demo.services._store.session() as s:
        row = s.exec(select(QboConnection)).one()
        refresh = row.local_tokens["refresh_token"]
        secret = row.local_client_secret or LOCAL_CLIENT_SECRET
    echoed: list[str] = []

    def hook(ctx):
        if ctx.method != "POST" or ctx.path != "purchaseorder":
            return None
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        echoed.append(token)
        detail = (f"Subscription check failed for access_token {token}, refresh {refresh} "
                  f"and client {secret}")
        body = json.dumps({"Fault": {"Error": [{"Message": "Invalid Company Status",
                                                "Detail": detail, "code": "6190"}],
                                     "type": "ValidationFault"}})
        return Response(body, 400, content_type="application/json")

    demo.sandbox.before_hooks.append(hook)
    result = cli("--db", db, "fix", "po", "PO-1062", "--yes")
    assert result.code == 1 and echoed
    shown = cli("--db", db, "show", "po", "PO-1062", "--json")
    logged = cli("--db", db, "log", "--json")
    secrets = {echoed[-1], refresh, secret}
    for text in (result.out, result.err, shown.out, logged.out):
        assert "Invalid Company Status" in text or text is result.err
        assert not [s for s in secrets if s in text], text
    # Every row of the store file but the local sandbox's connection (which keeps the
    # sandbox's own tokens by design: a real connection keeps them in the keychain).
    if isinstance(db, Path):
        with sqlite3.connect(db) as conn:
            stored = "\n".join(line for line in conn.iterdump()
                               if "qbo_connection" not in line.split("(")[0])
    else:  # every row of every table, as text
        with demo.services._store.engine.connect() as conn:
            stored = "\n".join(str(tuple(row)) for table in company_tables()
                               if table.name != "qbo_connection"
                               for row in conn.execute(table.select()))
    assert "Invalid Company Status" in stored and "[redacted]" in stored
    assert not [s for s in secrets if s in stored]


# --- another sync holding the lock --------------------------------------------------------

def test_with_a_sync_running_the_fix_changes_nothing_and_says_so(demo, cli):  # noqa: F811
    lock = SyncLock(demo.services._store)
    lock.acquire()
    try:
        result = cli("--db", str(demo.location), "fix", "po", "PO-1062", "--yes")
    finally:
        lock.release()
    assert result.code == 1
    assert "Nothing was changed: a sync is already running" in result.err
    assert "Making the changes" not in result.err
    assert fixed_entries(demo, PO, "PO-1062") == []
    assert not [v for v in demo.sandbox.company.all("Vendor")
                if v["DisplayName"] == "Harbor Freight Lines"]


# --- words ---------------------------------------------------------------------------------

def test_a_support_file_fix_says_so_and_says_nothing_of_sending(demo, cli):  # noqa: F811
    """An unknown error: the support file fix's history says what was done (not "Fixed"),
    and its progress says nothing about sending, since nothing is sent."""
    body = json.dumps({"Fault": {"Error": [{"Message": "Invalid Company Status",
                                            "Detail": "Subscription check failed",
                                            "code": "6190"}], "type": "ValidationFault"}})
    demo.sandbox.before_hooks.append(
        lambda ctx: Response(body, 400, content_type="application/json")
        if ctx.method == "POST" and ctx.path == "purchaseorder" else None)
    assert demo.services.sync.resend(PO, "PO-1001") is not None
    assert doc(demo, PO, "PO-1001").problem == "unknown"
    result = cli("--db", str(demo.location), "fix", "po", "PO-1001", "--yes")
    assert result.code == 1
    assert "Making the changes" in result.err and "Sending" not in result.err
    [entry] = fixed_entries(demo, PO, "PO-1001")
    assert entry.summary.startswith("Support file saved: ") and entry.summary.endswith(".json")


def test_a_missing_input_on_the_command_line_names_set(demo, cli):  # noqa: F811
    result = cli("--db", str(demo.location), "fix", "invoice", "INV-2042", "--option",
                 "backdate_po", "--yes")
    assert result.code == 1
    assert "turn_on_po_dates: " in result.err
    assert "(give it with --set turn_on_po_dates=VALUE)" in result.err
    assert "Nothing was changed." in result.err
