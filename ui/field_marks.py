"""Marking a field in error: a red frame, its reason as tooltip and screen-reader text, and
an inline message under it. Colours come from the palette's lightness (light or dark)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QLabel, QWidget

LIGHT_RED = "#b3261e"  # on a light window: 6.5:1 against white
DARK_RED = "#ff8a80"  # on a dark window: 7:1 against #2b2d30


def error_colour(palette: QPalette) -> QColor:
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    return QColor(DARK_RED if dark else LIGHT_RED)


def error_background(palette: QPalette) -> QColor:
    """A cell in error: the base colour tinted towards red, readable in either scheme."""
    base = palette.color(QPalette.ColorRole.Base)
    red = error_colour(palette)
    mix = 0.22 if base.lightness() < 128 else 0.14
    return QColor(round(base.red() + (red.red() - base.red()) * mix),
                  round(base.green() + (red.green() - base.green()) * mix),
                  round(base.blue() + (red.blue() - base.blue()) * mix))


def error_label(name: str, parent: QWidget) -> QLabel:
    """The inline message under a field (``<field>Error``), hidden until there is one."""
    label = QLabel(parent, objectName=f"{name}Error")
    label.setWordWrap(True)
    label.setAccessibleName(f"Problem with {name}")
    label.hide()
    return label


def mark(field: QWidget, label: QLabel, reason: str | None) -> None:
    """Show ``reason`` at ``field`` (None: clear it), in the application's scheme (a field
    with a style sheet of its own may keep an older palette)."""
    if reason:
        colour = error_colour(QGuiApplication.palette()).name()
        field.setStyleSheet(f"#{field.objectName()} {{ border: 2px solid {colour}; "
                            "border-radius: 3px; padding: 1px; }")
        field.setToolTip(reason)
        field.setAccessibleDescription(reason)
        label.setText(reason[:1].upper() + reason[1:])
        label.setStyleSheet(f"color: {colour};")
        label.show()
    else:
        field.setStyleSheet("")
        field.setToolTip("")
        field.setAccessibleDescription("")
        label.clear()
        label.hide()
