"""``init``, ``backup``, ``restore`` and ``settings``."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.commands import Adder
from app.commands.common import add_json_flag, opened, print_json
from app.domain.settings import SETTINGS
from app.operations import company, demo
from app.operations.editing import parse_assignments
from app.operations.settings import all_settings, set_setting
from app.store.database import resolve_db_url
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
    with opened(args, create=True) as store:
        with store.session() as session:
            company.ensure_default_accounts(session)
            if args.demo:
                pos, invoices = demo.fill_demo(session)
        where = store.path or store.url
        print(f"The store at {where} is ready.")
        if args.demo:
            print(f"Added the demo company {demo.COMPANY_NAME}: "
                  f"{count_of(len(demo.SUPPLIERS), 'supplier')}, {count_of(pos, 'PO')}, "
                  f"{count_of(invoices, 'invoice')}.")
    return 0


def run_backup(args: argparse.Namespace) -> int:
    with opened(args) as store:
        target = company.backup_store(store, args.file)
    print(f"Backed up the store to {target}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    kept = company.restore_store(resolve_db_url(getattr(args, "db", None)), args.file)
    print(f"Restored the store from {args.file.expanduser().resolve()}")
    if kept is not None:
        print(f"The store as it was before is kept at {kept}")
    return 0


def run_settings(args: argparse.Namespace) -> int:
    with opened(args) as store, store.session() as session:
        for key, text in parse_assignments(args.assignments):
            set_setting(session, key, text)
        values = all_settings(session)
    if args.json:
        print_json(values)
        return 0
    for key, value in values.items():
        shown = ("on" if value else "off") if isinstance(value, bool) else value
        print(f"{key} = {shown}    # {SETTINGS[key].help}")
    return 0
