"""A page with one card in the middle: the first run and the could-not-open page.

``CardPanel`` lays the card out (centred, at most ``width`` wide, a little above the
middle) and says what the window is busy with: ``busy(text)`` shows the words and takes
no second click on the card's buttons until ``busy(None)``.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QFrame,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)


class CardPanel(QWidget):
    """A centred card; subclasses put their widgets in ``self.column``."""

    def __init__(self, object_name: str, status_name: str, width: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName=object_name)
        self.card = QFrame(self)
        self.card.setFrameShape(QFrame.Shape.StyledPanel)
        self.card.setMaximumWidth(width)
        self.column = QVBoxLayout(self.card)
        self.column.setSpacing(12)
        self.status = QLabel(self, objectName=status_name)
        self.status.setWordWrap(True)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.card, 2)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def buttons(self) -> list[QAbstractButton]:
        """What ``busy`` turns off (the card's buttons)."""
        return self.card.findChildren(QAbstractButton)

    def busy(self, text: str | None) -> None:
        """While the window opens a company: say what happens, and take no second click."""
        self.status.setText(text or "")
        for button in self.buttons():
            button.setEnabled(text is None)
