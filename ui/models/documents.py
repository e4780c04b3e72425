"""The PO and invoice tables' model: a window of rows fetched page by page from the store.

Never a proxy over everything: filtering and sorting happen in SQL (the documents
service); the model holds the rows fetched so far and asks for the next page
when the view scrolls near the end (``canFetchMore`` / ``fetchMore``). A new
filter or sort replaces the rows at once (``show``), with rows the caller fetched
off the GUI thread; ``replace_row`` updates one row in place (after a resend).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from app.domain.money import display_money
from app.domain.qbo_column import state_text
from app.domain.states import DocKind, SyncState
from app.services.documents_views import DocumentRow, ListQuery
from ui.models.columns import ColumnsModel
from ui.state_icons import state_icon
from ui.theme import state_colour

PAGE = 100  # rows fetched at a time

Index = QModelIndex | QPersistentModelIndex
Fetch = Callable[[ListQuery], list[DocumentRow]]


@dataclass(frozen=True)
class Column:
    key: str  # the service's sort key, and the column chooser's id
    title: str
    text: Callable[[DocumentRow], str]
    right: bool = False


def _date(row: DocumentRow) -> str:
    return row.date.isoformat()


def _total(row: DocumentRow) -> str:
    return f"{display_money(row.total)} {row.currency}"


def status_words(status: str) -> str:
    """A document status as the tables and the filter bar show it: "Pending approval"."""
    return status.replace("_", " ").capitalize()


NUMBER = Column("number", "Number", lambda r: r.number)
# Right after the number: the column a bookkeeper looks at first stays in sight on any
# window (the supplier, after it, is the one that shrinks on a narrow window).
QUICKBOOKS = Column("sync_state", "QuickBooks", lambda r: r.table_text)
SUPPLIER = Column("supplier", "Supplier", lambda r: r.supplier)
AFTER_SUPPLIER = (
    Column("date", "Date", _date),
    Column("total", "Total", _total, right=True),
    Column("status", "Status", lambda r: status_words(r.status)),
)
PO_COLUMNS = (NUMBER, QUICKBOOKS, SUPPLIER, *AFTER_SUPPLIER)
INVOICE_COLUMNS = (  # the invoice's own numbers last
    NUMBER,
    QUICKBOOKS,
    SUPPLIER,
    *AFTER_SUPPLIER,
    Column("reference", "Supplier's no.", lambda r: r.reference or ""),
    Column("po_number", "PO", lambda r: r.po_number or ""),
)

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the DocumentRow itself


class DocumentTableModel(ColumnsModel):
    """POs or invoices; column 0 is the number, one column is the QuickBooks state."""

    sort_requested = Signal(str, bool)  # sort key, descending: the caller fetches again

    def __init__(self, kind: DocKind, fetch: Fetch, parent: Any = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.columns: tuple[Column, ...] = (INVOICE_COLUMNS if kind is DocKind.INVOICE
                                             else PO_COLUMNS)
        self._fetch = fetch
        self._query = ListQuery(limit=PAGE)
        self._rows: list[DocumentRow] = []
        self._more = False
        self._fetching = False

    # --- what the view asks -------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:  # the QuickBooks column's problem in full
            return state_text(row.sync_state, row.problem) if column.key == "sync_state" \
                else column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column.right else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if column.key == "sync_state":
            if role == Qt.ItemDataRole.ForegroundRole:
                return state_colour(SyncState(row.sync_state))  # light or dark
            if role == Qt.ItemDataRole.DecorationRole:
                return state_icon(SyncState(row.sync_state))
        if role == ROW_ROLE:
            return row
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting is the store's job: say which, and let the caller fetch again."""
        if 0 <= column < len(self.columns):
            self.sort_requested.emit(self.columns[column].key,
                                     order == Qt.SortOrder.DescendingOrder)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._fetching

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more or self._fetching:
            return
        self._fetching = True  # a view may ask again while rows are being inserted
        try:
            page = self._fetch(replace(self._query, offset=len(self._rows), limit=PAGE))
            self._more = len(page) == PAGE
            if page:
                first = len(self._rows)
                self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
                self._rows.extend(page)
                self.endInsertRows()
        finally:
            self._fetching = False

    # --- what the window does -----------------------------------------------------------

    @property
    def query(self) -> ListQuery:
        return self._query

    def show(self, query: ListQuery, first_page: Sequence[DocumentRow]) -> None:
        """Replace every row with ``first_page``, the answer to ``query`` (fetched by the
        caller, off the GUI thread); more pages follow as the view scrolls."""
        self.beginResetModel()
        self._query = replace(query, offset=0, limit=PAGE)
        self._rows = list(first_page)
        self._more = len(first_page) >= PAGE
        self.endResetModel()

    def row(self, position: int) -> DocumentRow | None:
        return self._rows[position] if 0 <= position < len(self._rows) else None

    def position(self, number: str) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.number == number), None)

    def replace_row(self, row: DocumentRow) -> bool:
        """Show ``row``'s new values in place (no reload); False when it is not shown."""
        at = self.position(row.number)
        if at is None:
            return False
        self._rows[at] = row
        self.dataChanged.emit(self.index(at, 0), self.index(at, len(self.columns) - 1))
        return True

    def column_of(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)
