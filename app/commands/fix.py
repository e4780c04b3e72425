"""``fix``: repair a document's sync problem (or a whole problem group) the way the
window's fix-it wizard does: show the plan, confirm, apply, resend, verify."""

from __future__ import annotations

import argparse
import sys

from app.commands import Adder
from app.commands.common import add_json_flag, print_json, print_table
from app.commands.connection import ask_passphrase
from app.domain.states import DocKind
from app.errors import UsageError, UserError
from app.services import open_company
from app.services.fixes import FixChoices, FixResult, Plan
from app.work import Progress


def register(add: Adder) -> None:
    fix = add("fix", run_fix, "repair a document's sync problem, then send it again")
    fix.add_argument("kind", nargs="?", choices=("po", "invoice"), help="po or invoice")
    fix.add_argument("number", nargs="?", help="the document number, e.g. PO-1061")
    fix.add_argument("--group", metavar="KEY",
                     help="fix every document of one root cause (a group in status --json)")
    fix.add_argument("--option", metavar="NAME",
                     help="the way to fix it (default: the recommended one)")
    fix.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                     dest="values", help="a value the option needs (repeatable)")
    fix.add_argument("--yes", action="store_true", help="apply without asking")
    add_json_flag(fix)


def _inputs(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set takes KEY=VALUE, not {pair!r}")
        values[key.strip()] = value
    return values


def run_fix(args: argparse.Namespace) -> int:
    if bool(args.group) == bool(args.kind and args.number):
        raise UsageError("say which document (fix po|invoice NUMBER) or which group "
                         "(fix --group KEY)")
    inputs = _inputs(args.values)
    with open_company(getattr(args, "db", None)) as services:
        fixes = services.fixes
        subject = (fixes.group_choices(args.group, passphrase=ask_passphrase) if args.group
                   else fixes.choices(DocKind(args.kind), args.number,
                                      passphrase=ask_passphrase))
        plan = fixes.plan(subject, args.option, inputs, passphrase=ask_passphrase)
        if args.json and not args.yes:
            print_json(plan.to_json())
            return 0
        if not args.json:
            _print_plan(subject, plan)
        if not args.yes and not _confirmed():
            return 1
        result = fixes.apply(plan, passphrase=ask_passphrase, on_progress=_progress)
    if args.json:
        print_json(result.to_json())
    else:
        _print_result(result)
    return 0 if result.fixed else 1


def _confirmed() -> bool:
    if not sys.stdin.isatty():
        raise UserError("This changes SyncDesk and QuickBooks; add --yes to apply it without "
                        "a terminal to confirm on (nothing was changed).")
    answer = input("Apply these changes? [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        print("Nothing was changed.", file=sys.stderr)
        return False
    return True


def _progress(p: Progress) -> None:
    if p.current:
        print(p.current + " …", file=sys.stderr, flush=True)


def _print_plan(subject: FixChoices, plan: Plan) -> None:
    numbers = ", ".join(t.number for t in subject.targets)
    print(f"{numbers}: {subject.choices.summary}")
    for label, value in subject.choices.record:
        print(f"  {label}: {value}")
    option = subject.choices.option(plan.option)
    others = [o.name for o in subject.options if o.name != option.name]
    print(f"Fix: {option.title}" + (" (recommended)" if option.recommended else "")
          + (f"; other options: {', '.join(others)}" if others else ""))
    print(f"  {option.why}")
    if plan.changes:
        print_table(["Where", "What", "Now", "After the fix"],
                    [[c.side.value, c.what, c.old or "(none)", c.new or "(none)"]
                     for c in plan.changes], shrink=(1,))
    if plan.resend:
        print("Then sent to QuickBooks again: " + ", ".join(n for _, n in plan.resend) + ".")
    if plan.note:
        print(plan.note)


def _print_result(result: FixResult) -> None:
    for doc in result.documents:
        if doc.synced:
            print(f"{doc.number} is synced.")
        else:
            print(f"{doc.number} is {doc.sync_state.replace('_', ' ')}: {doc.problem}")
    if not result.fixed:
        print("Some documents are not synced yet; syncdesk show po|invoice NUMBER says why.",
              file=sys.stderr)
