"""``import pos|invoices|suppliers FILE.csv``."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.commands import Adder
from app.commands.common import opened
from app.operations.actor import current_actor
from app.operations.csv_import import import_csv
from app.text import count_of


def register(add: Adder) -> None:
    command = add("import", run_import,
                  "import a CSV file of POs, invoices or suppliers (all rows or none)")
    command.add_argument("what", choices=("pos", "invoices", "suppliers"))
    command.add_argument("file", type=Path)


def run_import(args: argparse.Namespace) -> int:
    with opened(args) as store, store.session() as session:
        count = import_csv(session, args.what, args.file, current_actor())
    noun = {"pos": "PO", "invoices": "invoice", "suppliers": "supplier"}[args.what]
    print(f"Imported {count_of(count, noun)} from {args.file}")
    return 0
