"""``syncdesk gui [--demo]`` (and ``syncdesk`` with no command): open the window.

The core never imports the window (``app/`` stays free of Qt, tests/test_layering.py).
The window makes itself known instead: the ``syncdesk`` distribution declares, in the
entry-point group ``syncdesk.window``, a callable taking ``syncdesk gui``'s arguments
and returning the exit code (``ui.launch:main``). Without it (a core-only install) the
command says so.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from importlib.metadata import entry_points

from app.commands import Adder
from app.commands.common import db_of
from app.errors import UserError

GROUP = "syncdesk.window"

Launcher = Callable[[list[str]], int]


def register(add: Adder) -> None:
    gui = add("gui", run_gui, "open the window (also what `syncdesk` alone does)")
    gui.add_argument("--demo", action="store_true",
                     help="open the demo company: a store of its own (temporary unless "
                     "--db names a new file), its QuickBooks served in-process")


def window_argv(args: argparse.Namespace) -> list[str]:
    """``args`` as the window takes them (``ui.create_main_window``)."""
    argv = ["--demo"] if getattr(args, "demo", False) else []
    db = db_of(args)
    return [*argv, "--db", db] if db else argv


def find_window() -> Launcher | None:
    """The window's launcher, if the window is installed."""
    found = sorted(entry_points(group=GROUP), key=lambda ep: ep.name)
    return found[0].load() if found else None


def run_gui(args: argparse.Namespace) -> int:
    launcher = find_window()
    if launcher is None:
        raise UserError("this SyncDesk was installed without its window; the command line "
                        "works: see `syncdesk --help`")
    return launcher(window_argv(args))
