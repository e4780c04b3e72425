"""The QuickBooks column's icons: one small badge per sync state, drawn with QPainter (no
image files), made once per size and kept."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPainterPath, QPen, QPixmap

from app.domain.states import SyncState

COLOURS = {
    SyncState.SYNCED: QColor("#1b7f3b"),
    SyncState.NOT_SYNCED: QColor("#7a7a7a"),
    SyncState.QUEUED: QColor("#a86b00"),
    SyncState.FAILED: QColor("#c62828"),
    SyncState.BLOCKED: QColor("#d84315"),
    SyncState.EXCLUDED: QColor("#9e9e9e"),
}


def _draw(state: SyncState, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = COLOURS[state]
    edge = size * 0.08
    disc = QRectF(edge, edge, size - 2 * edge, size - 2 * edge)
    filled = state in (SyncState.SYNCED, SyncState.FAILED, SyncState.BLOCKED, SyncState.QUEUED)
    if filled:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
    else:
        p.setPen(QPen(colour, size * 0.1))
        p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(disc)
    mark = QPen(QColor("white") if filled else colour, size * 0.13,
                Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    p.setPen(mark)
    s = size

    def at(x: float, y: float) -> QPointF:
        return QPointF(x * s, y * s)

    if state is SyncState.SYNCED:  # a tick
        path = QPainterPath(at(0.28, 0.52))
        path.lineTo(at(0.44, 0.68))
        path.lineTo(at(0.73, 0.35))
        p.drawPath(path)
    elif state is SyncState.FAILED:  # a cross
        p.drawLine(at(0.33, 0.33), at(0.67, 0.67))
        p.drawLine(at(0.67, 0.33), at(0.33, 0.67))
    elif state is SyncState.BLOCKED:  # an exclamation mark
        p.drawLine(at(0.5, 0.27), at(0.5, 0.56))
        p.drawPoint(at(0.5, 0.74))
    elif state is SyncState.QUEUED:  # clock hands
        p.drawLine(at(0.5, 0.5), at(0.5, 0.28))
        p.drawLine(at(0.5, 0.5), at(0.67, 0.6))
    elif state is SyncState.EXCLUDED:  # a bar across
        p.drawLine(at(0.3, 0.7), at(0.7, 0.3))
    p.end()
    return pixmap


def state_icon(state: SyncState) -> QIcon | None:
    """The badge of ``state``; None before a QGuiApplication exists (no pixmap can be made)."""
    return _icon(state) if QGuiApplication.instance() is not None else None


@cache
def _icon(state: SyncState) -> QIcon:
    icon = QIcon()
    for size in (16, 20, 32):
        icon.addPixmap(_draw(state, size))
    return icon
