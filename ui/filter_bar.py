"""The filter bar above the PO and invoice tables: free text, status, sync state (with
counts), supplier, date range. It says what to show; the tables ask the store."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from app.domain.states import NEEDS_ATTENTION_FILTER, DocKind, SyncState
from app.services.documents_views import FilterCounts, ListQuery
from ui.context import UiContext

DEBOUNCE_MS = 150  # typing pauses this long before the table asks the store

# syncFilterCombo's items: (text, sync_state filter)
SYNC_CHOICES = (
    ("All", None),
    ("Synced", SyncState.SYNCED.value),
    ("Not synced", SyncState.NOT_SYNCED.value),
    ("Queued", SyncState.QUEUED.value),
    ("Needs attention", NEEDS_ATTENTION_FILTER),
    ("Excluded", SyncState.EXCLUDED.value),
)


class FilterBar(QWidget):
    """One bar for both document tables; ``changed`` fires (debounced while typing)."""

    changed = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.kind = DocKind.PO
        self.text = QLineEdit(self, objectName="filterEdit")
        self.text.setPlaceholderText("Filter by number, supplier or reference")
        self.text.setClearButtonEnabled(True)
        self.sync = QComboBox(self, objectName="syncFilterCombo")
        for text, _state in SYNC_CHOICES:
            self.sync.addItem(text)
        self._typing = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._typing.timeout.connect(self.changed)
        self.text.textChanged.connect(lambda _t: self._typing.start())
        self.sync.currentIndexChanged.connect(lambda _i: self.changed.emit())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text, 3)
        layout.addWidget(self.sync, 1)

    def set_kind(self, kind: DocKind) -> None:
        self.kind = kind

    def query(self) -> ListQuery:
        """What the bar asks for now (sort and paging are the table's)."""
        return ListQuery(text=self.text.text().strip() or None,
                         sync_state=SYNC_CHOICES[max(self.sync.currentIndex(), 0)][1])

    def show_counts(self, counts: FilterCounts) -> None:
        """Each sync state's item with its count: "Needs attention (12)"."""
        for i, (text, state) in enumerate(SYNC_CHOICES):
            if state is not None:
                self.sync.setItemText(i, f"{text} ({counts[state]})")
