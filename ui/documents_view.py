"""A PO or invoice table: the model's rows, asked of the store off the GUI thread.

``apply(query)`` asks for the first page (and the filter bar's counts) in the
background; an answer to an older query than the latest is dropped, so fast
typing never shows a stale list. Sorting on a header asks the store again.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from app.domain.states import DocKind
from app.services.documents_views import DocumentRow, FilterCounts, ListQuery
from ui.context import UiContext
from ui.models.documents import PAGE, ROW_ROLE, DocumentTableModel

TABLE_NAMES = {DocKind.PO: "poTable", DocKind.INVOICE: "invoiceTable"}


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
        self.table = QTableView(self, objectName=TABLE_NAMES[kind])
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(
            lambda *_: self.selection_changed.emit())
        self.model.sort_requested.connect(self._sort)
        self._asked = 0  # the latest query's number; older answers are dropped
        self._query = ListQuery(limit=PAGE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)

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
        self._asked += 1
        number, query, documents = self._asked, self._query, self._ctx.services.documents

        def job(progress: object, cancel: object) -> tuple[list[DocumentRow], FilterCounts]:
            return documents.list(self.kind, query), documents.counts(self.kind, query)

        self._ctx.tasks.start(job, f"list {self.kind.value}",
                              on_success=lambda answer: self._answered(number, query, answer))

    def _answered(self, number: int, query: ListQuery,
                  answer: tuple[list[DocumentRow], FilterCounts]) -> None:
        if number != self._asked:
            return  # an older query's answer: the user has typed on since
        rows, counts = answer
        self.model.show(query, rows)
        self.counts_changed.emit(counts)
        self.loaded.emit()

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


