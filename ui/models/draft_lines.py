"""The lines of a PO or invoice being edited: an editable table model over draft lines.

Each cell holds the text as typed (the core parses and checks it on Save). Typing a
quantity and a unit price fills in the amount (qty × unit price, as the core computes
it). A cell the core refused shows its reason (tooltip, a tinted background); ``total``
adds up the amounts that read as money.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QGuiApplication

from app.domain.money import MoneyError, display_money, line_amount, parse_money, parse_quantity
from app.services.drafts import DraftLine
from ui.field_marks import error_background

Index = QModelIndex | QPersistentModelIndex
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True)
class LineColumn:
    key: str
    title: str
    right: bool = False


PO_COLUMNS = (LineColumn("description", "Description"), LineColumn("account", "Account"),
              LineColumn("item", "Item"), LineColumn("qty", "Qty", True),
              LineColumn("unit_price", "Unit price", True), LineColumn("amount", "Amount", True))
INVOICE_COLUMNS = (*PO_COLUMNS, LineColumn("po_line", "PO line", True))


def _decimal(text: str, money: bool = False) -> Decimal | None:
    try:
        return parse_money(text) if money else parse_quantity(text)
    except MoneyError:
        return None


class DraftLinesModel(QAbstractTableModel):
    changed = Signal()  # a cell, a line added or removed: the total and "unsaved" follow

    def __init__(self, invoice: bool, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = INVOICE_COLUMNS if invoice else PO_COLUMNS
        self._rows: list[dict[str, Any]] = []
        self._errors: dict[tuple[int, str], str] = {}
        self.editable = True

    # --- the lines -------------------------------------------------------------------------

    def set_lines(self, lines: tuple[DraftLine, ...]) -> None:
        self.beginResetModel()
        self._rows = [{**{c.key: line.text(c.key) for c in self.columns}, "line": line.line}
                      for line in lines]
        self._errors = {}
        self.endResetModel()
        self.changed.emit()

    def lines(self) -> tuple[DraftLine, ...]:
        return tuple(DraftLine(**{c.key: row[c.key].strip() for c in self.columns},
                               line=row["line"]) for row in self._rows)

    def add_line(self) -> int:
        at = len(self._rows)
        self.beginInsertRows(QModelIndex(), at, at)
        self._rows.append({**{c.key: "" for c in self.columns}, "line": None})
        self.endInsertRows()
        self.changed.emit()
        return at

    def remove_rows(self, rows: list[int]) -> None:
        for row in sorted(set(rows), reverse=True):
            if 0 <= row < len(self._rows):
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
        self._errors = {}  # they name rows by position: the next Save says them anew
        self.changed.emit()

    def total(self) -> Decimal:
        return sum((_decimal(row["amount"], money=True) or Decimal("0") for row in self._rows),
                   Decimal("0.00"))

    def total_text(self) -> str:
        return display_money(self.total())

    # --- errors ----------------------------------------------------------------------------

    def set_errors(self, errors: dict[tuple[int, str], str]) -> None:
        """Reasons by (row from 0, column key); a key of no column goes to the amount."""
        keys = {c.key for c in self.columns}
        self._errors = {(row, key if key in keys else "amount"): reason
                        for (row, key), reason in errors.items()}
        if self._rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, len(self.columns) - 1))

    def error(self, row: int, key: str) -> str | None:
        return self._errors.get((row, key))

    def column_of(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    # --- the model -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].title
            if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[section].right:
                return RIGHT
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return flags | Qt.ItemFlag.ItemIsEditable if self.editable else flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        column = self.columns[index.column()]
        text = self._rows[index.row()][column.key]
        reason = self._errors.get((index.row(), column.key))
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if role == Qt.ItemDataRole.DisplayRole and column.key == "amount" and text:
                value = _decimal(text, money=True)
                return display_money(value) if value is not None else text
            return text
        if role == Qt.ItemDataRole.TextAlignmentRole and column.right:
            return RIGHT
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            return reason
        if role == Qt.ItemDataRole.BackgroundRole and reason:
            return error_background(QGuiApplication.palette())
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or not self.editable:
            return False
        row = self._rows[index.row()]
        key = self.columns[index.column()].key
        text = "" if value is None else str(value)
        if row[key] == text:
            return False
        row[key] = text
        self._errors.pop((index.row(), key), None)
        changed = [index]
        if key in ("qty", "unit_price"):
            qty, price = _decimal(row["qty"]), _decimal(row["unit_price"])
            if qty is not None and price is not None:
                row["amount"] = str(line_amount(qty, price))
                changed.append(self.index(index.row(), self.column_of("amount")))
        if key == "account" and text.strip():  # a line has an account or an item
            row["item"] = ""
            changed.append(self.index(index.row(), self.column_of("item")))
        if key == "item" and text.strip():
            row["account"] = ""
            changed.append(self.index(index.row(), self.column_of("account")))
        for done in changed:
            self.dataChanged.emit(done, done)
        self.changed.emit()
        return True
