"""A label for words about something wrong (a field's error, a refused import), in a red
that reads on the scheme shown: darker on light windows, lighter on dark ones. It follows
a scheme change (the palette's), so it never paints light-mode red on a dark window."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QLabel, QWidget

ON_LIGHT, ON_DARK = "#b3261e", "#ff8a80"  # both WCAG AA on their window colour


class ErrorLabel(QLabel):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName=name)
        self.setWordWrap(True)
        self._trouble = True
        self._painting = False
        self._paint()

    def set_trouble(self, trouble: bool) -> None:
        """Red words (True) or the ordinary text colour (False: a plain status)."""
        self._trouble = trouble
        self._paint()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and not self._painting:
            self._paint()  # the scheme changed (a widget with a style sheet would not hear)

    def _paint(self) -> None:
        self._painting = True
        try:
            palette = QPalette(self.palette())
            app = QGuiApplication.palette()
            window = app.color(QPalette.ColorRole.Window)
            colour = app.color(QPalette.ColorRole.WindowText)
            if self._trouble:
                colour = QColor(ON_DARK if window.lightness() < 128 else ON_LIGHT)
            palette.setColor(QPalette.ColorRole.WindowText, colour)
            self.setPalette(palette)
        finally:
            self._painting = False
