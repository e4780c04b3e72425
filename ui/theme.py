"""Light and dark: the window follows the system's colour scheme.

Where the platform tells Qt its scheme (Windows 11, macOS, GNOME, KDE) the native style
already paints accordingly; ``follow_system`` only steps in where it does not (the
Fusion style on a platform that reports no scheme), and ``use_scheme`` forces one, which
the screenshot tests use to show both. Widgets that paint themselves (the chart, the
state icons) read their colours from the palette, never fixed light-mode colours.
Words coloured by meaning (an error, a hint, a problem banner) get their colour from
``tone`` and change with the scheme (``retone``); the tables' coloured cells ask
``pick``/``state_colour`` as they paint. ``keep_following`` follows the system's
changes while the application runs.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from app.domain.states import SyncState

LIGHT, DARK = "light", "dark"

#: Text colours that carry a meaning, (on light, on dark): each reads at WCAG AA contrast
#: on its scheme's base colour.
SUCCESS = ("#1b7f3b", "#6fcf8a")
ERROR = ("#b3261e", "#ff8a80")
WARNING = ("#8a5a00", "#f0b050")
QUIET = ("#5a5a5a", "#a8aaae")  # hints and secondary words
STATE_TEXT = {  # the QuickBooks column's words, by sync state (None: the palette's text)
    SyncState.SYNCED: SUCCESS, SyncState.FAILED: ERROR, SyncState.BLOCKED: ERROR,
    SyncState.QUEUED: WARNING, SyncState.EXCLUDED: ("#757575", "#a8aaae"),
}
#: The problem banner: (background, border, text), on light and on dark.
BANNER = {LIGHT: ("#fdecea", "#e0a8a3", "#5f1d17"), DARK: ("#45221f", "#7a3b35", "#ffd9d4")}
TONE = "syncdeskTone"  # the property naming a widget's tone (``tone``)
_forced: str | None = None  # the scheme ``use_scheme`` forces (None: the system's)
_following = False  # ``keep_following`` has connected to the system's changes


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
        palette.setColor(disabled, role, QColor("#9a9ca0"))
    return palette


def current_scheme() -> str:
    """``dark`` when the application's window colour is dark, else ``light``."""
    app = QGuiApplication.instance()
    window = app.palette().color(QPalette.ColorRole.Window) if app else QColor("white")
    return DARK if window.lightness() < 128 else LIGHT


def use_scheme(scheme: str | None) -> None:
    """Force ``light`` or ``dark`` (None: back to what the system says)."""
    global _forced
    app = QGuiApplication.instance()
    if app is None:
        return
    _forced = scheme
    hints = app.styleHints()
    wanted = {LIGHT: Qt.ColorScheme.Light, DARK: Qt.ColorScheme.Dark}.get(scheme or "",
                                                                          Qt.ColorScheme.Unknown)
    hints.setColorScheme(wanted)
    if scheme == DARK and hints.colorScheme() != Qt.ColorScheme.Dark:
        app.setPalette(dark_palette())  # the platform cannot switch: paint it ourselves
    elif scheme != DARK:
        app.setPalette(app.style().standardPalette())
    retone()
    if scheme is None:
        follow_system()


def follow_system(system: Qt.ColorScheme | None = None) -> None:
    """Dark when the system says dark (``system``, else what the style hints say) but the
    style did not follow (Fusion on Linux); back to the style's own palette when the
    system turns light again."""
    app = QGuiApplication.instance()
    if app is None or _forced:
        return
    if system is None:
        system = app.styleHints().colorScheme()
    if system == Qt.ColorScheme.Dark and current_scheme() == LIGHT:
        app.setPalette(dark_palette())
    elif system != Qt.ColorScheme.Dark and current_scheme() == DARK \
            and app.palette() == dark_palette():
        app.setPalette(app.style().standardPalette())
    retone()


def keep_following(parent: QObject) -> None:
    """Follow the system's scheme from now on, as it changes (``colorSchemeChanged``),
    for as long as ``parent`` lives."""
    app = QGuiApplication.instance()
    if app is None:
        return
    follow_system()
    global _following
    if not _following:  # once per application, however many windows
        app.styleHints().colorSchemeChanged.connect(_scheme_changed)
        _following = True
    if isinstance(parent, QWidget):
        _PaletteWatcher(parent)


def _scheme_changed(scheme: Qt.ColorScheme) -> None:
    follow_system(scheme)


class _PaletteWatcher(QWidget):
    """Hidden: re-tones the coloured words when the application's palette changes (a
    native style switching scheme by itself)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, objectName="paletteWatcher")
        self.hide()

    def event(self, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.ApplicationPaletteChange, QEvent.Type.PaletteChange):
            retone()
        return super().event(event)


def pick(colours: tuple[str, str]) -> QColor:
    """The colour of ``colours`` (light, dark) for the scheme shown now."""
    return QColor(colours[1] if current_scheme() == DARK else colours[0])


def state_colour(state: SyncState) -> QColor | None:
    """The QuickBooks column's text colour for ``state`` now (None: the palette's text)."""
    colours = STATE_TEXT.get(state)
    return pick(colours) if colours else None


def _style(widget: QWidget, kind: str) -> str:
    if kind == "banner":
        background, border, text = BANNER[current_scheme()]
        name = widget.objectName()
        return (f"#{name} {{ background: {background}; border: 1px solid {border}; "
                f"border-radius: 4px; }} #{name} QLabel {{ color: {text}; }}")
    colours = {"error": ERROR, "quiet": QUIET, "success": SUCCESS}.get(kind)
    return f"color: {pick(colours).name()};" if colours else ""


def tone(widget: QWidget, kind: str | None) -> None:
    """Colour ``widget``'s words by meaning: ``error``, ``quiet`` (hints), ``success``, or
    ``banner`` (a problem's frame, by object name); None: the palette's own. The colour
    follows the scheme (``retone``)."""
    widget.setProperty(TONE, kind or "")
    widget.setStyleSheet(_style(widget, kind) if kind else "")


def retone() -> None:
    """Colour every toned widget anew for the scheme shown now."""
    if QApplication.instance() is None:
        return
    for widget in QApplication.allWidgets():
        kind = widget.property(TONE)
        if kind:
            style = _style(widget, str(kind))
            if widget.styleSheet() != style:
                widget.setStyleSheet(style)
