"""The suppliers table's model: every supplier with its QuickBooks link and how many of its
documents need attention (the service's rows; a few hundred at most, held whole)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from app.domain.states import SyncState
from app.services.documents_views import SupplierOverview
from ui.models.columns import ColumnsModel
from ui.state_icons import state_icon
from ui.theme import ERROR, pick

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the SupplierOverview itself


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    text: Callable[[SupplierOverview], str]
    order: Callable[[SupplierOverview], Any]
    right: bool = False


def _attention(row: SupplierOverview) -> str:
    return f"{row.needs_attention:,}" if row.needs_attention else "—"


COLUMNS = (
    Column("name", "Name", lambda r: r.name, lambda r: r.name.casefold()),
    Column("quickbooks", "QuickBooks", lambda r: r.quickbooks,
           lambda r: (r.qbo_vendor_id is None, r.qbo_active is False, r.quickbooks)),
    Column("attention", "Needs attention", _attention, lambda r: r.needs_attention,
           right=True),
    Column("currency", "Currency", lambda r: r.currency, lambda r: r.currency),
    Column("active", "Active", lambda r: "Yes" if r.active else "No", lambda r: r.active),
    Column("email", "Email", lambda r: r.email or "", lambda r: (r.email or "").casefold()),
)


def _icon(row: SupplierOverview) -> Any:
    if not row.qbo_vendor_id:
        return state_icon(SyncState.NOT_SYNCED)
    return state_icon(SyncState.BLOCKED if row.qbo_active is False else SyncState.SYNCED)


class SupplierTableModel(ColumnsModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = COLUMNS
        self._rows: list[SupplierOverview] = []
        self._sort = (0, Qt.SortOrder.AscendingOrder)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and column.key == "quickbooks" \
                and row.qbo_vendor_id:  # the vendor's id, for whoever looks it up in QuickBooks
            return f"{column.text(row)} — {row.vendor_id_text}"
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column.right else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.DecorationRole and column.key == "quickbooks":
            return _icon(row)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column.key == "attention" and row.needs_attention:
                return pick(ERROR)
            if column.key == "quickbooks" and row.qbo_active is False:
                return pick(ERROR)
        if role == ROW_ROLE:
            return row
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """A few hundred rows: sorted here, in Python."""
        if not 0 <= column < len(self.columns):
            return
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        before = list(self._rows)
        self._rows.sort(key=self.columns[column].order,
                        reverse=order == Qt.SortOrder.DescendingOrder)
        moved = {id(r): i for i, r in enumerate(self._rows)}
        old = self.persistentIndexList()
        self.changePersistentIndexList(
            old, [self.index(moved[id(before[i.row()])], i.column()) for i in old])
        self.layoutChanged.emit()

    def show(self, rows: Sequence[SupplierOverview]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._rows.sort(key=self.columns[self._sort[0]].order,
                        reverse=self._sort[1] == Qt.SortOrder.DescendingOrder)
        self.endResetModel()

    def row(self, position: int) -> SupplierOverview | None:
        return self._rows[position] if 0 <= position < len(self._rows) else None
