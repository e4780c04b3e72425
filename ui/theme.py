"""Light and dark: the window follows the system's colour scheme.

Where the platform tells Qt its scheme (Windows 11, macOS, GNOME, KDE) the native style
already paints accordingly; ``follow_system`` only steps in where it does not (the
Fusion style on a platform that reports no scheme), and ``use_scheme`` forces one, which
the screenshot tests use to show both. Widgets that paint themselves (the chart, the
state icons) read their colours from the palette, never fixed light-mode colours.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

LIGHT, DARK = "light", "dark"


def dark_palette() -> QPalette:
    """A calm dark palette for the Fusion style (contrast checked against WCAG AA)."""
    palette = QPalette()
    roles = QPalette.ColorRole
    colours = {
        roles.Window: "#2b2d30", roles.WindowText: "#e6e6e6", roles.Base: "#1f2023",
        roles.AlternateBase: "#2a2b2f", roles.ToolTipBase: "#3a3c40",
        roles.ToolTipText: "#f0f0f0", roles.PlaceholderText: "#9a9ca0",
        roles.Text: "#e6e6e6", roles.Button: "#35373b", roles.ButtonText: "#e6e6e6",
        roles.BrightText: "#ff6b6b", roles.Link: "#6cb4ff", roles.LinkVisited: "#b89cff",
        roles.Highlight: "#2f6fb3", roles.HighlightedText: "#ffffff",
        roles.Light: "#4a4c50", roles.Midlight: "#3f4145", roles.Mid: "#303236",
        roles.Dark: "#1a1b1d", roles.Shadow: "#000000",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.Text, roles.ButtonText, roles.WindowText):
        palette.setColor(disabled, role, QColor("#7d7f83"))
    return palette


def current_scheme() -> str:
    """``dark`` when the application's window colour is dark, else ``light``."""
    app = QGuiApplication.instance()
    window = app.palette().color(QPalette.ColorRole.Window) if app else QColor("white")
    return DARK if window.lightness() < 128 else LIGHT


def use_scheme(scheme: str | None) -> None:
    """Force ``light`` or ``dark`` (None: back to what the system says)."""
    app = QGuiApplication.instance()
    if app is None:
        return
    hints = app.styleHints()
    wanted = {LIGHT: Qt.ColorScheme.Light, DARK: Qt.ColorScheme.Dark}.get(scheme or "",
                                                                          Qt.ColorScheme.Unknown)
    hints.setColorScheme(wanted)
    if scheme == DARK and hints.colorScheme() != Qt.ColorScheme.Dark:
        app.setPalette(dark_palette())  # the platform cannot switch: paint it ourselves
    elif scheme != DARK:
        app.setPalette(app.style().standardPalette())


def follow_system() -> None:
    """Dark when the system says dark but the style did not follow (Fusion on Linux)."""
    app = QGuiApplication.instance()
    if app is not None and app.styleHints().colorScheme() == Qt.ColorScheme.Dark \
            and current_scheme() == LIGHT:
        app.setPalette(dark_palette())
