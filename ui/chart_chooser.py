"""Choosing a name from a list as you type: a supplier, an account or an item (the
QuickBooks lists, ``services.documents.accounts()``/``items()``, read in a worker).

``name_combo`` is an editable combo box whose completer matches anywhere in the name;
``ChooserDelegate`` puts one into a table cell (the account and item columns of the
lines table). Typing a name not in the list is allowed: the core says whether it exists.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

Index = QModelIndex | QPersistentModelIndex


def name_combo(name: str, accessible: str, parent: QWidget | None = None) -> QComboBox:
    combo = QComboBox(parent, objectName=name)
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.setAccessibleName(accessible)
    combo.setMaxVisibleItems(15)
    completer = combo.completer()
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    return combo


def fill(combo: QComboBox, names: list[str]) -> None:
    """The combo's list, keeping what is typed in it."""
    typed = combo.currentText()
    combo.blockSignals(True)
    combo.clear()
    combo.addItems(names)
    combo.setCurrentIndex(-1)
    combo.setEditText(typed)
    combo.blockSignals(False)


class ChooserDelegate(QStyledItemDelegate):
    """A name chooser in a table cell; ``names()`` gives the list when the cell is edited."""

    def __init__(self, names: Callable[[], list[str]], what: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names = names
        self._what = what

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index
                     ) -> QWidget:
        combo = name_combo(f"{self._what}Chooser", f"Choose the {self._what}", parent)
        combo.addItems(self._names())
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        text = str(index.data(Qt.ItemDataRole.EditRole) or "")
        found = editor.findText(text)
        editor.setCurrentIndex(found)
        editor.setEditText(text)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText().strip(), Qt.ItemDataRole.EditRole)
