"""The main window: navigation, the filter bar, the tables, the detail pane, Sync Now."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.domain.states import DocKind
from app.services import Services
from app.services.documents_views import DocumentRow
from app.work import Cancelled, Progress
from ui.actions import DocumentActions
from ui.context import UiContext
from ui.detail_pane import DetailPane
from ui.documents_view import DocumentsView
from ui.filter_bar import FilterBar
from ui.suppliers_view import SuppliersView
from ui.workers import Tasks

PAGES = ("Purchase Orders", "Invoices", "Suppliers")
KINDS = (DocKind.PO, DocKind.INVOICE)


class MainWindow(QMainWindow):
    def __init__(self, services: Services, *, title: str = "SyncDesk",
                 settings: QSettings | None = None, on_close: object = None) -> None:
        super().__init__(objectName="mainWindow")
        self.setWindowTitle(title)
        self.ctx = UiContext(services, Tasks(self), settings or QSettings("SyncDesk", "SyncDesk"))
        self._on_close = on_close
        self.filter_bar = FilterBar(self.ctx)
        self.views = {kind: DocumentsView(self.ctx, kind) for kind in KINDS}
        self.detail = DetailPane(self.ctx)
        self.nav = QListWidget(objectName="navigation")
        self.nav.addItems(PAGES)
        self.nav.setMaximumWidth(170)
        self.pages = QStackedWidget()
        for kind in KINDS:
            self.pages.addWidget(self.views[kind])
        self.suppliers = SuppliersView(self.ctx)
        self.pages.addWidget(self.suppliers)
        middle = QWidget()
        column = QVBoxLayout(middle)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.filter_bar)
        column.addWidget(self.pages, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.setCentralWidget(self.splitter)
        self._toolbar()
        self._status_bar()
        self.nav.currentRowChanged.connect(self._page)
        self.filter_bar.changed.connect(self._filter)
        for kind, view in self.views.items():
            view.selection_changed.connect(self._selected)
            view.counts_changed.connect(lambda c, k=kind: self.filter_bar.show_counts(c, k))
        self.actions = DocumentActions(self.ctx, self.selected_rows, self)
        self.detail.add_actions(self.actions.actions())
        for view in self.views.values():
            self.actions.attach(view.table)
        self.actions.rows_changed.connect(self._rows_changed)
        self.nav.setCurrentRow(0)
        self.resize(1280, 800)

    # --- building ----------------------------------------------------------------------

    def _toolbar(self) -> None:
        bar = QToolBar("Main", self, objectName="mainToolBar")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.company = QLabel(self)
        bar.addWidget(self.company)
        self.sync_now = QPushButton("Sync Now", self, objectName="syncNowButton")
        self.sync_now.setToolTip("Send what is due to QuickBooks and read its changes (F5)")
        self.sync_now.clicked.connect(self.start_sync)
        bar.addWidget(self.sync_now)
        self.resync = QPushButton("Resync failures", self, objectName="resyncFailuresButton")
        bar.addWidget(self.resync)
        refresh = QAction("Sync Now", self, shortcut=QKeySequence(Qt.Key.Key_F5))
        refresh.triggered.connect(self.start_sync)
        self.addAction(refresh)

    def _status_bar(self) -> None:
        status = self.statusBar()
        self.last_sync = QLabel(self)
        self.progress = QProgressBar(self, objectName="syncProgress")
        self.progress.setVisible(False)
        self.cancel = QPushButton("Cancel", self, objectName="cancelSyncButton")
        self.cancel.setVisible(False)
        self.cancel.clicked.connect(self.cancel_sync)
        status.addWidget(self.last_sync, 1)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.cancel)

    # --- what the user does -------------------------------------------------------------

    def current_kind(self) -> DocKind | None:
        row = self.nav.currentRow()
        return KINDS[row] if 0 <= row < len(KINDS) else None

    def _page(self, row: int) -> None:
        self.pages.setCurrentIndex(row)
        kind = self.current_kind()
        self.filter_bar.setVisible(kind is not None)
        if kind is not None:
            self.filter_bar.set_kind(kind)
            self.views[kind].apply(self.filter_bar.query())

    def _filter(self) -> None:
        kind = self.current_kind()
        if kind is not None:
            self.views[kind].apply(self.filter_bar.query())

    def selected_rows(self) -> list[DocumentRow]:
        kind = self.current_kind()
        return self.views[kind].selected_rows() if kind else []

    def _selected(self) -> None:
        rows = self.selected_rows()
        self.actions.update()
        if len(rows) == 1:
            self.detail.show_document(rows[0].kind, rows[0].number)
        elif rows:
            self.detail.clear(f"{len(rows)} documents selected. Resend, Approve, Exclude and "
                              "Include act on all of them.")
        else:
            self.detail.clear()

    def start_sync(self) -> None:
        if self.ctx.tasks.running("sync"):
            return
        services = self.ctx.services
        self.sync_now.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel.setVisible(True)
        self.ctx.tasks.start(lambda progress, cancel: services.sync.run(
            on_progress=progress, cancel=cancel), "sync", on_progress=self._sync_progress,
            on_success=self._sync_done, on_failure=self._sync_failed)

    def _sync_progress(self, p: Progress) -> None:
        self.progress.setRange(0, max(p.total, 0))
        self.progress.setValue(p.done)
        counts = f"{p.done} of {p.total}" if p.total else "starting"
        self.progress.setFormat(f"{counts}" + (f" — {p.current}" if p.current else ""))

    def _sync_done(self, report: object) -> None:
        self._sync_ended("Last sync: just now")

    def _sync_failed(self, error: BaseException) -> None:
        self._sync_ended("Sync cancelled" if isinstance(error, Cancelled) else str(error))

    def _sync_ended(self, text: str) -> None:
        self.progress.setVisible(False)
        self.cancel.setVisible(False)
        self.sync_now.setEnabled(True)
        self.last_sync.setText(text)
        for view in self.views.values():
            view.refresh()
        if self.suppliers.isVisible():
            self.suppliers.refresh()

    def cancel_sync(self) -> None:
        for task in self.ctx.tasks.running("sync"):
            task.cancel()

    def _rows_changed(self, rows: list[DocumentRow]) -> None:
        """Documents changed by a row action: their rows in place, the detail pane anew."""
        for kind, view in self.views.items():
            view.replace_rows([r for r in rows if r.kind is kind])
        if self.detail.shown in {(r.kind, r.number) for r in rows}:
            self.detail.refresh()
        self.actions.update()

    def closeEvent(self, event: QCloseEvent) -> None:
        """A running sync stops at its next safe point; nothing is left half-done."""
        self.ctx.tasks.cancel_all()
        if callable(self._on_close):
            self._on_close()
        super().closeEvent(event)
