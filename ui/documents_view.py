"""A PO or invoice table: the model's rows, asked of the store off the GUI thread.

``apply(query)`` asks for the first page (and the filter bar's counts) in the
background; an answer to an older query than the latest is dropped, so fast
typing never shows a stale list. Sorting on a header asks the store again.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QObject,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.problems import LABELS
from app.domain.qbo_column import column_text
from app.domain.states import DocKind, SyncState
from app.services.documents_views import DocumentRow, FilterCounts, ListQuery
from ui.context import UiContext
from ui.models.documents import PAGE, ROW_ROLE, DocumentTableModel
from ui.tables import style_table

TABLE_NAMES = {DocKind.PO: "poTable", DocKind.INVOICE: "invoiceTable"}
TABLE_WORDS = {DocKind.PO: "Purchase orders", DocKind.INVOICE: "Supplier invoices"}  # read aloud
SAMPLES = {  # each column's first width fits this text; long supplier names are elided
    "number": "INV-10000", "supplier": "Cedar Ridge Lumber Co", "reference": "SUMMIT-2026",
    "po_number": "PO-10000", "date": "2026-10-28", "total": "888,888.00 USD",
    "status": "Ready to pay",
}
# The QuickBooks column is wide enough for its longest words (a problem's short label).
QUICKBOOKS_SAMPLES = [column_text(state.value, problem) for problem in LABELS
                      for state in (SyncState.FAILED, SyncState.BLOCKED)]
PADDING = 10  # pixels around a cell's text (the cell's own margins are 8)
SUPPLIER_MIN = 90  # the supplier shrinks (elided, whole in its tooltip) down to this
#: The saved column layout's version: 2 since the QuickBooks column follows the number. A
#: layout saved before (or without a version) never hides the QuickBooks column or keeps
#: it narrower than its words.
LAYOUT_VERSION = 2
EMPTY = {DocKind.PO: "No purchase orders match this filter",
         DocKind.INVOICE: "No invoices match this filter"}


class DocumentsView(QWidget):
    selection_changed = Signal()
    counts_changed = Signal(object)  # FilterCounts for the current filter
    loaded = Signal()  # a new first page is shown

    def __init__(self, ctx: UiContext, kind: DocKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.kind = kind
        self.model = DocumentTableModel(kind, lambda q: ctx.services.documents.list(kind, q),
                                        self)
        self.table = QTableView(self, objectName=TABLE_NAMES[kind],
                                accessibleName=TABLE_WORDS[kind])
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        style_table(self.table)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        metrics = self.table.fontMetrics()
        self._natural = {key: metrics.horizontalAdvance(sample) + PADDING
                         for key, sample in SAMPLES.items() if key in self._keys()}
        widest = max(metrics.horizontalAdvance(text) for text in QUICKBOOKS_SAMPLES)
        self._natural["sync_state"] = widest + self.table.iconSize().width() + 4 + PADDING
        for key, width in self._natural.items():
            header.resizeSection(self.model.column_of(key), width)
        self._fitting = False  # the supplier's width being fitted (not the user's drag)
        # The store's default order (newest first) is what the header shows; sorting is
        # switched on before the model's sort is heard, so nothing is asked twice.
        header.setSortIndicator(self.model.column_of("date"), Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self._restore_columns()
        self._supplier_width = header.sectionSize(self.model.column_of("supplier"))
        header.sectionResized.connect(self._section_resized)
        self.empty = QLabel(EMPTY[kind], self.table.viewport(), objectName="emptyTableLabel")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setEnabled(False)  # drawn greyed, as a hint rather than content
        self.empty.hide()
        self.table.viewport().installEventFilter(self)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        self.table.selectionModel().selectionChanged.connect(
            lambda *_: self.selection_changed.emit())
        self.model.sort_requested.connect(self._sort)
        self._asked = 0  # the latest query's number; older answers are dropped
        self._sent = 0  # the query number last sent to the store
        self._in_flight = False
        self._query = ListQuery(limit=PAGE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)

    # --- columns: which show (the column chooser), remembered per table -----------------

    def _last(self) -> int:
        return len(self.model.columns) - 1

    def _keys(self) -> list[str]:
        return [c.key for c in self.model.columns]

    def _setting(self) -> str:
        return f"tables/{TABLE_NAMES[self.kind]}/hiddenColumns"

    def hidden_columns(self) -> list[str]:
        header = self.table.horizontalHeader()
        return [c.key for i, c in enumerate(self.model.columns) if header.isSectionHidden(i)]

    def _version_setting(self) -> str:
        return f"tables/{TABLE_NAMES[self.kind]}/layoutVersion"

    def _restore_columns(self) -> None:
        settings = self._ctx.settings
        try:
            version = int(settings.value(self._version_setting(), 0) or 0)
        except (TypeError, ValueError):
            version = 0
        saved = settings.value(self._setting(), "")
        keys = saved.split(",") if isinstance(saved, str) else list(saved or [])
        header = self.table.horizontalHeader()
        for key in keys:
            if key in self._keys() and key != "number" \
                    and (key != "sync_state" or version >= LAYOUT_VERSION):
                header.setSectionHidden(self.model.column_of(key), True)
        widths = settings.value(self._widths_setting(), "")
        for pair in (widths.split(",") if isinstance(widths, str) and widths else []):
            key, _, width = pair.partition("=")
            if key in self._keys() and width.isdigit() and int(width) > 0 \
                    and self.model.column_of(key) != self._last():
                if key == "sync_state":  # never narrower than its words
                    width = str(max(int(width), self._natural["sync_state"]))
                header.resizeSection(self.model.column_of(key), int(width))
        settings.setValue(self._setting(), ",".join(self.hidden_columns()))  # as validated
        settings.setValue(self._version_setting(), LAYOUT_VERSION)

    def _widths_setting(self) -> str:
        return f"tables/{TABLE_NAMES[self.kind]}/columnWidths"

    def _section_resized(self, index: int, old: int, new: int) -> None:
        if index == self.model.column_of("supplier") and not self._fitting:
            self._supplier_width = new  # the user's width: the one the fitting aims for
        self._save_widths()

    def _save_widths(self) -> None:
        header = self.table.horizontalHeader()
        supplier = self.model.column_of("supplier")
        widths = ",".join(f"{c.key}={self._supplier_width if i == supplier else size}"
                          for i, c in enumerate(self.model.columns)
                          for size in (header.sectionSize(i),)
                          if not header.isSectionHidden(i) and header.sectionSize(i) > 0
                          and i != self._last())
        self._ctx.settings.setValue(self._widths_setting(), widths)

    def fit_columns(self) -> None:
        """Every column in the table's width where it can be: the supplier gives up its room
        first (elided, down to ``SUPPLIER_MIN``); with room to spare it has its own width
        (the user's, or what fits a long name) again."""
        header = self.table.horizontalHeader()
        supplier = self.model.column_of("supplier")
        if header.isSectionHidden(supplier) or not self.isVisibleTo(self.window()):
            return  # a page not shown: its width is not known yet
        shown = [i for i in range(len(self.model.columns)) if not header.isSectionHidden(i)]
        others = sum(self._natural.get(self.model.columns[i].key, 0) if i == shown[-1]
                     else header.sectionSize(i) for i in shown if i != supplier)
        room = self.table.viewport().width() - others
        width = max(SUPPLIER_MIN, min(self._supplier_width, room))
        if width != header.sectionSize(supplier):
            self._fitting = True
            try:
                header.resizeSection(supplier, width)
            finally:
                self._fitting = False

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit_columns()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self.empty.setGeometry(self.table.viewport().rect())
            self.fit_columns()
        return super().eventFilter(watched, event)

    def show_column(self, key: str, shown: bool) -> None:
        """Show or hide one column (never the number) and remember it."""
        if key == "number":
            return
        self.table.horizontalHeader().setSectionHidden(self.model.column_of(key), not shown)
        self._ctx.settings.setValue(self._setting(), ",".join(self.hidden_columns()))
        self._ctx.settings.setValue(self._version_setting(), LAYOUT_VERSION)
        self.fit_columns()

    def _column_menu(self, at: QPoint) -> None:
        menu = self.column_menu()
        menu.exec(self.table.horizontalHeader().mapToGlobal(at))

    def column_menu(self) -> QMenu:
        """The header's menu: a check per column, which shows it."""
        menu = QMenu(self)
        menu.setObjectName("columnChooser")
        menu.addSection("Columns")
        hidden = set(self.hidden_columns())
        for column in self.model.columns:
            action = menu.addAction(column.title)
            action.setCheckable(True)
            action.setChecked(column.key not in hidden)
            action.setEnabled(column.key != "number")
            action.toggled.connect(lambda on, key=column.key: self.show_column(key, on))
        return menu

    # --- rows -------------------------------------------------------------------------

    def apply(self, query: ListQuery) -> None:
        """Show the rows matching ``query``'s filters (keeping the current sort)."""
        self._query = replace(query, sort=self._query.sort, descending=self._query.descending,
                              offset=0, limit=PAGE)
        self._ask()

    def refresh(self) -> None:
        self._ask()

    def _sort(self, key: str, descending: bool) -> None:
        self._query = replace(self._query, sort=key, descending=descending)
        self._ask()

    def _ask(self) -> None:
        """Ask for the current query's first page. One listing at a time: while one is
        out, newer queries only move ``_asked`` on, and the latest goes when it answers
        (fast typing never queues a query per keystroke, and never shows a stale page)."""
        self._asked += 1
        if not self._in_flight:
            self._send()

    def _send(self) -> None:
        number, query, documents = self._asked, self._query, self._ctx.services.documents
        self._in_flight, self._sent = True, number

        def job(progress: object, cancel: object) -> list[DocumentRow]:
            return documents.list(self.kind, query)

        task = self._ctx.tasks.start(job, f"list {self.kind.value}", on_success=lambda rows:
                                     self._answered(number, query, rows))
        task.finished.connect(self._flight_over)

    def _flight_over(self) -> None:
        self._in_flight = False
        if self._sent != self._asked:  # a newer query waited for this one
            self._send()

    def _answered(self, number: int, query: ListQuery, rows: list[DocumentRow]) -> None:
        if number != self._asked:
            return  # an older query's answer: the user has typed on since
        keep = [row.number for row in self.selected_rows()]
        self.model.show(query, rows)  # a reset: the selection goes, and no signal says so
        self._reselect(keep)
        self.empty.setGeometry(self.table.viewport().rect())
        self.empty.setVisible(not rows)
        self.loaded.emit()
        self._ask_counts(number, query)

    def _reselect(self, numbers: list[str]) -> None:
        """Select again those of ``numbers`` that the new page shows (one signal)."""
        model = self.model
        found = [at for at in (model.position(n) for n in numbers) if at is not None]
        if not found:
            return
        chosen = QItemSelection()
        for at in found:
            chosen.select(model.index(at, 0), model.index(at, model.columnCount() - 1))
        self.table.selectionModel().select(
            chosen, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.table.selectionModel().setCurrentIndex(
            model.index(found[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate)

    def recount(self) -> None:
        """Ask the filter bar's counts again for the rows shown (after a row action)."""
        self._ask_counts(self._asked, self._query)

    def _ask_counts(self, number: int, query: ListQuery) -> None:
        """The filter bar's counts, after the rows (they never hold the table back)."""
        documents = self._ctx.services.documents

        def job(progress: object, cancel: object) -> FilterCounts:
            return documents.counts(self.kind, query)

        def answered(counts: FilterCounts) -> None:
            if number == self._asked:
                self.counts_changed.emit(counts)

        self._ctx.tasks.start(job, f"counts {self.kind.value}", on_success=answered)

    def selected_rows(self) -> list[DocumentRow]:
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        return [r for r in (self.model.data(self.model.index(n, 0), ROW_ROLE)
                            for n in sorted(rows)) if r is not None]

    def replace_rows(self, rows: list[DocumentRow]) -> None:
        for row in rows:
            self.model.replace_row(row)

    def select_number(self, number: str) -> bool:
        at = self.model.position(number)
        if at is None:
            return False
        self.table.selectRow(at)
        return True


