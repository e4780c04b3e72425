"""``import pos|invoices|suppliers FILE.csv``."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.commands import Adder
from app.services import open_company
from app.text import count_of


def register(add: Adder) -> None:
    command = add("import", run_import,
                  "import a CSV file of POs, invoices or suppliers (all rows or none)")
    command.add_argument("what", choices=("pos", "invoices", "suppliers"))
    command.add_argument("file", type=Path)


def run_import(args: argparse.Namespace) -> int:
    with open_company(getattr(args, "db", None)) as services:
        report = services.documents.import_csv(args.what, args.file)
    noun = {"pos": "PO", "invoices": "invoice", "suppliers": "supplier"}[report.what]
    print(f"Imported {count_of(report.count, noun)} from {args.file}")
    return 0
