"""``fix``: repair a document's sync problem (or a whole problem group) the way the
window's fix-it wizard does: show the plan, confirm, apply, resend, verify."""

from __future__ import annotations

import argparse
import sys
import textwrap

from app.commands import Adder
from app.commands.common import TABLE_WIDTH, add_json_flag, print_json
from app.commands.connection import ask_passphrase
from app.domain.problems import FIX_TITLES
from app.domain.states import DocKind
from app.errors import UsageError, UserError
from app.services import open_company
from app.services.fixes import FixChoices, FixResult, InputError, Plan
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
        try:
            plan = fixes.plan(subject, args.option, inputs, passphrase=ask_passphrase)
        except InputError as exc:
            raise UserError("; ".join(f"{key}: {text} (give it with --set {key}=VALUE)"
                                      for key, text in exc.errors.items())
                            + ". Nothing was changed.") from None
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
    summary = subject.choices.summary
    if not summary.startswith(numbers):
        summary = f"{numbers}: {summary}"
    title = FIX_TITLES.get(subject.fix)
    if title:
        print(f"Problem: {title}")
    _say(summary)
    for label, value in subject.choices.record:
        _say(f"{label}: {value}", indent="  ")
    option = subject.choices.option(plan.option)
    print()
    _say(f"Fix: {option.title}" + (" (recommended)." if option.recommended else "."))
    _say(option.why, indent="  ")
    others = [o for o in subject.options if o.name != option.name]
    if others:
        _say("Other ways: " + "; ".join(f"{o.title} (--option {o.name})" for o in others) + ".",
             indent="  ")
    if plan.changes:
        print()
        print("What changes:")
        for change in plan.changes:
            _say(f"{change.side.value}: {change.what}: {change.old or '(none)'} → "
                 f"{change.new or '(none)'}", indent="  ", subsequent="      ")
    if plan.resend:
        _say("Then sent to QuickBooks again: " + ", ".join(n for _, n in plan.resend) + ".")
    if plan.note:
        _say(plan.note)


def _say(text: str, indent: str = "", subsequent: str | None = None) -> None:
    print(textwrap.fill(text, TABLE_WIDTH, initial_indent=indent,
                        subsequent_indent=indent if subsequent is None else subsequent,
                        break_on_hyphens=False, break_long_words=False))


def _print_result(result: FixResult) -> None:
    for doc in result.documents:
        if doc.synced:
            print(f"{doc.number} is synced.")
        else:
            print(f"{doc.number} is {doc.sync_state.replace('_', ' ')}: {doc.problem}")
    if result.refused:
        print(result.kept_words(), file=sys.stderr)
        again = "; ".join(f"syncdesk resend {d.kind.value} {d.number}" for d in result.refused)
        print(f"To finish, once that is sorted out: {again} (or run the same syncdesk fix "
              "again).", file=sys.stderr)
    elif not result.fixed:
        print("Some documents are not synced yet; syncdesk show po|invoice NUMBER says why.",
              file=sys.stderr)
