"""The Sync Log page: every attempt and pull, newest first (``syncLogTable``), with its
filters, the selected row in full in a side panel, that row's Resync and Exclude, and the
filtered log exported to CSV.

Every store or network call goes through ``ctx.tasks`` (the next pages of the table
excepted, see ``ui/models/sync_log.py``); an answer to an older question is dropped.
``install(window)`` puts the page into the main window's navigation and gives the
toolbar's Resync Failures its count and confirmation (``ui/resync_failures.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.hints import plain
from app.services.sync_log import ExportReport, LogDetail, LogFilter, LogPage, LogRow
from app.text import count_of
from app.work import Cancelled, Progress
from ui.actions import ReasonDialog
from ui.context import UiContext
from ui.error_dialog import show_error
from ui.models.sync_log import PAGE, SyncLogModel
from ui.resync_failures import ResyncFailures
from ui.sync_log_details import SyncLogDetails
from ui.sync_log_filters import SyncLogFilters
from ui.tables import style_table
from ui.theme import tone

if TYPE_CHECKING:
    from ui.window import MainWindow

PAGE_NAME = "Sync Log"
WIDTHS = {"when": "2026-12-01 09:30:12", "document": "INV-20440",
          "operation": "Check before sending", "result": "Blocked: name taken in QuickBooks",
          "code": "100000"}
PADDING = 24


class SyncLogView(QWidget):
    loaded = Signal()  # a new answer is shown
    documents_changed = Signal()  # a row's Resync or Exclude changed its document
    exported = Signal(object)  # the ExportReport, or the exception that stopped it

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="syncLogPage")
        self._ctx = ctx
        self._asked = 0
        self._busy = False
        self.filters = SyncLogFilters(self)
        self.filters.changed.connect(self.refresh)
        self.model = SyncLogModel(self._page, self)
        self.table = QTableView(self, objectName="syncLogTable")
        self.table.setAccessibleName("Sync log")
        self.table.setModel(self.model)
        style_table(self.table)
        self.table.horizontalHeader().setHighlightSections(False)
        metrics = self.table.fontMetrics()
        for i, column in enumerate(self.model.columns):
            if column.key in WIDTHS:
                self.table.setColumnWidth(
                    i, metrics.horizontalAdvance(WIDTHS[column.key]) + PADDING
                    + (20 if column.key == "result" else 0))
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.resync_action = self._action("Resync", "syncLogResyncAction",
                                          "Send this row's document to QuickBooks again now",
                                          self.resync_row)
        self.exclude_action = self._action("Exclude…", "syncLogExcludeAction",
                                           "Keep this row's document out of QuickBooks "
                                           "(asks why)", self.exclude_row)
        self.menu = QMenu(self, objectName="syncLogMenu")
        self.menu.addActions([self.resync_action, self.exclude_action])
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.details = SyncLogDetails(self.resync_action, self.exclude_action, self)
        self.reason_dialog: ReasonDialog | None = None
        self.last_error: Any = None
        self.resync_failures: ResyncFailures | None = None  # the toolbar's, once installed

        self.summary = QLabel(self, objectName="syncLogSummary")
        self.export_button = QPushButton("Export to CSV…", self, objectName="syncLogExportButton")
        self.export_button.setToolTip("Save the rows the filters show to a CSV file")
        self.export_button.clicked.connect(self.choose_export)
        self.export_progress = QProgressBar(self, objectName="syncLogExportProgress")
        self.export_progress.setMaximumWidth(200)
        self.export_progress.setVisible(False)
        self.cancel_export = QPushButton("Cancel", self, objectName="cancelExportButton")
        self.cancel_export.setToolTip("Stop the export; no file is left behind")
        self.cancel_export.setVisible(False)
        self.cancel_export.clicked.connect(self._cancel_export)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.export_progress)
        bottom.addWidget(self.cancel_export)
        bottom.addWidget(self.export_button)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self, objectName="syncLogSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([900, 380])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.filters)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(bottom)
        self._update_actions()

    def _action(self, text: str, name: str, tip: str, slot: Any) -> QAction:
        action = QAction(text, self, objectName=name)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    # --- the rows -----------------------------------------------------------------------

    def _page(self, where: LogFilter, offset: int, limit: int) -> LogPage:
        return self._ctx.services.sync_log.page(where, offset, limit)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh_if_shown(self, *_: object) -> None:
        """After a sync or a row action elsewhere: ask again if the page is in sight (it
        asks anyway each time it shows)."""
        if self.isVisible():
            self.refresh()

    def company_changed(self) -> None:
        self.model.show(LogFilter(), LogPage((), 0, 0, PAGE))
        self.details.clear()
        self.refresh_if_shown()

    def refresh(self) -> None:
        """Ask the store for the first page of the filtered log (off the GUI thread)."""
        services = self._ctx.services
        if services is None:
            return
        self._asked += 1
        number, where = self._asked, self.filters.filter()
        self._ctx.tasks.start(lambda _p, _c: services.sync_log.page(where, 0, PAGE),
                              "sync log",
                              on_success=lambda page: self._answered(number, where, page),
                              on_failure=lambda error: self._refused(number, error))

    def _answered(self, number: int, where: LogFilter, page: LogPage) -> None:
        if number != self._asked:
            return  # an older question's answer
        keep = self.details.shown
        self.model.show(where, page)
        tone(self.summary, None)
        self.summary.setText(self._summary(where, page.total))
        at = self.model.position(keep) if keep is not None else None
        if at is not None:
            self.table.selectRow(at)
        else:
            self.details.clear()
        self._update_actions()
        self.loaded.emit()

    def _refused(self, number: int, error: BaseException) -> None:
        if number == self._asked and isinstance(error, UserError):  # a filter that means
            tone(self.summary, "error")  # nothing (dates the wrong way)
            self.summary.setText(error.words(plain))

    @staticmethod
    def _summary(where: LogFilter, total: int) -> str:
        rows = count_of(total, "entry") if total else "No entries"
        if where == LogFilter():
            return f"{rows} in the log"
        return f"{rows} {'matches' if total == 1 else 'match'} the filters"

    def selected(self) -> LogRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if len(rows) == 1 else None

    def _selection_changed(self, _new: QItemSelection, _old: QItemSelection) -> None:
        self._update_actions()
        row = self.selected()
        if row is None:
            self.details.clear()
            return
        if row.id == self.details.shown:
            return
        services = self._ctx.services
        self._ctx.tasks.start(lambda _p, _c: services.sync_log.details(row.id),
                              "sync log detail", on_success=self._show_detail,
                              on_failure=lambda error: self._detail_failed(row.id, error))

    def _show_detail(self, detail: LogDetail) -> None:
        current = self.selected()
        if current is not None and current.id == detail.row.id:  # still the one selected
            self.details.show_detail(detail)

    def _detail_failed(self, entry_id: int, error: BaseException) -> None:
        current = self.selected()
        if current is not None and current.id == entry_id and isinstance(error, UserError):
            self.details.clear(error.words(plain))

    def _update_actions(self) -> None:
        row = self.selected()
        can = row is not None and row.kind is not None and bool(row.document) \
            and not self._busy
        self.resync_action.setEnabled(can)
        self.exclude_action.setEnabled(can)

    def _context_menu(self, at: QPoint) -> None:
        index = self.table.indexAt(at)
        if not index.isValid():
            return
        self.table.selectRow(index.row())
        self._update_actions()
        self.menu.popup(self.table.viewport().mapToGlobal(at))

    # --- the row's actions --------------------------------------------------------------

    def resync_row(self) -> None:
        """Send the selected row's document again now (whatever state it is in)."""
        row = self.selected()
        if row is None or row.kind is None or not row.document or self._busy:
            return
        sync, kind, number = self._ctx.services.sync, row.kind, row.document
        self._run(lambda progress, cancel: sync.resend(kind, number, on_progress=progress,
                                                       cancel=cancel), "Resync")

    def exclude_row(self) -> None:
        """Ask why, then keep the selected row's document out of QuickBooks."""
        row = self.selected()
        if row is None or row.kind is None or not row.document or self._busy:
            return
        kind, number = row.kind, row.document
        self.reason_dialog = ReasonDialog([number], self)
        self.reason_dialog.reason_given.connect(
            lambda reason: self.exclude_with(kind, number, reason))
        self.reason_dialog.open()

    def exclude_with(self, kind: Any, number: str, reason: str) -> None:
        sync = self._ctx.services.sync
        self._run(lambda _p, _c: sync.exclude(kind, number, reason.strip()), "Exclude")

    def _run(self, job: Any, title: str) -> None:
        self._busy = True
        self._update_actions()
        self._ctx.tasks.start(job, "sync log actions", on_success=lambda _r: self._acted(),
                              on_failure=lambda error: self._acted(error, title))

    def _acted(self, error: BaseException | None = None, title: str = "") -> None:
        self._busy = False
        self._update_actions()
        self.details.shown = None  # its document changed: ask for the row's details again
        self.refresh()
        self.documents_changed.emit()
        if error is not None and not isinstance(error, Cancelled):
            self.last_error = show_error(self, error, title)

    # --- export -------------------------------------------------------------------------

    def choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the sync log", "sync-log.csv",
                                              "CSV files (*.csv);;All files (*)")
        if path:
            self.export(Path(path))

    def export(self, path: Path) -> None:
        """Write the rows the filters show to ``path`` (all or nothing), with progress."""
        services = self._ctx.services
        if services is None or self._ctx.tasks.running("sync log export"):
            return
        where = self.filters.filter()
        self.export_button.setEnabled(False)
        self.export_progress.setRange(0, 0)
        self.export_progress.setVisible(True)
        self.cancel_export.setEnabled(True)
        self.cancel_export.setVisible(True)
        self.summary.setText(f"Exporting to {path.name}…")
        self._ctx.tasks.start(
            lambda progress, cancel: services.sync_log.export_csv(
                path, where, on_progress=progress, cancel=cancel),
            "sync log export", on_progress=self._export_progress,
            on_success=self._exported, on_failure=self._export_failed)

    def _export_progress(self, p: Progress) -> None:
        self.export_progress.setRange(0, max(p.total, 1))
        self.export_progress.setValue(p.done)

    def _export_ended(self, words: str) -> None:
        self.export_button.setEnabled(True)
        self.export_progress.setVisible(False)
        self.cancel_export.setVisible(False)
        tone(self.summary, None)
        self.summary.setText(words)

    def _exported(self, report: ExportReport) -> None:
        self._export_ended(f"Saved {count_of(report.rows, 'entry')} to {report.path}.")
        self.exported.emit(report)

    def _export_failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self._export_ended("Export cancelled; no file was written.")
        else:
            self._export_ended("The export stopped.")
            self.last_error = show_error(self, error, "Export the sync log")
        self.exported.emit(error)

    def _cancel_export(self) -> None:
        for task in self._ctx.tasks.running("sync log export"):
            task.cancel()
        self.cancel_export.setEnabled(False)


def install(window: MainWindow) -> SyncLogView:
    """The Sync Log page as the navigation's next page (with the document pages' filter
    bar and detail pane hidden, as on the suppliers page), kept up to date after syncs
    and row actions; and Resync Failures with its count and confirmation."""
    view = SyncLogView(window.ctx)
    window.nav.addTab(PAGE_NAME)
    window.pages.addWidget(view)
    resync = ResyncFailures(window.ctx, window.resync, window.resync_failures, window)
    window.resync.clicked.connect(resync.ask)  # asks first, then runs it
    view.resync_failures = resync
    window.company_opened.connect(view.company_changed)
    window.company_opened.connect(resync.refresh_count)
    for changed in (window.sync_finished, window.actions.rows_changed):
        changed.connect(view.refresh_if_shown)
        changed.connect(resync.refresh_count)
    view.documents_changed.connect(window.refresh_tables)
    view.documents_changed.connect(resync.refresh_count)
    return view
