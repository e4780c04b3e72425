"""A label for words about something wrong (a refused import, a refusal that is no one
field's), in the red of ``ui/field_marks.py`` for the scheme shown: darker on light
windows, lighter on dark ones. It follows a scheme change (the palette's), so it never
paints light-mode red on a dark window."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QLabel, QWidget

from ui.field_marks import error_colour


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
            app = QGuiApplication.palette()  # the label's own may lag a scheme change
            colour = error_colour(app) if self._trouble else \
                app.color(QPalette.ColorRole.WindowText)
            palette.setColor(QPalette.ColorRole.WindowText, colour)
            self.setPalette(palette)
        finally:
            self._painting = False
