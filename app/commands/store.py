"""``init``, ``backup``, ``restore`` and ``settings``."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.commands import Adder
from app.commands.assignments import parse_assignments
from app.commands.common import add_json_flag, db_of, print_json, writes
from app.services.company import restore_company
from app.services.opening import open_company
from app.text import count_of


def register(add: Adder) -> None:
    init = add("init", run_init, "create the company store (or bring it up to date)")
    init.add_argument("--demo", action="store_true",
                      help="fill a new store with the demo company's documents")
    backup = add("backup", run_backup, "copy the store to FILE (safe while SyncDesk is open)")
    backup.add_argument("file", type=Path)
    restore = add("restore", run_restore, "replace the store with the backup in FILE")
    restore.add_argument("file", type=Path)
    settings = add("settings", run_settings, "show or change the company settings")
    settings.add_argument("--set", dest="assignments", action="append", default=[],
                          metavar="KEY=VALUE", help="change a setting (repeatable)")
    add_json_flag(settings)


def run_init(args: argparse.Namespace) -> int:
    with open_company(db_of(args), create=True, write=writes(args)) as services:
        report = services.company.init(demo_company=args.demo)
    print(f"The store at {report.where} is ready.")
    if report.demo is not None:
        fill = report.demo
        print(f"Added the demo company {fill.company}: "
              f"{count_of(fill.suppliers, 'supplier')}, {count_of(fill.pos, 'PO')}, "
              f"{count_of(fill.invoices, 'invoice')}.")
    return 0


def run_backup(args: argparse.Namespace) -> int:
    with open_company(db_of(args), write=writes(args)) as services:
        report = services.company.backup(args.file)
    print(f"Backed up the store to {report.target}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    report = restore_company(db_of(args), args.file)
    print(f"Restored the store from {report.source}")
    if report.kept is not None:
        print(f"The store as it was before is kept at {report.kept}")
    return 0


def run_settings(args: argparse.Namespace) -> int:
    changes = parse_assignments(args.assignments)
    with open_company(db_of(args), write=writes(args)) as services:
        services.settings.set_many(changes)
        settings = services.settings.all()
    if args.json:
        print_json({s.key: s.value for s in settings})
        return 0
    for s in settings:
        print(f"{s.key} = {s.text}    # {s.help}")
    return 0
