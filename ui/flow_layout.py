"""A layout that puts its widgets in a row and wraps them onto more rows when the row is too
narrow (the filter bar on a small screen). Each row's spare width goes to the widgets added
with a stretch, in proportion, so a wide window still fills the row.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget, QWidgetItem


class FlowLayout(QLayout):
    def __init__(self, parent: QWidget | None = None, spacing: int = 6,
                 row_spacing: int = 4) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._stretch: list[int] = []
        self._spacing = spacing
        self._row_spacing = row_spacing

    # --- what is in it ---------------------------------------------------------------------

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)
        self._stretch.append(0)

    def add(self, widget: QWidget, stretch: int = 0) -> None:
        """Add ``widget``; a stretch > 0 takes a share of its row's spare width."""
        self.addChildWidget(widget)
        self._items.append(QWidgetItem(widget))
        self._stretch.append(stretch)
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        if not 0 <= index < len(self._items):
            return None
        self._stretch.pop(index)
        return self._items.pop(index)

    # --- sizes -----------------------------------------------------------------------------

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation.Horizontal

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), move=False)

    def sizeHint(self) -> QSize:
        """Everything on one row."""
        shown = self._shown()
        width = sum(i.sizeHint().width() for i, _s in shown) + self._spacing * max(
            len(shown) - 1, 0)
        height = max((i.sizeHint().height() for i, _s in shown), default=0)
        return self._with_margins(QSize(width, height))

    def minimumSize(self) -> QSize:
        """The widest single widget: anything narrower than the row wraps."""
        shown = self._shown()
        width = max((i.minimumSize().width() for i, _s in shown), default=0)
        height = max((i.minimumSize().height() for i, _s in shown), default=0)
        return self._with_margins(QSize(width, height))

    def _with_margins(self, size: QSize) -> QSize:
        margins: QMargins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    # --- placing ---------------------------------------------------------------------------

    def _shown(self) -> list[tuple[QLayoutItem, int]]:
        return [(item, stretch) for item, stretch in zip(self._items, self._stretch, strict=True)
                if not item.isEmpty()]

    def _rows(self, width: int) -> list[list[tuple[QLayoutItem, int]]]:
        rows: list[list[tuple[QLayoutItem, int]]] = []
        used = 0
        for item, stretch in self._shown():
            wanted = item.sizeHint().width()
            if rows and used + self._spacing + wanted <= width:
                rows[-1].append((item, stretch))
                used += self._spacing + wanted
            else:
                rows.append([(item, stretch)])
                used = wanted
        return rows

    def _place(self, rect: QRect, *, move: bool) -> int:
        """Lay the widgets out in ``rect`` (when ``move``); the height they need."""
        margins = self.contentsMargins()
        inner = rect.marginsRemoved(margins)
        width = max(inner.width(), 0)
        y = inner.y()
        for number, row in enumerate(self._rows(width)):
            if number:
                y += self._row_spacing
            widths = [max(min(i.sizeHint().width(), width), i.minimumSize().width())
                      for i, _s in row]
            spare = width - sum(widths) - self._spacing * (len(row) - 1)
            stretch = sum(s for _i, s in row)
            if spare > 0 and stretch:
                shares = [spare * s // stretch for _i, s in row]
                shares[max(range(len(row)), key=lambda k: row[k][1])] += spare - sum(shares)
                widths = [w + share for w, share in zip(widths, shares, strict=True)]
            height = max(i.sizeHint().height() for i, _s in row)
            x = inner.x()
            for (item, _s), item_width in zip(row, widths, strict=True):
                if move:
                    top = y + (height - item.sizeHint().height()) // 2
                    item.setGeometry(QRect(QPoint(x, top),
                                           QSize(item_width, item.sizeHint().height())))
                x += item_width + self._spacing
            y += height
        return y - inner.y() + margins.top() + margins.bottom()
