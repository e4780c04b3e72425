"""The Dashboard page (issue 14) on the demo company: its counts are the dashboard
service's; a problem group's Fix… opens the fix-it wizard for the whole group and finishing
it fixes the group's documents (the group leaves the page, the counts move); the chart
holds the last 30 days; the connection's health in words; a group's document number leads
to that document."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QScrollArea, QTabBar, QWidget

from app.domain.states import DocKind, SyncState
from app.services.dashboard_views import DayResults, SyncHealth
from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)
from tests.ui.fix_driving import finish, idle, press_next, sync_demo
from tests.ui.window_driving import synced_demo_window
from ui import create_main_window
from ui.dashboard_view import DashboardView, health_lines
from ui.fix_pages import PREVIEW
from ui.results_chart import ResultsChart, nice_top, results_words

WAIT = 30000
PO, INVOICE = DocKind.PO, DocKind.INVOICE


def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


def demo_window(qtbot, tmp_path: Path, db: Path | str):
    window = create_main_window(["--demo", "--db", str(db)], settings=settings(tmp_path))
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def window(qtbot, tmp_path, db_path, memory_keyring):  # noqa: F811
    """The demo window on the test's backend (closed, its work ended, before the store
    goes)."""
    window = demo_window(qtbot, tmp_path, db_path)
    yield window
    window.close()


@pytest.fixture
def synced(qtbot, tmp_path, tmp_path_factory, db_path, memory_keyring):  # noqa: F811
    """The window on the demo company after its first sync, on the test's backend."""
    with synced_demo_window(qtbot, db_path, tmp_path, tmp_path_factory,
                            memory_keyring) as window:
        yield window


@pytest.fixture
def sqlite_window(qtbot, tmp_path, memory_keyring):  # noqa: F811
    """The demo window on a SQLite file only: for tests of the page's layout, which read
    nothing a PostgreSQL store answers differently (its variant would add only time)."""
    window = demo_window(qtbot, tmp_path, tmp_path / "d.db")
    yield window
    window.close()


def dashboard_page(qtbot, window) -> DashboardView:
    """Go to "Dashboard" through the navigation as a user does; the page once it shows
    the store's answer."""
    nav = window.findChild(QTabBar, "navigation")
    at = next(i for i in range(nav.count()) if nav.tabText(i) == "Dashboard")
    page = window.findChild(DashboardView, "dashboardPage")
    assert page is not None
    if nav.currentIndex() != at:
        with qtbot.waitSignal(page.loaded, timeout=WAIT):
            nav.setCurrentIndex(at)
    assert page.isVisible()
    idle(qtbot, window)
    return page


def shown_groups(page: DashboardView) -> list[str]:
    return [row.title.text() for row in page.groups.rows]


def tile_totals(page: DashboardView) -> dict[str, int]:
    counts = page.findChild(QWidget, "stateCounts")
    return {tile.count.state.value: int(tile.number.text().replace(",", ""))
            for tile in counts.findChildren(QWidget) if hasattr(tile, "count")}


def health_words(page: DashboardView) -> str:
    return page.findChild(QLabel, "connectionHealth").text()


def test_the_dashboard_shows_what_the_service_counts(qtbot, window):
    """Before a sync: nothing to fix, an empty chart, nothing sent yet. After a sync (the
    page in sight, so it asks again by itself): the counts, kinds, groups and days are the
    service's; the health says when the last sync was."""
    page = dashboard_page(qtbot, window)
    service = window.ctx.services.dashboard
    assert page.groups.rows == [] and page.findChild(QLabel, "noProblems").isVisible()
    assert "No document has gone to QuickBooks yet." in health_words(page)
    assert "Connected to Larkspur Provisions Co. (the local sandbox)." in health_words(page)
    chart = page.findChild(ResultsChart, "resultsChart")
    assert len(chart.days) == 30 and not any(d.total for d in chart.days)

    with qtbot.waitSignal(page.loaded, timeout=180000):
        sync_demo(qtbot, window)
    idle(qtbot, window)
    board = service.overview()
    assert tile_totals(page) == {s.state.value: s.total for s in board.states}
    assert tile_totals(page)[SyncState.BLOCKED.value] == 8
    for state in board.states:  # each tile is named in words (a screen reader's too)
        tile = page.findChild(QWidget, f"stateTile_{state.state.value}")
        assert tile.accessibleName() == state.text
    assert shown_groups(page) == [g.title for g in board.groups]
    assert "Lines on an Accounts Payable or Receivable account: 2 documents" in \
        shown_groups(page)
    buttons = page.findChild(QWidget, "problemGroups").findChildren(QPushButton,
                                                                    "fixGroupButton")
    assert len(buttons) == len(board.groups) and all(b.isVisible() for b in buttons)
    kinds = page.findChild(QWidget, "problemCounts")
    texts = [label.accessibleName() for label in kinds.findChildren(QLabel)
             if label.accessibleName()]
    assert texts == [p.text for p in board.problems]

    assert [(d.day, d.success, d.failed, d.blocked) for d in chart.days] == \
        [(d.day, d.success, d.failed, d.blocked) for d in board.days]
    today = chart.days[-1]
    assert today.success == board.state(SyncState.SYNCED).total and today.blocked == 8
    assert chart.accessibleDescription().startswith(
        f"Over 30 days: {today.success} synced, 0 failed, 8 blocked.")
    words = health_words(page)
    assert "Last successful sync: today at " in words
    assert "Sign-in valid until " in words and "days from now)." in words
    assert "No slow-downs asked by QuickBooks in the last 7 days." in words

    # Every named part a screen reader needs.
    for name in ("dashboardPage", "stateCounts", "problemGroups", "resultsChart",
                 "connectionHealth"):
        found = page.findChild(QWidget, name) if name != "dashboardPage" else page
        assert found is not None and found.accessibleName(), name

    # A group's document number leads to the document: its page, the row selected.
    row = next(r for r in page.groups.rows if "INV-2041" in r.group.numbers)
    row.documents.linkActivated.emit("invoice:INV-2041")
    qtbot.waitUntil(lambda: window.detail.shown == (INVOICE, "INV-2041"), timeout=WAIT)
    assert window.current_kind() is INVOICE


def test_a_dashboard_groups_fix(qtbot, synced):
    """Fix… of the group "Lines on an Accounts Payable or Receivable account: 2 documents"
    opens the wizard for both documents; finishing it with the recommended values fixes
    both: the group leaves the page, 2 fewer blocked, 2 more synced."""
    window = synced
    page = dashboard_page(qtbot, window)
    before = tile_totals(page)
    row = next(r for r in page.groups.rows if set(r.group.numbers) == {"PO-1063", "INV-2041"})
    qtbot.mouseClick(row.fix, Qt.MouseButton.LeftButton)
    launcher = window.actions.fixer
    qtbot.waitUntil(lambda: launcher.wizard is not None and launcher.wizard.isVisible(),
                    timeout=WAIT)
    wizard = launcher.wizard
    assert wizard.bulk and "2 documents" in wizard.problem_page.documents.text()
    while wizard.currentId() != PREVIEW:
        here = wizard.currentId()
        press_next(qtbot, wizard)
        qtbot.waitUntil(lambda h=here: wizard.currentId() != h, timeout=WAIT)
    assert {t.number for t in wizard.plan.targets} == {"PO-1063", "INV-2041"}
    finish(qtbot, wizard)

    qtbot.waitUntil(lambda: all("PO-1063" not in r.group.numbers for r in page.groups.rows),
                    timeout=WAIT)
    idle(qtbot, window)
    after = tile_totals(page)
    assert after[SyncState.BLOCKED.value] == before[SyncState.BLOCKED.value] - 2
    assert after[SyncState.SYNCED.value] == before[SyncState.SYNCED.value] + 2
    assert shown_groups(page) == [g.title for g in window.ctx.services.dashboard.problem_groups()]
    assert not any("Accounts Payable" in t for t in shown_groups(page))


def test_a_small_window_scrolls_and_keeps_every_part_whole(qtbot, sqlite_window):
    """At 800×600 the page stacks its parts (three state tiles a row) and scrolls up and
    down, never sideways; at 1280×800 the six tiles stand in one row."""
    window = sqlite_window
    window.resize(800, 600)
    page = dashboard_page(qtbot, window)
    qtbot.waitUntil(lambda: page.width() < 1000, timeout=5000)
    scroll = page.findChild(QScrollArea, "dashboardScroll")
    assert scroll.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    content = scroll.widget()
    assert content.minimumSizeHint().width() <= scroll.viewport().width()
    rows = {page.states.grid.getItemPosition(page.states.grid.indexOf(t))[0]
            for t in page.states.tiles}
    assert rows == {0, 1}
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: page.width() >= 1000, timeout=5000)
    rows = {page.states.grid.getItemPosition(page.states.grid.indexOf(t))[0]
            for t in page.states.tiles}
    assert rows == {0}


# --- words and scales, without a window --------------------------------------------------


def test_health_in_words_for_each_connection_state():
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    gone = SyncHealth("disconnected", None, None, None, None, None, 0)
    assert health_lines(gone, now)[:2] == [
        "Not connected to QuickBooks: nothing can be sent until you connect "
        "(File → Connect to QuickBooks).", "No document has gone to QuickBooks yet."]
    busy = SyncHealth("needs_reconnect", "production", "Larkspur", now - timedelta(hours=1),
                      None, now + timedelta(days=3), 4, "the sign-in ends in 3 days")
    lines = health_lines(busy, now)
    assert lines[0].startswith("Larkspur (QuickBooks Online) wants a new sign-in")
    assert "(3 days from now)." in lines[2]
    assert lines[3] == ("QuickBooks asked SyncDesk to slow down 4 times in the last 7 days; "
                        "SyncDesk waited and went on.")
    assert lines[-1] == "The sign-in ends in 3 days"
    ended = SyncHealth("connected", "local", "L", None, None, now - timedelta(days=1), 1)
    assert "The sign-in has ended: connect again to sync." in health_lines(ended, now)
    assert "1 time in the last 7 days" in health_lines(ended, now)[-1]


def test_the_charts_scale_and_words():
    assert nice_top(0) == (4, 1)
    assert nice_top(3) == (3, 1)
    assert nice_top(8) == (8, 2)
    assert nice_top(83) == (100, 20)
    assert nice_top(1234) == (1500, 500)
    day = DayResults(date(2026, 12, 1), 75, 0, 8)
    assert results_words(day) == "1 Dec 2026: 75 synced, 8 blocked"
    assert results_words(DayResults(date(2026, 11, 2), 0, 0, 0)) == "2 Nov 2026: nothing sent"


def test_the_chart_knows_the_day_under_the_pointer(qtbot):
    chart = ResultsChart()
    qtbot.addWidget(chart)
    chart.resize(640, 240)
    days = [DayResults(date(2026, 11, 2) + timedelta(days=i), i, i % 3, i % 2)
            for i in range(30)]
    chart.set_days(days)
    assert not chart.grab().isNull()  # paints
    plot = chart._plot()
    assert chart.day_at(plot.left() + 1) == days[0]
    assert chart.day_at(plot.right() - 1) == days[-1]
    assert chart.day_at(0) is None
    assert chart.accessibleDescription().startswith("Over 30 days: 435 synced, 30 failed, "
                                                    "15 blocked. Busiest day: 1 Dec 2026:")
