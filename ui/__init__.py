"""SyncDesk's Qt widgets. Business rules stay in ``app``; the window asks ``app.services``.

``create_main_window(argv)`` builds the window exactly as ``syncdesk gui ARGV`` does
(DESIGN.md, "Stable interfaces"), without entering the event loop.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from ui.window import MainWindow


def gui_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true",
                        help="open the demo company (a store of its own, its QuickBooks "
                        "served in-process)")
    parser.add_argument("--db", metavar="PATH_OR_URL", help="the company store to open")


def create_main_window(argv: list[str], *, settings: QSettings | None = None) -> MainWindow:
    """The main window for ``syncdesk gui ARGV`` (a QApplication must exist), its tables
    holding their first rows. ``settings`` replaces the user's remembered layout and
    recent companies (tests pass a QSettings on an ini file of their own).

    Without a company store at the place named (a first run) the window offers, inside
    itself, the demo company, connecting QuickBooks, or a CSV import; no modal dialog.
    A store that is there but cannot be opened (damaged, read-only, from a newer SyncDesk)
    opens the window on a page saying which file and why, offering the demo company,
    another company file, or trying again; the same words go to stderr as one line.
    """
    from app.services.demo import open_demo
    from app.services.opening import company_exists, open_services
    from ui.window import MainWindow

    parser = argparse.ArgumentParser(prog="syncdesk gui")
    gui_arguments(parser)
    args = parser.parse_args(argv)
    if args.demo:
        demo = open_demo(args.db)
        window = MainWindow(demo.services, title="SyncDesk — demo company",
                            settings=settings, on_close=demo.close)
    elif not company_exists(args.db):
        window = MainWindow(None, settings=settings, db=args.db,
                            where=_where(args.db))
    else:
        try:
            services = open_services(args.db)
        except Exception as exc:  # every failure is shown on the page, none is lost
            window = MainWindow(None, settings=settings, db=args.db, where=_where(args.db))
            window.show_open_failed(args.db, exc)
            _tell_console(exc, args.db)
        else:
            window = MainWindow(services, settings=settings, on_close=services.close)
            window.remember(services.location)
    window.wait_loaded()
    return window


def _tell_console(error: BaseException, db: str | None) -> None:
    """The one line a command-line start of ``syncdesk gui`` also gets on stderr."""
    import sys

    from app.commands.hints import as_command
    from ui.open_failed import why_words

    print(f"syncdesk: {why_words(error, db, as_command)}", file=sys.stderr)


def _where(db: str | None) -> str:
    from app.services.opening import company_location

    return company_location(db).removeprefix("sqlite:///")
