"""SyncDesk's Qt widgets. Business rules stay in ``app``; the window asks ``app.services``.

``create_main_window(argv)`` builds the window exactly as ``syncdesk gui ARGV`` does
(DESIGN.md, "Stable interfaces"), without entering the event loop.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ui.window import MainWindow


def gui_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true",
                        help="open the demo company (a store of its own, its QuickBooks "
                        "served in-process)")
    parser.add_argument("--db", metavar="PATH_OR_URL", help="the company store to open")


def create_main_window(argv: list[str]) -> MainWindow:
    """The main window for ``syncdesk gui ARGV`` (a QApplication must exist)."""
    from app.services.demo import open_demo
    from app.services.opening import open_services
    from ui.window import MainWindow

    parser = argparse.ArgumentParser(prog="syncdesk gui")
    gui_arguments(parser)
    args = parser.parse_args(argv)
    if args.demo:
        demo = open_demo(args.db)
        window = MainWindow(demo.services, title="SyncDesk — demo company",
                            on_close=demo.close)
    else:
        services = open_services(args.db)
        window = MainWindow(services, on_close=services.close)
    return window
