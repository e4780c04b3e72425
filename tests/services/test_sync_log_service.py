"""The sync log service for the window's Sync Log page, over a real store and the sandbox:
every filter, paging with a total, one row's details, what Resync Failures would send, and
the CSV export (all or nothing)."""

from __future__ import annotations

import csv
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.domain.states import DocKind
from app.errors import UserError
from app.services import Services
from app.services import sync_log as sync_log_module
from app.services.sync import LogQuery
from app.services.sync_log import CSV_HEADERS, LogFilter
from app.store.models import SyncLogEntry
from app.sync.engine import SyncEngine
from app.work import Cancelled, Progress
from tests.qbo.conftest import client  # noqa: F401  (fixture)
from tests.sync.conftest import bill_po, make_po

AP = "Accounts Payable (A/P)"  # a line on A/P is blocked before sending
OLD_DAYS = (datetime(2026, 3, 1, 0, 0, tzinfo=UTC), datetime(2026, 3, 2, 23, 59, 59, tzinfo=UTC),
            datetime(2026, 3, 3, 0, 0, tzinfo=UTC))


@pytest.fixture
def logged(store, client, sandbox) -> Services:  # noqa: F811
    """Three older attempts on PO-100, one on each of three days in March; then two syncs:
    PO-1 and INV-1 go through, PO-2 is blocked (A/P line); then QuickBooks fails PO-10
    (HTTP 500). Newest first is the order the rows were logged in."""
    with store.session() as session:
        for at in OLD_DAYS:
            session.add(SyncLogEntry(at=at, doc_kind="po", doc_id=999, doc_number="PO-100",
                                     operation="update", result="success"))
    make_po(store, number="PO-1")
    make_po(store, number="PO-2", account=AP)
    bill_po(store, "PO-1", "INV-1")
    SyncEngine(store, client, actor="tester").run()
    make_po(store, number="PO-10")
    sandbox.faults.load("500:POST/purchaseorder:*")
    SyncEngine(store, client, actor="tester").run()
    sandbox.faults.clear()
    return Services.for_store(store)


def shown(page) -> list[tuple[str | None, str, str | None]]:
    return [(r.document, r.result, r.problem) for r in page.rows]


def numbers(services: Services, **where) -> list[str | None]:
    return [r.document for r in services.sync_log.page(LogFilter(**where), 0, 1000).rows]


def test_the_log_is_newest_first_paged_with_the_total(logged: Services):
    everything = logged.sync_log.page(LogFilter(), 0, 1000)
    assert everything.total == len(everything.rows) == 9
    ids = [r.id for r in everything.rows]
    assert ids == sorted(ids, reverse=True)
    # The newest: the second sync (its pull, then PO-10 failing), above the first one.
    assert [r.document for r in everything.rows[:2]] == ["PO-10", None]
    page = logged.sync_log.page(LogFilter(), offset=2, limit=3)
    assert [r.id for r in page.rows] == ids[2:5]
    assert page.total == 9 and page.has_more
    last = logged.sync_log.page(LogFilter(), offset=6, limit=3)
    assert [r.id for r in last.rows] == ids[6:] and not last.has_more


def test_filter_by_result(logged: Services):
    assert shown(logged.sync_log.page(LogFilter(result="blocked"))) == [
        ("PO-2", "blocked", "ap_ar_line_account")]
    assert shown(logged.sync_log.page(LogFilter(result="failed"))) == [
        ("PO-10", "failed", "transport")]
    success = logged.sync_log.page(LogFilter(result="success"))
    assert success.total == 7 and {r.result for r in success.rows} == {"success"}


def test_filter_by_document_type(logged: Services):
    assert numbers(logged, doc_type="invoice") == ["INV-1"]
    assert set(numbers(logged, doc_type="po")) == {"PO-1", "PO-2", "PO-10", "PO-100"}
    pulls = logged.sync_log.page(LogFilter(doc_type="pull")).rows
    assert len(pulls) == 2 and all(r.kind is None and r.operation.startswith("pull")
                                   for r in pulls)
    assert {r.type_text for r in pulls} == {"Pull"}


def test_filter_by_problem_kind(logged: Services):
    assert numbers(logged, problem="ap_ar_line_account") == ["PO-2"]
    assert numbers(logged, problem="transport") == ["PO-10"]
    assert numbers(logged, problem="inactive_vendor") == []


def test_filter_by_document_number_prefix_or_exact(logged: Services):
    assert numbers(logged, document="PO-1") == ["PO-10", "PO-1"] + ["PO-100"] * 3
    assert numbers(logged, document="PO-10") == ["PO-10"] + ["PO-100"] * 3
    assert numbers(logged, document="PO-1", exact=True) == ["PO-1"]
    assert numbers(logged, document="PO-10", exact=True) == ["PO-10"]
    assert numbers(logged, document="INV") == ["INV-1"]
    assert numbers(logged, document="po-1") == []  # letters as written


def test_filter_by_date_range_both_days_included(logged: Services):
    assert [r.at for r in logged.sync_log.page(LogFilter(
        date_from=date(2026, 3, 2), date_to=date(2026, 3, 2))).rows] == [OLD_DAYS[1]]
    assert [r.at for r in logged.sync_log.page(LogFilter(
        date_from=date(2026, 3, 1), date_to=date(2026, 3, 3))).rows] == list(reversed(OLD_DAYS))
    assert logged.sync_log.page(LogFilter(date_to=date(2026, 3, 2))).total == 2
    assert logged.sync_log.page(LogFilter(date_from=date(2026, 3, 3))).total == 7


def test_filters_combine(logged: Services):
    assert numbers(logged, doc_type="po", result="success", document="PO-1") == [
        "PO-1"] + ["PO-100"] * 3
    assert numbers(logged, doc_type="po", result="success", document="PO-1",
                   date_from=date(2026, 3, 2)) == ["PO-1"] + ["PO-100"] * 2
    assert numbers(logged, doc_type="invoice", problem="transport") == []


@pytest.mark.parametrize("where, words", [
    (LogFilter(result="maybe"), "not a sync result"),
    (LogFilter(doc_type="bill"), "not a kind of sync log row"),
    (LogFilter(problem="gremlins"), "not a problem SyncDesk knows"),
    (LogFilter(date_from=date(2026, 3, 2), date_to=date(2026, 3, 1)), "ends"),
])
def test_a_filter_value_that_means_nothing_is_refused_in_words(logged: Services, where, words):
    with pytest.raises(UserError, match=words):
        logged.sync_log.page(where)


def test_the_details_of_a_refused_attempt_hold_what_was_sent_and_quickbooks_answer(
        logged: Services):
    row = logged.sync_log.page(LogFilter(result="failed")).rows[0]
    detail = logged.sync_log.details(row.id)
    assert detail.row == row
    assert detail.sent["entity"] == "PurchaseOrder" and detail.sent["DocNumber"] == "PO-10"
    assert str(detail.total_sent) == "162.00"
    assert detail.request_id and detail.request_id == detail.sent["request_id"]
    assert (detail.code, detail.detail) == ("10000", "System Failure Error: injected fault")
    assert detail.message == "An application error has occurred while processing your request"
    assert detail.intuit_tid and detail.intuit_tid == row.intuit_tid
    assert detail.explanation.startswith("An error on QuickBooks' side stopped PO-10")
    assert (detail.problem, detail.fix) == ("transport", "retry")
    assert detail.meaning == "QuickBooks could not be reached, or failed on its side"


def test_the_details_of_a_success_and_of_a_blocked_attempt(logged: Services):
    po1 = logged.sync_log.page(LogFilter(document="PO-1", exact=True)).rows[0]
    done = logged.sync_log.details(po1.id)
    assert done.qbo_id and done.sent["DocNumber"] == "PO-1" and done.request_id
    assert done.code is None and done.problem is None and done.fix is None
    po2 = logged.sync_log.page(LogFilter(document="PO-2", exact=True)).rows[0]
    blocked = logged.sync_log.details(po2.id)
    assert blocked.sent is None and blocked.request_id is None  # nothing was sent
    assert (blocked.problem, blocked.fix) == ("ap_ar_line_account", "change_line_account")
    assert "Accounts Payable" in blocked.explanation
    with pytest.raises(UserError, match="not there"):
        logged.sync_log.details(10_000)


def test_resync_preview_lists_what_resync_failures_sends_and_leaves_excluded_out(
        logged: Services, make_po_3_blocked):
    logged.sync.exclude(*make_po_3_blocked, reason="not ours")
    preview = logged.sync_log.resync_preview()
    assert preview.numbers == ("PO-2", "PO-10") and preview.count == 2
    assert [(d.sync_state, d.problem_label) for d in preview.documents] == [
        ("blocked", "A/P or A/R account"), ("failed", "QuickBooks trouble")]
    report = logged.sync.resync_failures()
    assert sorted(o.number for o in report.outcomes) == sorted(preview.numbers)


@pytest.fixture
def make_po_3_blocked(logged: Services, store, client, sandbox):  # noqa: F811
    """PO-3, blocked like PO-2 (then excluded by the test); PO-10 fails again meanwhile."""
    make_po(store, number="PO-3", account=AP)
    sandbox.faults.load("500:POST/purchaseorder:*")
    SyncEngine(store, client, actor="tester").run()
    sandbox.faults.clear()
    return DocKind.PO, "PO-3"


@pytest.fixture
def out(tmp_path) -> Path:
    """A folder of its own for the exported files (the store lives in tmp_path)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_the_filtered_log_exports_to_csv_as_the_page_shows_it(logged: Services, out):
    where = LogFilter(doc_type="po")
    seen: list[Progress] = []
    report = logged.sync_log.export_csv(out / "log.csv", where, on_progress=seen.append)
    rows = read_csv(out / "log.csv")
    assert rows[0] == list(CSV_HEADERS)
    page = logged.sync_log.page(where, 0, 1000)
    assert report.rows == page.total == len(rows) - 1 == 6
    assert [r[2] for r in rows[1:]] == [r.document for r in page.rows]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["When (UTC)"] == page.rows[0].at.strftime("%Y-%m-%d %H:%M:%S")
    assert (first["Type"], first["Document"], first["Result"], first["Problem"],
            first["Code"], first["Total sent"]) == (
        "PO", "PO-10", "failed", "QuickBooks trouble", "10000", "162.00")
    assert first["Request id"].startswith("sd-") and first["QuickBooks transaction id"]
    assert seen[-1].done == seen[-1].total == 6
    assert list(out.iterdir()) == [out / "log.csv"]  # no temporary file left


def test_cancelling_the_export_leaves_no_file_and_an_earlier_one_as_it_was(
        logged: Services, out, monkeypatch):
    monkeypatch.setattr(sync_log_module, "EXPORT_BATCH", 2)  # several batches
    cancel = threading.Event()

    def stop_after_the_first_batch(p: Progress) -> None:
        if p.done >= 2:
            cancel.set()

    with pytest.raises(Cancelled):
        logged.sync_log.export_csv(out / "log.csv", on_progress=stop_after_the_first_batch,
                                   cancel=cancel)
    assert list(out.iterdir()) == []
    (out / "log.csv").write_text("kept\n")
    cancel.clear()
    with pytest.raises(Cancelled):
        logged.sync_log.export_csv(out / "log.csv", on_progress=stop_after_the_first_batch,
                                   cancel=cancel)
    assert list(out.iterdir()) == [out / "log.csv"]
    assert (out / "log.csv").read_text() == "kept\n"
    # Not cancelled, in batches of two: every row, once.
    assert logged.sync_log.export_csv(out / "log.csv").rows == 9
    assert len(read_csv(out / "log.csv")) == 10


def test_an_export_that_cannot_be_written_says_so_and_leaves_nothing(logged: Services,
                                                                      out):
    with pytest.raises(UserError, match="cannot write in"):
        logged.sync_log.export_csv(out / "no such folder" / "log.csv")
    folder = out / "a folder"
    folder.mkdir()
    with pytest.raises(UserError, match="could not be saved"):  # the target is a folder
        logged.sync_log.export_csv(folder)
    assert list(out.iterdir()) == [folder] and list(folder.iterdir()) == []


def test_the_command_line_log_reads_as_before(logged: Services):
    entries = logged.sync.log(LogQuery(failed=True))
    assert [(e.document, e.result) for e in entries] == [("PO-10", "failed"), ("PO-2", "blocked")]
