"""SyncDesk's application icon: ``resources/icons/syncdesk.svg`` (a document sheet with
a disc of two sync arrows on a blue tile), rendered sharp at each size a desktop asks for.

``ui.launch.main`` gives it to the QApplication (the taskbar, the dock, every dialog) and
``ui.desktop.install`` to the main window. The packaged application's .ico, .icns and .png
are made from the same SVG by ``build/make_icons.py``.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QGuiApplication, QIcon, QPixmap

from ui.resources import resource_path
from ui.svg_pixmap import render_svg

#: Sizes rendered up front (device pixels): title bars and menus (16 to 32 at 100 % to
#: 200 %), task switchers and docks (48 to 256).
SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)


def icon_file() -> str:
    return str(resource_path("icons", "syncdesk.svg"))


def render(size: int) -> QPixmap:
    """The application icon as a ``size``×``size`` pixmap (transparent around the tile)."""
    return render_svg(icon_file(), size)


def app_icon() -> QIcon | None:
    """SyncDesk's icon; None before a QGuiApplication exists (no pixmap can be made)."""
    return _icon() if QGuiApplication.instance() is not None else None


@cache
def _icon() -> QIcon:
    icon = QIcon()
    for size in SIZES:
        icon.addPixmap(render(size))
    return icon
