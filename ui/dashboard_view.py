"""The Dashboard page: where the documents stand (a tile per sync state), the problems
grouped by root cause with a Fix… button each (the fix-it wizard for the whole group), the
problems by kind, the connection's health, and a chart of sync results per day.

Everything comes from ``services.dashboard.overview()``, asked through ``ctx.tasks`` (off
the GUI thread) each time the page shows, and while it is in sight after a sync, a row
action or a fix; an answer to an older question is dropped. ``install(window)`` puts the
page into the main window's navigation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFont, QPalette, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.domain.states import DocKind
from app.errors import UserError
from app.hints import plain
from app.services.dashboard import THROTTLE_DAYS
from app.services.dashboard_views import (
    Dashboard,
    ProblemCount,
    ProblemGroupView,
    StateCount,
    SyncHealth,
)
from app.text import count_of, upper_first
from ui.context import UiContext
from ui.results_chart import ResultsChart
from ui.state_icons import state_icon
from ui.window import when_words

if TYPE_CHECKING:
    from ui.window import MainWindow

PAGE_NAME = "Dashboard"
WIDE = 1000  # px: from this width on, the problems and the side boxes stand side by side
SHOWN_NUMBERS = 8  # a group's documents listed before "and N more"
ENVIRONMENTS = {"local": "the local sandbox", "intuit-sandbox": "an Intuit sandbox company",
                "production": "QuickBooks Online"}


# --- plain words ---------------------------------------------------------------------------


def health_lines(health: SyncHealth, now: datetime | None = None) -> list[str]:
    """The connection's health as a bookkeeper reads it, one fact a line."""
    now = now or datetime.now(UTC)
    local = now.astimezone()  # "today" is the user's day
    where = ENVIRONMENTS.get(health.environment or "", "QuickBooks")
    company = health.company or "the QuickBooks company"
    if health.state == "disconnected":
        lines = ["Not connected to QuickBooks: nothing can be sent until you connect "
                 "(File → Connect to QuickBooks)."]
    elif health.state == "needs_reconnect":
        lines = [f"{company} ({where}) wants a new sign-in: connect again before the next "
                 "sync (File → Connect to QuickBooks)."]
    else:
        lines = [f"Connected to {company} ({where})."]
    lines.append(f"Last successful sync: {when_words(health.last_success_at, local)}."
                 if health.last_success_at else "No document has gone to QuickBooks yet.")
    if health.last_pull_at:
        lines.append(f"QuickBooks' changes last read {when_words(health.last_pull_at, local)}.")
    if health.refresh_token_expires_at and health.state != "disconnected":
        ends = health.refresh_token_expires_at
        if ends.tzinfo is None:
            ends = ends.replace(tzinfo=UTC)
        days = (ends - now).days
        if ends <= now:
            lines.append("The sign-in has ended: connect again to sync.")
        else:
            left = "less than a day" if days < 1 else count_of(days, "day")
            lines.append(f"Sign-in valid until {ends.astimezone():%-d %b %Y} ({left} from "
                         "now).")
    if health.throttled_recently:
        lines.append(f"QuickBooks asked SyncDesk to slow down "
                     f"{count_of(health.throttled_recently, 'time')} in the last "
                     f"{THROTTLE_DAYS} days; SyncDesk waited and went on.")
    else:
        lines.append(f"No slow-downs asked by QuickBooks in the last {THROTTLE_DAYS} days.")
    if health.warning:
        lines.append(upper_first(health.warning))
    return lines


def documents_words(group: ProblemGroupView) -> str:
    """"PO-1063, INV-2041", each a link to its document; "and 12 more" past the first few."""
    shown = [f'<a href="{d.kind.value}:{escape(d.number)}">{escape(d.number)}</a>'
             for d in group.documents[:SHOWN_NUMBERS]]
    more = group.count - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


# --- the parts -----------------------------------------------------------------------------


def _soft(label: QLabel) -> QLabel:
    """Secondary words: the palette's placeholder colour (readable on light and dark)."""
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


class StateTile(QFrame):
    """One sync state: its icon, how many documents, its name, POs and invoices."""

    def __init__(self, count: StateCount, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName=f"stateTile_{count.state.value}")
        self.count = count
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(count.text)
        self.setToolTip(upper_first(count.meaning))
        icon = QLabel(self)
        found = state_icon(count.state)
        if found is not None:
            icon.setPixmap(found.pixmap(28, 28))
        self.number = QLabel(f"{count.total:,}", self, objectName="stateTileNumber")
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 1.7)
        big.setBold(True)
        self.number.setFont(big)
        self.name = QLabel(upper_first(count.name), self)
        self.split = _soft(QLabel(f"{count_of(count.pos, 'PO')}, "
                                  f"{count_of(count.invoices, 'invoice')}", self))
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(icon)
        top.addWidget(self.number)
        top.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 6, 10, 6)
        column.setSpacing(2)
        column.addLayout(top)
        column.addWidget(self.name)
        column.addWidget(self.split)


class StateCounts(QWidget):
    """A tile per sync state: six in a row on a wide page, three in two rows otherwise."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="stateCounts")
        self.setAccessibleName("Documents by sync state")
        self.tiles: list[StateTile] = []
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(8)
        self._columns = 6

    def show_counts(self, counts: tuple[StateCount, ...]) -> None:
        for tile in self.tiles:
            tile.setParent(None)
            tile.deleteLater()
        self.tiles = [StateTile(c, self) for c in counts]
        self._place()

    def set_columns(self, columns: int) -> None:
        if columns != self._columns:
            self._columns = columns
            self._place()

    def _place(self) -> None:
        for tile in self.tiles:
            self.grid.removeWidget(tile)
        for i, tile in enumerate(self.tiles):
            self.grid.addWidget(tile, i // self._columns, i % self._columns)
        for column in range(6):
            self.grid.setColumnStretch(column, 1 if column < self._columns else 0)

    def totals(self) -> dict[str, int]:
        return {t.count.state.value: t.count.total for t in self.tiles}


class GroupRow(QFrame):
    """One root cause: its title, its documents (links), a Fix… button."""

    fix_requested = Signal(object)  # the ProblemGroupView
    document_requested = Signal(object, str)  # DocKind, number

    def __init__(self, group: ProblemGroupView, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="problemGroup")
        self.group = group
        self.setAccessibleName(group.title)
        self.title = QLabel(group.title, self, objectName="problemGroupTitle")
        self.title.setWordWrap(True)
        bold = QFont(self.font())
        bold.setBold(True)
        self.title.setFont(bold)
        self.documents = QLabel(self, objectName="problemGroupDocuments")
        self.documents.setTextFormat(Qt.TextFormat.RichText)
        self.documents.setWordWrap(True)
        self.documents.setText(documents_words(group))
        self.documents.setToolTip("Click a number to see that document")
        self.documents.setAccessibleName(
            "Documents: " + ", ".join(d.number for d in group.documents))
        self.documents.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.documents.linkActivated.connect(self._link)
        self.fix = QPushButton("Fix…", self, objectName="fixGroupButton")
        many = count_of(group.count, "document")
        self.fix.setToolTip(f"Open the fix-it wizard for {'all ' if group.count > 1 else ''}"
                            f"{many} with this cause")
        self.fix.setAccessibleName(f"Fix: {group.cause}")
        self.fix.clicked.connect(lambda: self.fix_requested.emit(self.group))
        words = QVBoxLayout()
        words.setSpacing(2)
        words.addWidget(self.title)
        words.addWidget(self.documents)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 4, 0, 4)
        row.addLayout(words, 1)
        row.addWidget(self.fix, 0, Qt.AlignmentFlag.AlignTop)

    def _link(self, target: str) -> None:
        kind, _, number = target.partition(":")
        self.document_requested.emit(DocKind(kind), number)


class ProblemGroups(QWidget):
    """The problems by root cause, most documents first; "Nothing to fix" when none."""

    fix_requested = Signal(object)
    document_requested = Signal(object, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="problemGroups")
        self.setAccessibleName("Problems to fix, by cause")
        self.rows: list[GroupRow] = []
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(0)
        self.empty = _soft(QLabel("Nothing needs fixing: no document is failed or blocked.",
                                  self, objectName="noProblems"))
        self.empty.setWordWrap(True)
        self.column.addWidget(self.empty)

    def show_groups(self, groups: tuple[ProblemGroupView, ...]) -> None:
        for row in self.rows:
            self.column.removeWidget(row)
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        for i, group in enumerate(groups):
            row = GroupRow(group, self)
            if i:
                row.setFrameShape(QFrame.Shape.NoFrame)
            row.fix_requested.connect(self.fix_requested)
            row.document_requested.connect(self.document_requested)
            self.rows.append(row)
            self.column.addWidget(row)
            row.show()  # at once: a layout shows a new child only on the next event loop
        self.empty.setVisible(not groups)

    def buttons(self) -> list[QPushButton]:
        return [row.fix for row in self.rows]


class ProblemKinds(QWidget):
    """Failed or blocked documents by problem kind: the count, and the kind in words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="problemCounts")
        self.setAccessibleName("Problems by kind")
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(4)
        self.grid.setColumnStretch(1, 1)
        self.labels: list[QLabel] = []

    def show_problems(self, problems: tuple[ProblemCount, ...]) -> None:
        for label in self.labels:
            self.grid.removeWidget(label)
            label.setParent(None)
            label.deleteLater()
        self.labels = []
        if not problems:
            self._add(_soft(QLabel("No problems.", self)), 0, 0, 2)
            return
        for row, problem in enumerate(problems):
            number = QLabel(f"{problem.count:,}", self)
            number.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            words = QLabel(upper_first(problem.meaning), self)
            words.setWordWrap(True)
            words.setToolTip(upper_first(problem.label))
            words.setAccessibleName(problem.text)
            self._add(number, row, 0)
            self._add(words, row, 1)

    def _add(self, label: QLabel, row: int, column: int, span: int = 1) -> None:
        self.labels.append(label)
        self.grid.addWidget(label, row, column, 1, span)
        label.show()  # at once, not on the next event loop (a screen reader asks now)

    def texts(self) -> list[str]:
        return [label.text() for label in self.labels]


class ConnectionHealth(QLabel):
    """The connection's health in plain words, one fact a line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="connectionHealth")
        self.setAccessibleName("Connection to QuickBooks")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.lines: list[str] = []

    def show_health(self, health: SyncHealth) -> None:
        self.lines = health_lines(health)
        self.setText("\n".join(self.lines))
        self.setAccessibleDescription(" ".join(self.lines))


def _box(title: str, name: str, content: QWidget, parent: QWidget) -> QGroupBox:
    box = QGroupBox(title, parent, objectName=name)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(10, 8, 10, 10)
    layout.addWidget(content)
    return box


# --- the page ------------------------------------------------------------------------------


class DashboardView(QWidget):
    loaded = Signal()  # a new answer is shown
    fix_requested = Signal(object)  # a group's Fix… (the ProblemGroupView)
    document_requested = Signal(object, str)  # a group's document number clicked

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="dashboardPage")
        self.setAccessibleName("Dashboard")
        self._ctx = ctx
        self._asked = 0
        self.board: Dashboard | None = None
        self.error = ""

        content = QWidget(objectName="dashboardContent")
        self.states = StateCounts(content)
        self.groups = ProblemGroups(content)
        self.groups.fix_requested.connect(self.fix_requested)
        self.groups.document_requested.connect(self.document_requested)
        self.kinds = ProblemKinds(content)
        self.health = ConnectionHealth(content)
        self.chart = ResultsChart(content)
        self.status = _soft(QLabel("Loading…", content, objectName="dashboardStatus"))
        self.status.setWordWrap(True)

        self.groups_box = _box("Problems to fix, by cause", "problemGroupsBox", self.groups,
                               content)
        self.kinds_box = _box("Problems by kind", "problemCountsBox", self.kinds, content)
        self.health_box = _box("Connection to QuickBooks", "connectionHealthBox", self.health,
                               content)
        self.chart_box = _box("Sync results per day, last 30 days", "resultsChartBox",
                              self.chart, content)
        self.side = QWidget(content)
        self.side_layout = QBoxLayout(QBoxLayout.Direction.TopToBottom, self.side)
        self.side_layout.setContentsMargins(0, 0, 0, 0)
        self.side_layout.setSpacing(10)
        self.side_layout.addWidget(self.kinds_box, 1)
        self.side_layout.addWidget(self.health_box, 1)

        self.grid = QGridLayout()
        self.grid.setSpacing(10)
        outer = QVBoxLayout(content)
        outer.setContentsMargins(10, 10, 10, 10)
        outer.setSpacing(10)
        outer.addWidget(self.status)
        outer.addWidget(self.states)
        outer.addLayout(self.grid)
        outer.addWidget(self.chart_box, 1)
        self._wide: bool | None = None
        self._arrange(True)

        self.scroll = QScrollArea(self, objectName="dashboardScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)

    # --- layout --------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(event.size().width() >= WIDE)

    def _arrange(self, wide: bool) -> None:
        """Wide: the problems on the left, the kinds and the connection on the right.
        Narrow: the problems across, the kinds and the connection side by side below."""
        if wide == self._wide:
            return
        self._wide = wide
        self.grid.removeWidget(self.groups_box)
        self.grid.removeWidget(self.side)
        if wide:
            self.side_layout.setDirection(QBoxLayout.Direction.TopToBottom)
            self.grid.addWidget(self.groups_box, 0, 0, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(self.side, 0, 1, Qt.AlignmentFlag.AlignTop)
            self.grid.setColumnStretch(0, 3)
            self.grid.setColumnStretch(1, 2)
        else:
            self.side_layout.setDirection(QBoxLayout.Direction.LeftToRight)
            self.grid.addWidget(self.groups_box, 0, 0, 1, 2)
            self.grid.addWidget(self.side, 1, 0, 1, 2)
            self.grid.setColumnStretch(0, 1)
            self.grid.setColumnStretch(1, 0)
        self.states.set_columns(6 if wide else 3)

    # --- the data ------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh_if_shown(self, *_: object) -> None:
        """After a sync, a row action or a fix: ask again if the page is in sight (it asks
        anyway each time it shows)."""
        if self.isVisible():
            self.refresh()

    def company_changed(self) -> None:
        self.board = None
        self.refresh_if_shown()

    def refresh(self) -> None:
        """Ask for the whole dashboard (off the GUI thread)."""
        services = self._ctx.services
        if services is None:
            return
        self._asked += 1
        number = self._asked
        if self.board is None:
            self.status.setText("Loading…")
            self.status.setVisible(True)
        self._ctx.tasks.start(lambda _p, _c: services.dashboard.overview(), "dashboard",
                              on_success=lambda board: self._answered(number, board),
                              on_failure=lambda error: self._refused(number, error))

    def _answered(self, number: int, board: Dashboard) -> None:
        if number != self._asked:
            return  # an older question's answer
        self.board = board
        self.error = ""
        self.status.setVisible(False)
        self.states.show_counts(board.states)
        self.groups.show_groups(board.groups)
        self.groups_box.setTitle(self._groups_title(board))
        self.kinds.show_problems(board.problems)
        self.health.show_health(board.health)
        self.chart.set_days(board.days)
        self.loaded.emit()

    @staticmethod
    def _groups_title(board: Dashboard) -> str:
        documents = sum(g.count for g in board.groups)
        if not documents:
            return "Problems to fix"
        return (f"Problems to fix: {count_of(documents, 'document')}, "
                f"{count_of(len(board.groups), 'cause')}")

    def _refused(self, number: int, error: BaseException) -> None:
        if number != self._asked:
            return
        self.error = (error.words(plain) if isinstance(error, UserError)
                      else "The dashboard could not be read; the details are in the log file.")
        self.status.setText(self.error)
        self.status.setVisible(True)


def fix_group(window: MainWindow, group: ProblemGroupView) -> None:
    """A group's Fix…: the wizard for every document of the cause; a document alone with
    its cause: the wizard for that document."""
    fixer = window.actions.fixer
    if group.key is not None:
        fixer.open_group(group.key)
    elif group.document is not None:
        fixer.open(group.document.kind, group.document.number)


def show_document(window: MainWindow, kind: DocKind, number: str) -> None:
    """A group's document number clicked: its page, filtered to the number, the row
    selected (so its detail pane shows it)."""
    from ui.window import KINDS

    window.show_page(KINDS.index(kind))
    view = window.views[kind]
    if view.select_number(number):
        return
    bar = window.filter_bar
    widgets = (bar.text, bar.status, bar.sync, bar.supplier, bar.from_check, bar.to_check)
    blockers = [QSignalBlocker(w) for w in widgets]
    bar.text.setText(number)
    for combo in (bar.status, bar.sync, bar.supplier):
        combo.setCurrentIndex(0)
    for check, edit in ((bar.from_check, bar.date_from), (bar.to_check, bar.date_to)):
        check.setChecked(False)
        edit.setEnabled(False)
    del blockers

    def select() -> None:
        view.loaded.disconnect(select)
        view.select_number(number)

    view.loaded.connect(select)
    bar.changed.emit()


def install(window: MainWindow) -> DashboardView:
    """The Dashboard page as the navigation's next page (no filter bar or detail pane, as
    on the suppliers page), kept up to date after syncs, row actions and fixes."""
    view = DashboardView(window.ctx)
    window.nav.addTab(PAGE_NAME)
    window.pages.addWidget(view)
    window.company_opened.connect(view.company_changed)
    window.sync_finished.connect(view.refresh_if_shown)
    window.actions.rows_changed.connect(view.refresh_if_shown)
    view.fix_requested.connect(lambda group: fix_group(window, group))
    view.document_requested.connect(lambda kind, number: show_document(window, kind, number))
    return view

