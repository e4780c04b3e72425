"""The dashboard service: counts with their meanings (the same words as ``syncdesk
status``), problems grouped by root cause with plain titles, sync results per day, and the
connection's health; on the demo company after its first sync, and on a store of its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.connection.service import open_client
from app.domain.problems import MEANINGS, Kind
from app.domain.states import DocKind, SyncState
from app.domain.wording import STATE_MEANINGS
from app.qbo.limits import Limits
from app.qbo.transport import RetryPolicy
from app.services import Services
from app.services.demo import DemoCompany
from app.services.sync_log import LogFilter
from app.store.models import SyncLogEntry
from app.store.types import utcnow
from app.sync.engine import SyncEngine
from tests.qbo.conftest import client  # noqa: F401  (fixture)
from tests.sync.conftest import make_po
from tests.sync.fixes.document_fixtures import demo  # noqa: F401  (a copy of the synced demo)

# Waits short enough for a test: QuickBooks' 429s are given up on after a few tries.
PATIENT = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, throttle_wait=0.1,
                      throttle_budget=0.35, timeout=5.0)


def test_counts_by_state_with_their_meanings_as_status_says_them(demo: DemoCompany,  # noqa: F811
                                                                  cli):
    board = demo.services.dashboard.overview()
    status = demo.services.sync.status()
    assert [s.state for s in board.states] == [
        SyncState.SYNCED, SyncState.QUEUED, SyncState.BLOCKED, SyncState.FAILED,
        SyncState.EXCLUDED, SyncState.NOT_SYNCED]
    for count in board.states:
        assert (count.pos, count.invoices) == (status.count(count.state, DocKind.PO),
                                               status.count(count.state, DocKind.INVOICE))
        assert count.meaning == STATE_MEANINGS[count.state]
    assert board.state(SyncState.BLOCKED).total == 8
    assert board.state(SyncState.NOT_SYNCED).name == "not synced"
    # The command line prints the same words.
    printed = cli("--db", demo.location, "status").out
    for count in board.states:
        if count.state is not SyncState.NOT_SYNCED:
            assert f"  {count.text}\n" in printed
    assert f"  {board.state(SyncState.NOT_SYNCED).text} — " in printed


def test_counts_by_problem_kind_with_their_meanings(demo: DemoCompany, cli):  # noqa: F811
    problems = demo.services.dashboard.problems()
    assert problems[0].kind == Kind.AP_AR_LINE_ACCOUNT and problems[0].count == 2
    assert {p.kind: p.count for p in problems} == dict(demo.services.sync.status().problems)
    assert all(p.meaning == MEANINGS[Kind(p.kind)] for p in problems)
    harbor = next(p for p in problems if p.kind == Kind.INACTIVE_VENDOR)
    assert (harbor.fix, harbor.label) == ("reactivate_vendor", "vendor inactive")
    printed = cli("--db", demo.location, "status").out
    assert all(f"  {p.text}\n" in printed for p in problems)


def test_problems_grouped_by_root_cause_with_plain_titles(demo: DemoCompany):  # noqa: F811
    groups = demo.services.dashboard.problem_groups()
    titles = {g.title: g for g in groups}
    harbor = titles["Vendor Harbor Freight Lines is inactive in QuickBooks: 1 document"]
    assert harbor.key and harbor.key.startswith("supplier:") and harbor.numbers == ("PO-1062",)
    assert harbor.fix == "reactivate_vendor" and harbor.document is None
    ap_ar = titles["Lines on an Accounts Payable or Receivable account: 2 documents"]
    assert groups[0] is ap_ar  # the most documents first
    assert (ap_ar.key, ap_ar.fix, ap_ar.numbers) == (
        "ap_ar_line_account", "change_line_account", ("PO-1063", "INV-2041"))
    assert [d.kind for d in ap_ar.documents] == [DocKind.PO, DocKind.INVOICE]
    assert "The name Northwind Traders belongs to a QuickBooks customer: 1 document" in titles
    assert "Bill number KP-2291 is already in QuickBooks for Keystone Paper Co.: 1 document" \
        in titles
    assert "Dated in a period whose books are closed (up to 2026-06-30): 1 document" in titles
    # A document whose cause it shares with no other: no key, fixed by its kind and number.
    alone = titles["The invoice is dated before the PO it bills: 1 document"]
    assert alone.key is None and alone.fix == "fix_bill_date"
    assert (alone.document.kind, alone.document.number) == (DocKind.INVOICE, "INV-2042")
    # Every document needing attention is in exactly one group.
    grouped = sorted(n for g in groups for n in g.numbers)
    attention = sorted(r.document for r in demo.services.sync_log.page(
        LogFilter(result="blocked")).rows)
    assert grouped == attention and len(grouped) == 8


def test_a_one_document_group_key_is_what_the_fix_service_takes(demo: DemoCompany):  # noqa: F811
    harbor = next(g for g in demo.services.dashboard.problem_groups()
                  if g.problem == Kind.INACTIVE_VENDOR)
    choices = demo.services.fixes.group_choices(harbor.key)
    assert choices.fix == harbor.fix and [t.number for t in choices.targets] == ["PO-1062"]


def test_sync_results_per_day_over_thirty_days_zeros_included(demo: DemoCompany):  # noqa: F811
    days = demo.services.dashboard.days()
    today = utcnow().date()
    assert len(days) == 30 and days[-1].day == today
    assert [d.day for d in days] == [today - timedelta(days=29 - i) for i in range(30)]
    assert (days[-1].success, days[-1].failed, days[-1].blocked) == (75, 0, 8)
    assert all(d.total == 0 for d in days[:-1])


def test_days_count_each_utc_day_and_leave_out_pulls_and_older_days(services: Services,
                                                                    store):
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    with store.session() as session:
        for at, result, kind in [
            (datetime(2026, 11, 20, 0, 0, tzinfo=UTC), "success", "po"),  # today, at midnight
            (datetime(2026, 11, 20, 23, 59, tzinfo=UTC), "failed", "invoice"),  # still today
            (datetime(2026, 11, 19, 23, 59, 59, tzinfo=UTC), "blocked", "po"),  # yesterday
            (datetime(2026, 11, 19, 8, 0, tzinfo=UTC), "blocked", "po"),
            (datetime(2026, 11, 19, 9, 0, tzinfo=UTC), "success", None),  # a pull: not counted
            (datetime(2026, 10, 22, 10, 0, tzinfo=UTC), "success", "po"),  # the first day
            (datetime(2026, 10, 21, 23, 0, tzinfo=UTC), "failed", "po"),  # one day too old
            (datetime(2026, 11, 21, 0, 0, tzinfo=UTC), "failed", "po"),  # tomorrow
        ]:
            session.add(SyncLogEntry(at=at, doc_kind=kind, doc_id=1 if kind else None,
                                     doc_number="PO-1" if kind else None,
                                     operation="create" if kind else "pull-changes",
                                     result=result))
    days = services.dashboard.days(now=now)
    counts = {d.day.isoformat(): (d.success, d.failed, d.blocked) for d in days if d.total}
    assert counts == {"2026-11-20": (1, 1, 0), "2026-11-19": (0, 0, 2),
                      "2026-10-22": (1, 0, 0)}
    assert days[0].day.isoformat() == "2026-10-22" and len(days) == 30


def test_connection_health_on_the_demo(demo: DemoCompany):  # noqa: F811
    health = demo.services.dashboard.health()
    assert (health.state, health.environment, health.company) == (
        "connected", "local", "Larkspur Provisions Co.")
    newest = demo.services.sync_log.page(LogFilter(result="success", doc_type="invoice"),
                                         0, 1).rows[0]
    assert health.last_success_at == newest.at
    pull = demo.services.sync_log.page(LogFilter(doc_type="pull"), 0, 1).rows[0]
    assert health.last_pull_at == pull.at and health.last_pull_at < health.last_success_at
    assert health.refresh_token_expires_at == demo.services.connection.health(
    ).refresh_token_expires_at
    assert health.refresh_token_expires_at > utcnow() + timedelta(days=30)
    assert health.throttled_recently == 0 and health.warning is None
    assert "token" not in repr(health).replace("refresh_token_expires_at", "")


def test_health_counts_throttled_attempts_of_the_last_seven_days(services: Services, store,
                                                                client, sandbox):  # noqa: F811
    make_po(store, number="PO-1")
    sandbox.faults.load("429:POST/purchaseorder:*")
    report = SyncEngine(store, open_client(store, Limits(), PATIENT), actor="tester").run()
    sandbox.faults.clear()
    assert [(o.number, o.problem) for o in report.outcomes] == [("PO-1", "throttled")]
    with store.session() as session:  # throttled too, but eight days ago
        session.add(SyncLogEntry(at=utcnow() - timedelta(days=8), doc_kind="po", doc_id=1,
                                 doc_number="PO-1", operation="create", result="failed",
                                 problem=Kind.THROTTLED.value))
    health = services.dashboard.health()
    assert health.throttled_recently == 1
    assert health.last_success_at is None and health.last_pull_at is not None
    SyncEngine(store, client, actor="tester").run()
    assert services.dashboard.health().last_success_at is not None


def test_health_of_a_company_never_connected(services: Services):
    health = services.dashboard.health()
    assert (health.state, health.connected, health.environment) == ("disconnected", False, None)
    assert (health.last_success_at, health.last_pull_at, health.refresh_token_expires_at,
            health.throttled_recently) == (None, None, None, 0)
    board = services.dashboard.overview()
    assert board.groups == () and board.problems == ()
    assert len(board.days) == 30 and all(d.total == 0 for d in board.days)
