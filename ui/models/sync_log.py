"""The Sync Log page's model: the filtered sync log, newest first, a page at a time.

The rows come from the sync log service (``services.sync_log.page``), filtered and ordered
in SQL. The caller fetches the first page off the GUI thread and hands it over with
``show``; the next pages follow as the view scrolls (``canFetchMore`` / ``fetchMore``: a
local indexed query, the one store call allowed on the GUI thread).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from app.domain.events import LogResult
from app.domain.states import SyncState
from app.services.sync_log import LogFilter, LogPage, LogRow
from ui.models.columns import ColumnsModel
from ui.state_icons import state_icon
from ui.theme import ERROR, SUCCESS, pick

PAGE = 100  # rows fetched at a time

Index = QModelIndex | QPersistentModelIndex
Fetch = Callable[[LogFilter, int, int], LogPage]  # filter, offset, limit

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the LogRow itself

#: A result's badge: the document tables' icon of the state it leaves a document in.
RESULT_STATES = {LogResult.SUCCESS: SyncState.SYNCED, LogResult.FAILED: SyncState.FAILED,
                 LogResult.BLOCKED: SyncState.BLOCKED}
RESULT_WORDS = {LogResult.SUCCESS: "Success", LogResult.FAILED: "Failed",
                LogResult.BLOCKED: "Blocked"}
RESULT_COLOURS = {LogResult.SUCCESS: SUCCESS, LogResult.FAILED: ERROR,
                  LogResult.BLOCKED: ERROR}  # (light, dark): ``ui.theme.pick``
#: How the log's operations read ("preflight" is SyncDesk's own check before sending).
OPERATION_WORDS = {"create": "Create", "update": "Update", "close": "Close",
                   "adopt": "Found in QuickBooks", "preflight": "Check before sending",
                   "pull": "Pull QuickBooks' changes",
                   "pull-full": "Pull everything from QuickBooks",
                   "pull-changes": "Pull QuickBooks' changes", "skip": "Skipped"}


def result_word(result: str) -> str:
    try:
        return RESULT_WORDS[LogResult(result)]
    except ValueError:
        return result.capitalize()


def operation_word(operation: str) -> str:
    return OPERATION_WORDS.get(operation, operation.replace("-", " ").capitalize())


def document_text(row: LogRow) -> str:
    """"PO-1061"; a dash for a row about no document (a pull: its operation says so)."""
    return row.document or "—"


def _result(row: LogRow) -> str:
    word = result_word(row.result)
    return f"{word}: {row.problem_label}" if row.problem_label else word


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    text: Callable[[LogRow], str]
    right: bool = False


COLUMNS = (
    Column("when", "When (UTC)", lambda r: r.when),
    Column("document", "Document", document_text),
    Column("operation", "Operation", lambda r: operation_word(r.operation)),
    Column("result", "Result", _result),
    Column("code", "Code", lambda r: r.code or ""),
    Column("message", "Message", lambda r: r.message or ""),
)


class SyncLogModel(ColumnsModel):
    """The rows fetched so far of one filter's answer; ``total`` rows match in all."""

    def __init__(self, fetch: Fetch, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = COLUMNS
        self._fetch = fetch
        self._filter = LogFilter()
        self._rows: list[LogRow] = []
        self._more = False
        self._fetching = False
        self.total = 0

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return column.text(row)
        if role == ROW_ROLE:
            return row
        if column.key != "result":
            return None
        try:
            result = LogResult(row.result)
        except ValueError:
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            return state_icon(RESULT_STATES[result])
        if role == Qt.ItemDataRole.ForegroundRole:
            return pick(RESULT_COLOURS[result])
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._fetching

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more or self._fetching:
            return
        self._fetching = True  # a view may ask again while rows are being inserted
        try:
            page = self._fetch(self._filter, len(self._rows), PAGE)
            known = {r.id for r in self._rows}
            # Rows logged since the first page push older ones down: never show one twice.
            new = [r for r in page.rows if r.id not in known]
            self._more = page.has_more and bool(page.rows)
            self.total = page.total
            if new:
                first = len(self._rows)
                self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
                self._rows.extend(new)
                self.endInsertRows()
        finally:
            self._fetching = False

    # --- what the page does -------------------------------------------------------------

    @property
    def filter(self) -> LogFilter:
        return self._filter

    def show(self, where: LogFilter, first_page: LogPage) -> None:
        """Replace every row with ``first_page``, the answer to ``where`` (fetched by the
        caller off the GUI thread); more pages follow as the view scrolls."""
        self.beginResetModel()
        self._filter = where
        self._rows = list(first_page.rows)
        self._more = first_page.has_more
        self.total = first_page.total
        self.endResetModel()

    def row(self, position: int) -> LogRow | None:
        return self._rows[position] if 0 <= position < len(self._rows) else None

    def position(self, entry_id: int) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.id == entry_id), None)
