"""Helpers shared by the subcommand handlers: which store a command opens and how, printing
results."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from datetime import date
from typing import Any

# Subcommands that only read the store; every other one writes to it, so a
# read-only store is refused when it opens, before any work (or any call to
# QuickBooks) that could not be saved.
READING_COMMANDS = frozenset({"list", "show", "history", "status", "log", "backup"})


def writes(args: argparse.Namespace) -> bool:
    """Whether the subcommand in ``args`` changes the store."""
    command = getattr(args, "command", None)
    if command == "settings":
        return bool(getattr(args, "assignments", None))
    if command == "users":
        return getattr(args, "action", "list") != "list"
    return command not in READING_COMMANDS


def db_of(args: argparse.Namespace) -> str | None:
    """The store ``--db`` named, if it named one (services resolve the rest)."""
    return getattr(args, "db", None)


def iso_date(text: str) -> date:
    """An argparse type for ``YYYY-MM-DD`` with a message people understand."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad date {text!r}: use YYYY-MM-DD") from None


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


TABLE_WIDTH = 100  # columns a text table fits in (more when the terminal is wider)
MIN_SHRUNK = 8  # a shortened column keeps at least this many characters


def table_width() -> int:
    """How wide a text table may be: the terminal's width, and never under 100."""
    if not sys.stdout.isatty():
        return TABLE_WIDTH
    return max(TABLE_WIDTH, shutil.get_terminal_size((TABLE_WIDTH, 24)).columns)


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, with "…" where it was cut."""
    return text if len(text) <= width else text[:max(width - 1, 0)].rstrip() + "…"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]],
                right: Sequence[int] = (), shrink: Sequence[int] = ()) -> None:
    """A plain text table; ``right`` lists the columns to right-align (numbers).

    ``shrink`` lists the columns of long text that may be cut short (with "…") so
    that the table fits the terminal, the first one first, each down to a few
    characters before the next is cut (``show`` gives the whole text).
    """
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    excess = sum(widths) + 2 * (len(widths) - 1) - table_width()
    for column in shrink:
        if excess <= 0:
            break
        cut = min(excess, widths[column] - max(MIN_SHRUNK, len(headers[column])))
        if cut > 0:
            widths[column] -= cut
            excess -= cut
    cells = [[clip(v, widths[i]) for i, v in enumerate(row)] for row in cells]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if i in right else v.ljust(w)
                 for i, (v, w) in enumerate(zip(values, widths, strict=True))]
        return "  ".join(parts).rstrip()

    print(line(headers))
    print(line(["-" * w for w in widths]))
    for row in cells:
        print(line(row))


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def kind_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=("po", "invoice"), help="po or invoice")
    parser.add_argument("number", help="the document number, e.g. PO-1001")

