"""An SVG file drawn into a square pixmap of any size (the state icons, the app icon)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer


def render_svg(path: str, size: int) -> QPixmap:
    """``path`` drawn sharp into a ``size``×``size`` pixmap, transparent around it."""
    renderer = QSvgRenderer(path)
    pixmap = QPixmap(QSize(size, size))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pixmap
