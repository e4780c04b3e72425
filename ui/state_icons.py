"""The sync states' icons: one SVG each in ``resources/icons/`` (``state-<state>.svg``),
colour plus shape so that colour-blind users tell them apart (a ticked disc, a hollow
ring, a clock, a crossed disc, a stop sign, a slashed ring), drawn to be read on light and
dark backgrounds alike. Each is rendered sharp at every size asked for (high DPI too)."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QGuiApplication, QIcon, QPixmap

from app.domain.states import SyncState
from ui.resources import resource_path
from ui.svg_pixmap import render_svg

#: Sizes rendered up front (device pixels): 16 to 32 logical pixels at 100 % to 200 %.
SIZES = (16, 20, 24, 32, 40, 48, 64)


def icon_file(state: SyncState) -> str:
    return str(resource_path("icons", f"state-{state.value}.svg"))


def render(state: SyncState, size: int) -> QPixmap:
    """``state``'s icon as a ``size``×``size`` pixmap (transparent around the shape)."""
    return render_svg(icon_file(state), size)


def state_icon(state: SyncState) -> QIcon | None:
    """The icon of ``state``; None before a QGuiApplication exists (no pixmap can be made)."""
    return _icon(state) if QGuiApplication.instance() is not None else None


@cache
def _icon(state: SyncState) -> QIcon:
    icon = QIcon()
    for size in SIZES:
        icon.addPixmap(render(state, size))
    return icon
