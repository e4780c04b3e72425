"""The dashboard's chart: sync results per day (the last 30 UTC days, today last) as
stacked bars — synced, failed, blocked — drawn with QPainter (no chart library).

Colours come from the palette (text, grid, background) and, for the three results, from a
pair per result chosen to stand out on a light and on a dark background alike; the bars
also differ by place in the stack and the legend names them, so colour is never the only
clue. Hovering a bar shows that day's numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QHelpEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from app.domain.states import SyncState
from app.domain.wording import state_name
from app.services.dashboard_views import DayResults
from app.text import upper_first

# (result, light-scheme colour, dark-scheme colour); bottom of the stack first. A day's
# attempts ended as the document states of the same names.
SERIES = ((SyncState.SYNCED, "#2e7d32", "#5cc26a"),
          (SyncState.FAILED, "#c62828", "#ff6f6f"),
          (SyncState.BLOCKED, "#b35c00", "#ffab4a"))
LABEL_EVERY = 7  # days between two dates under the bars (counted back from today)
EMPTY_WORDS = "No documents were sent to QuickBooks in these 30 days."


def day_words(day: date) -> str:
    """"1 Dec", as under a bar."""
    return f"{day.day} {day:%b}"


def results_words(results: DayResults) -> str:
    """"1 Dec 2026: 75 synced, 8 blocked" (the day's numbers, in plain words)."""
    parts = [f"{n} {state_name(key)}" for key, n in counts(results) if n]
    return f"{results.day.day} {results.day:%b %Y}: " + (", ".join(parts) or "nothing sent")


def counts(results: DayResults) -> tuple[tuple[SyncState, int], ...]:
    """The day's numbers in the stack's order: synced, failed, blocked."""
    return ((SyncState.SYNCED, results.success), (SyncState.FAILED, results.failed),
            (SyncState.BLOCKED, results.blocked))


def nice_top(value: int) -> tuple[int, int]:
    """The y axis' top and step for a day of ``value`` documents: at most five steps of
    1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 4, 1
    power = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * power
            steps = -(-value // step)
            if steps <= 5:
                return steps * step, step
        power *= 10


class ResultsChart(QWidget):
    """Stacked bars of ``DayResults`` (``set_days``), oldest left, today right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="resultsChart")
        self.days: tuple[DayResults, ...] = ()
        self.setAccessibleName("Sync results per day, last 30 days")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(640, 220)

    def minimumSizeHint(self) -> QSize:
        return QSize(320, 170)

    def set_days(self, days: Sequence[DayResults]) -> None:
        self.days = tuple(days)
        self.setAccessibleDescription(self.summary())
        self.update()

    # --- words ---------------------------------------------------------------------------

    def totals(self) -> dict[SyncState, int]:
        totals = {key: 0 for key, _light, _dark in SERIES}
        for day in self.days:
            for key, n in counts(day):
                totals[key] += n
        return totals

    def summary(self) -> str:
        """What the chart shows, for a screen reader: the totals and the busiest day."""
        totals = self.totals()
        if not any(totals.values()):
            return EMPTY_WORDS
        busiest = max(self.days, key=lambda d: (d.total, d.day))
        each = ", ".join(f"{n} {state_name(key)}" for key, n in totals.items())
        return f"Over {len(self.days)} days: {each}. Busiest day: {results_words(busiest)}."

    # --- geometry ------------------------------------------------------------------------

    def _dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Base).lightness() < 128

    def colour(self, key: SyncState) -> QColor:
        light, dark = next((lt, dk) for name, lt, dk in SERIES if name == key)
        return QColor(dark if self._dark() else light)

    def _plot(self) -> QRectF:
        """The area of the bars (inside the axes)."""
        metrics = self.fontMetrics()
        top, _step = nice_top(max((d.total for d in self.days), default=0))
        left = metrics.horizontalAdvance(f"{top:,}") + 14
        legend = metrics.height() + 14
        bottom = metrics.height() + 12
        return QRectF(left, legend + metrics.height() // 2 + 4,
                      max(self.width() - left - 12, 10),
                      max(self.height() - legend - bottom - metrics.height() // 2 - 4, 10))

    def _slot(self, plot: QRectF) -> float:
        return plot.width() / max(len(self.days), 1)

    def day_at(self, x: float) -> DayResults | None:
        plot = self._plot()
        if not self.days or not plot.left() <= x < plot.right():
            return None
        return self.days[min(int((x - plot.left()) / self._slot(plot)), len(self.days) - 1)]

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            day = self.day_at(event.pos().x())
            if day is not None:
                QToolTip.showText(event.globalPos(), results_words(day), self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    # --- painting ------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        soft = QColor(text)
        soft.setAlphaF(0.7)
        grid = QColor(text)
        grid.setAlphaF(0.15)
        metrics = self.fontMetrics()
        plot = self._plot()
        top, step = nice_top(max((d.total for d in self.days), default=0))

        self._legend(p, text)

        # The y axis: a line at every step, its number on the left.
        p.setFont(self.font())
        for value in range(0, top + 1, step):
            y = plot.bottom() - plot.height() * value / top
            p.setPen(QPen(soft if value == 0 else grid, 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(soft)
            p.drawText(QRectF(0, y - metrics.height() / 2, plot.left() - 6, metrics.height()),
                       int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                       f"{value:,}")

        # The bars, bottom of the stack first.
        slot = self._slot(plot)
        width = max(slot * 0.68, 2.0)
        p.setPen(Qt.PenStyle.NoPen)
        for i, day in enumerate(self.days):
            x = plot.left() + i * slot + (slot - width) / 2
            base = plot.bottom()
            for key, count in counts(day):
                if not count:
                    continue
                height = plot.height() * count / top
                p.setBrush(self.colour(key))
                p.drawRect(QRectF(x, base - height, width, height))
                base -= height

        # The dates under the bars: today, and every week back from it.
        p.setPen(soft)
        for i in range(len(self.days) - 1, -1, -LABEL_EVERY):
            words = "Today" if i == len(self.days) - 1 else day_words(self.days[i].day)
            centre = plot.left() + (i + 0.5) * slot
            room = metrics.horizontalAdvance(words) + 8
            left = min(max(centre - room / 2, plot.left() - 4), self.width() - room)
            p.drawText(QRectF(left, plot.bottom() + 4, room, metrics.height() + 4),
                       int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), words)

        if not any(d.total for d in self.days):
            p.setPen(soft)
            p.drawText(plot, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                       EMPTY_WORDS)
        p.end()

    def _legend(self, p: QPainter, text: QColor) -> None:
        """The three results with their colours and totals, at the top right; the y axis'
        name ("Documents") at the top left."""
        metrics = self.fontMetrics()
        totals = self.totals()
        box = metrics.height() - 4
        y = 4.0
        p.setPen(text)
        bold = QFont(self.font())
        bold.setBold(True)
        p.setFont(bold)
        p.drawText(QRectF(0, y, 200, metrics.height() + 2),
                   int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                   "Documents a day")
        p.setFont(self.font())
        entries = [(key, f"{upper_first(state_name(key))} ({totals[key]:,})")
                   for key, _lt, _dk in SERIES]
        x = float(self.width() - 8)
        for key, words in reversed(entries):
            x -= metrics.horizontalAdvance(words)
            p.setPen(text)
            p.drawText(QRectF(x, y, metrics.horizontalAdvance(words) + 2, metrics.height() + 2),
                       int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), words)
            x -= box + 6
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(self.colour(key))
            p.drawRect(QRectF(x, y + (metrics.height() + 2 - box) / 2, box, box))
            x -= 16
