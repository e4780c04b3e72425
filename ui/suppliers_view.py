"""The suppliers page: every supplier with its QuickBooks link (the linked vendor, active or
inactive in QuickBooks) and how many of its documents need attention.

The rows are asked of the documents service off the GUI thread each time the page
shows (and after a sync); an answer older than the latest question is dropped.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.documents_views import SupplierOverview
from ui.context import UiContext
from ui.models.suppliers import SupplierTableModel
from ui.tables import style_table

SAMPLES = {"name": "Meridian Insurance Brokers", "attention": "Needs attention",
           "currency": "Currency", "active": "Active",
           "quickbooks": "Linked by name to Harbor Freight Lines (inactive in QuickBooks)"}
PADDING = 18


class SuppliersView(QWidget):
    loaded = Signal()  # new rows are shown

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._asked = 0
        self.search = QLineEdit(self, objectName="supplierSearchEdit",
                                accessibleName="Find a supplier")
        self.search.setPlaceholderText("Find a supplier by name")
        self.search.setClearButtonEnabled(True)
        self._typing = QTimer(self, singleShot=True, interval=150)
        self._typing.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._typing.start())
        self.model = SupplierTableModel(self)
        self.table = QTableView(self, objectName="supplierTable", accessibleName="Suppliers")
        self.table.setModel(self.model)
        style_table(self.table)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        metrics = self.table.fontMetrics()
        for i, column in enumerate(self.model.columns):
            if column.key in SAMPLES:
                header.resizeSection(i, metrics.horizontalAdvance(SAMPLES[column.key]) + PADDING
                                     + (20 if column.key == "quickbooks" else 0))
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        """Ask the store for the suppliers again (off the GUI thread)."""
        self._asked += 1
        number, documents = self._asked, self._ctx.services.documents
        search = self.search.text().strip() or None
        self._ctx.tasks.start(lambda progress, cancel: documents.supplier_overview(search),
                              "suppliers", on_success=lambda rows: self._answered(number, rows))

    def _answered(self, number: int, rows: list[SupplierOverview]) -> None:
        if number != self._asked:
            return  # an older question's answer
        self.model.show(rows)
        self.loaded.emit()
