"""The filter bar above the PO and invoice tables: free text, status, sync state (with
counts), supplier, date range. It says what to show; the tables ask the store.

Each kind (POs, invoices) keeps its own filter: switching pages puts back the filter
last used on that page. Typing applies at once (keystrokes arriving together go as
one); the table never has more than one query out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import (
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    QSignalBlocker,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionComboBox,
    QStyleOptionViewItem,
    QStylePainter,
    QWidget,
)

from app.domain.states import NEEDS_ATTENTION_FILTER, DocKind, SyncState
from app.services.documents import statuses
from app.services.documents_views import FilterCounts, ListQuery
from ui.context import UiContext
from ui.flow_layout import FlowLayout
from ui.models.documents import status_words

# Keystrokes handled in one turn of the event loop go as one query; the table then sends
# one query at a time, the latest when the one out answers (ui/documents_view.py).
DEBOUNCE_MS = 0

# syncFilterCombo's items: (text, sync_state filter)
SYNC_CHOICES = (
    ("All", None),
    ("Synced", SyncState.SYNCED.value),
    ("Not synced", SyncState.NOT_SYNCED.value),
    ("Queued", SyncState.QUEUED.value),
    ("Needs attention", NEEDS_ATTENTION_FILTER),
    ("Excluded", SyncState.EXCLUDED.value),
)
ALL_STATUSES = "All statuses"
ALL_SUPPLIERS = "All suppliers"
WIDEST_COUNT = "1,000+"  # the sync combo is sized for its widest name and this count
COUNT_ROLE = Qt.ItemDataRole.UserRole + 1  # syncFilterCombo: the count shown ("12", "1,000+")
COUNT_GAP = 16  # between a state's name and its count
COUNT_MARGIN = 4  # after the count


class CountDelegate(QStyledItemDelegate):
    """The open list of ``syncFilterCombo``: each state's name, its count right-aligned."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        super().paint(painter, option, index)
        count = index.data(COUNT_ROLE)
        if not count:
            return
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        palette = option.palette  # type: ignore[attr-defined]
        painter.save()
        painter.setPen(palette.color(QPalette.ColorRole.HighlightedText if selected
                                     else QPalette.ColorRole.Text))
        area = option.rect.adjusted(0, 0, -COUNT_MARGIN, 0)  # type: ignore[attr-defined]
        painter.drawText(area, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         str(count))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        metrics = option.fontMetrics  # type: ignore[attr-defined]
        return QSize(size.width() + COUNT_GAP + COUNT_MARGIN
                     + metrics.horizontalAdvance(WIDEST_COUNT), size.height())


class SyncStateCombo(QComboBox):
    """``syncFilterCombo``: each item's text is its plain name ("Needs attention"); its count
    (``COUNT_ROLE``, once known) shows right-aligned in the open list, after the name on the
    closed combo, and in the tooltips. The combo is sized for the widest name and count, so
    counts never move it."""

    def __init__(self, parent: QWidget | None = None, objectName: str = "") -> None:
        super().__init__(parent, objectName=objectName)
        for text, state in SYNC_CHOICES:
            self.addItem(text, state)
        self.setItemDelegate(CountDelegate(self))
        self.currentIndexChanged.connect(lambda _i: self._tell())
        self._tell()

    def count_of(self, index: int) -> str | None:
        """The count shown for item ``index`` ("12", "1,000+"), None until known."""
        return self.itemData(index, COUNT_ROLE)

    def show_counts(self, counts: list[str | None]) -> None:
        for i, count in enumerate(counts):
            self.setItemData(i, count, COUNT_ROLE)
            name = self.itemText(i)
            words = f"{name}: {count} documents" if count else name
            self.setItemData(i, words, Qt.ItemDataRole.ToolTipRole)
            self.setItemData(i, words, Qt.ItemDataRole.AccessibleDescriptionRole)
        self._tell()
        self.update()

    def _tell(self) -> None:
        count = self.count_of(self.currentIndex())
        where = f" ({self.currentText()}: {count} documents)" if count else ""
        self.setToolTip(f"Show documents by where they stand with QuickBooks{where}")

    def sizeHint(self) -> QSize:
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        metrics = self.fontMetrics()
        widest = max(metrics.horizontalAdvance(text) for text, _state in SYNC_CHOICES)
        contents = QSize(widest + COUNT_GAP + metrics.horizontalAdvance(WIDEST_COUNT),
                         metrics.height())
        return self.style().sizeFromContents(QStyle.ContentsType.CT_ComboBox, option,
                                             contents, self)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)
        count = self.count_of(self.currentIndex())
        if count:
            field = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                                QStyle.SubControl.SC_ComboBoxEditField, self)
            painter.setPen(self.palette().color(QPalette.ColorRole.ButtonText))
            painter.drawText(field.adjusted(0, 0, -COUNT_MARGIN, 0),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, count)


@dataclass(frozen=True)
class _Saved:
    """One page's filter, put back when the user comes back to that page."""

    text: str = ""
    status: str | None = None
    sync: int = 0
    supplier: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class FilterBar(QWidget):
    """One bar for both document tables; ``changed`` fires (debounced while typing)."""

    changed = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.kind = DocKind.PO
        self._saved: dict[DocKind, _Saved] = {}
        self._counts: dict[DocKind, FilterCounts] = {}

        self.text = QLineEdit(self, objectName="filterEdit",
                              accessibleName="Filter by number, supplier or reference")
        self.text.setPlaceholderText("Filter by number, supplier or reference")
        self.text.setClearButtonEnabled(True)

        self.status = QComboBox(self, objectName="statusFilterCombo",
                                accessibleName="Status")
        self.status.setToolTip("Show documents in one status")
        self._fill_statuses()

        self.sync = SyncStateCombo(self, objectName="syncFilterCombo")
        self.sync.setAccessibleName("QuickBooks state")

        self.supplier = QComboBox(self, objectName="supplierFilterCombo",
                                  accessibleName="Supplier")
        self.supplier.setEditable(True)
        self.supplier.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.supplier.addItem(ALL_SUPPLIERS)
        self.supplier.setToolTip("Show one supplier's documents (type to find a name)")
        self.supplier.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.supplier.setMinimumContentsLength(14)
        completer = QCompleter(self.supplier.model(), self.supplier)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.supplier.setCompleter(completer)
        self._supplier_shown = ""  # the supplier of the last filter applied

        today = QDate.currentDate()
        self.from_check = QCheckBox("Dated from", self, objectName="dateFromCheck")
        self.date_from = QDateEdit(QDate(today.year(), 1, 1), self, objectName="dateFromEdit",
                                   accessibleName="Dated from")
        self.to_check = QCheckBox("to", self, objectName="dateToCheck",
                                  accessibleName="Dated to")
        self.date_to = QDateEdit(today, self, objectName="dateToEdit",
                                 accessibleName="Dated to")
        for check, edit in ((self.from_check, self.date_from), (self.to_check, self.date_to)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            check.setToolTip("Only documents dated on or after / on or before this day")
            check.toggled.connect(edit.setEnabled)
            check.toggled.connect(lambda _on: self.changed.emit())
            edit.dateChanged.connect(lambda _d, c=check: c.isChecked() and self.changed.emit())

        self._typing = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._typing.timeout.connect(self.changed)
        self.text.textChanged.connect(lambda _t: self._typing.start())
        self.status.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.sync.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.supplier.currentIndexChanged.connect(lambda _i: self._supplier_picked())
        self.supplier.lineEdit().editingFinished.connect(self._supplier_picked)

        # One row on a wide window; on a narrow one the groups wrap onto more rows (a label
        # stays with its choice, the date range stays together).
        self.text.setMinimumWidth(  # the hint whole, and room for the clear button
            self.text.fontMetrics().horizontalAdvance(self.text.placeholderText()) + 40)
        layout = FlowLayout(self, spacing=12)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.add(self.text, 3)
        layout.add(self._group(self._label("&QuickBooks:", self.sync), self.sync))
        layout.add(self._group(self._label("S&tatus:", self.status), self.status))
        layout.add(self._group(self._label("S&upplier:", self.supplier), self.supplier), 1)
        layout.add(self._group(self.from_check, self.date_from, self.to_check, self.date_to))

    def _group(self, *widgets: QWidget) -> QWidget:
        """Widgets kept side by side on one row of the bar."""
        group = QWidget(self)
        row = QHBoxLayout(group)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        for widget in widgets:
            row.addWidget(widget, 1 if isinstance(widget, QComboBox) else 0)
        return group

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)  # Alt and the underlined letter goes to the choice
        return label

    # --- choices ------------------------------------------------------------------------

    def _fill_statuses(self) -> None:
        with QSignalBlocker(self.status):
            self.status.clear()
            self.status.addItem(ALL_STATUSES, None)
            for status in statuses(self.kind):
                self.status.addItem(status_words(status), status)

    def load_suppliers(self) -> None:
        """Ask the store for the suppliers' names (off the GUI thread); with no company
        open (a first run) there are none yet: the window asks again when one opens."""
        if self._ctx.services is None:
            return
        documents = self._ctx.services.documents
        self._ctx.tasks.start(
            lambda progress, cancel: [s.name for s in documents.suppliers()],
            "supplier names", on_success=self._suppliers_loaded)

    def _suppliers_loaded(self, names: list[str]) -> None:
        with QSignalBlocker(self.supplier):
            typed = self.supplier.currentText()
            self.supplier.clear()
            self.supplier.addItem(ALL_SUPPLIERS)
            self.supplier.addItems(names)
            self.supplier.setCurrentText(typed or ALL_SUPPLIERS)

    def _supplier_name(self) -> str:
        name = self.supplier.currentText().strip()
        return "" if name == ALL_SUPPLIERS else name

    def _supplier_picked(self) -> None:
        if self._supplier_name() != self._supplier_shown:
            self._supplier_shown = self._supplier_name()
            self.changed.emit()

    # --- pages --------------------------------------------------------------------------

    def set_kind(self, kind: DocKind) -> None:
        """Show ``kind``'s filter: the one last used on its page (the other page's is kept)."""
        if kind is self.kind and kind in self._saved:
            return
        self._saved[self.kind] = self._state()
        self.kind = kind
        self._fill_statuses()
        self._restore(self._saved.get(kind, _Saved()))
        if kind in self._counts:
            self.show_counts(self._counts[kind], kind)

    def _state(self) -> _Saved:
        return _Saved(self.text.text(), self.status.currentData(), self.sync.currentIndex(),
                      self._supplier_name(), self._from(), self._to())

    def _restore(self, saved: _Saved) -> None:
        widgets = (self.text, self.status, self.sync, self.supplier, self.from_check,
                   self.to_check, self.date_from, self.date_to)
        blockers = [QSignalBlocker(w) for w in widgets]
        self._typing.stop()
        self.text.setText(saved.text)
        self.status.setCurrentIndex(max(self.status.findData(saved.status), 0))
        self.sync.setCurrentIndex(saved.sync)
        self.supplier.setCurrentText(saved.supplier or ALL_SUPPLIERS)
        self._supplier_shown = saved.supplier
        for check, edit, day in ((self.from_check, self.date_from, saved.date_from),
                                 (self.to_check, self.date_to, saved.date_to)):
            check.setChecked(day is not None)
            edit.setEnabled(day is not None)
            if day is not None:
                edit.setDate(_qdate(day))
        del blockers

    # --- what the tables ask ------------------------------------------------------------

    def _from(self) -> date | None:
        return _date(self.date_from.date()) if self.from_check.isChecked() else None

    def _to(self) -> date | None:
        return _date(self.date_to.date()) if self.to_check.isChecked() else None

    def query(self) -> ListQuery:
        """What the bar asks for now (sort and paging are the table's)."""
        return ListQuery(text=self.text.text().strip() or None,
                         status=self.status.currentData(),
                         sync_state=SYNC_CHOICES[max(self.sync.currentIndex(), 0)][1],
                         supplier=self._supplier_name() or None,
                         date_from=self._from(), date_to=self._to())

    def show_counts(self, counts: FilterCounts, kind: DocKind | None = None) -> None:
        """Each sync state's count beside its name ("Needs attention  12"; ``All``: every
        document). The items keep their names, order and size; another page's counts wait
        for that page."""
        kind = kind or self.kind
        self._counts[kind] = counts
        if kind is not self.kind:
            return
        self.sync.show_counts([str(counts.total if state is None else counts[state])
                               for _text, state in SYNC_CHOICES])
