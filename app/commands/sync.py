"""``sync``, ``resend``, ``resync-failures``, ``exclude``, ``include`` and ``log``."""

from __future__ import annotations

import argparse
import functools
import signal
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from app.commands import Adder
from app.commands.common import (
    TABLE_WIDTH,
    add_json_flag,
    iso_date,
    kind_argument,
    print_json,
    print_table,
)
from app.commands.connection import ask_passphrase
from app.commands.hints import as_command
from app.domain.states import DocKind
from app.domain.wording import DONE
from app.errors import UserError
from app.services import open_company
from app.services.sync import LogQuery, NotConnected, Outcome, SyncReport, SyncService
from app.text import count_of, upper_first
from app.work import Progress


def register(add: Adder) -> None:
    sync = add("sync", run_sync, "send queued documents to QuickBooks")
    sync.add_argument("--dry-run", action="store_true",
                      help="show what would be sent, created or blocked; change nothing")
    side = sync.add_mutually_exclusive_group()
    side.add_argument("--pull", action="store_true",
                      help="only bring QuickBooks' changes in (payments, status, lists)")
    side.add_argument("--push", action="store_true",
                      help="only send queued documents (the lists are still read afresh)")
    add_json_flag(sync)
    resend = add("resend", run_resend, "send one document again now")
    kind_argument(resend)
    add_json_flag(resend)
    retry = add("resync-failures", run_resync_failures,
                "send every failed or blocked document again (excluded ones stay out)")
    add_json_flag(retry)
    for name, help_text in (("exclude", "keep a document out of syncing"),
                            ("include", "let an excluded document sync again")):
        command = add(name, run_exclude if name == "exclude" else run_include, help_text)
        kind_argument(command)
        command.add_argument("--reason", required=name == "exclude", default="",
                             help="why (kept in the history)")
    log = add("log", run_log, "the sync log: one row per attempt")
    log.add_argument("--failed", action="store_true", help="only failed or blocked attempts")
    log.add_argument("--since", type=iso_date, metavar="YYYY-MM-DD")
    log.add_argument("--document", help="only this document number")
    log.add_argument("--limit", type=int)
    add_json_flag(log)


class _StoppedAtOnce(UserError):
    exit_code = 130  # the shell's code for a command stopped by Ctrl-C


@contextmanager
def _ctrl_c_cancels(cancel: threading.Event) -> Iterator[None]:
    """The first Ctrl-C cancels the run after the document in flight (nothing is left
    half-sent); a second one stops at once (the next sync settles that document)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupted(signum: int, frame: object) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print("Stopping after the document in flight (Ctrl-C again stops at once) …",
              file=sys.stderr, flush=True)

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _run(work: Callable[..., SyncReport]) -> tuple[SyncReport, bool]:
    """Run a sync through the service with Ctrl-C cancelling it and the progress on
    stderr; returns the report and whether Ctrl-C came."""
    cancel = threading.Event()
    try:
        with _ctrl_c_cancels(cancel):
            report = work(passphrase=_ask_passphrase, on_progress=_progress, cancel=cancel)
    except _InterruptedAtPrompt:
        raise KeyboardInterrupt from None
    except NotConnected as exc:
        raise UserError(f"{exc.reason} Run `syncdesk connect` first.") from None
    except KeyboardInterrupt:
        raise _StoppedAtOnce("stopped at once (Ctrl-C twice). The document that was being "
                             "sent is checked at the next sync, so it never goes twice; the "
                             "rest stay queued.") from None
    return report, cancel.is_set()


class _InterruptedAtPrompt(Exception):
    """Ctrl-C while the passphrase was asked: nothing had started yet."""


def _ask_passphrase() -> str | None:
    """``ask_passphrase`` with Ctrl-C stopping the command, as before a sync starts."""
    if threading.current_thread() is not threading.main_thread():
        return ask_passphrase()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return ask_passphrase()
    except KeyboardInterrupt:
        raise _InterruptedAtPrompt from None
    finally:
        signal.signal(signal.SIGINT, previous)


def _progress(p: Progress) -> None:
    if p.current:
        where = f"[{p.done + 1}/{p.total}] " if p.total else ""
        print(f"{where}{p.current}", file=sys.stderr, flush=True)


@contextmanager
def _sync_service(args: argparse.Namespace, *, write: bool = True) -> Iterator[SyncService]:
    """The sync service of the store named by ``--db`` (else the default one)."""
    with open_company(getattr(args, "db", None), write=write) as services:
        yield services.sync


def _outcome_sentence(outcomes: list[Outcome]) -> str:
    """What became of the documents, as a sentence: "PO-1049 closed in QuickBooks.",
    "73 documents created, 2 POs blocked."."""
    by_action: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_action.setdefault(outcome.action, []).append(outcome)
    order = list(DONE)
    parts = []
    for action, done in sorted(by_action.items(), key=lambda kv: (
            order.index(kv[0]) if kv[0] in order else 99, kv[0])):
        if len(done) == 1:
            who = done[0].number
        else:
            kinds = {o.kind for o in done}
            noun = "PO" if kinds == {"po"} else "invoice" if kinds == {"invoice"} \
                else "document"
            who = count_of(len(done), noun)
        parts.append(f"{who} {DONE.get(action, action)}")
    return upper_first(", ".join(parts)) + "."


def _print_report(report: SyncReport, as_json: bool) -> None:
    if as_json:
        print_json(report.to_json())
        if report.stopped:
            print("syncdesk: the sync stopped early. "
                  + upper_first(report.stopped_words(as_command)), file=sys.stderr)
        return
    if report.dry_run:
        print("Dry run: nothing was sent and nothing changed.")
    if report.pull is not None:
        changed = sum(report.pull.counts.values())
        print(f"Read QuickBooks ({'full load' if report.pull.mode == 'full' else 'changes'}): "
              f"{count_of(changed, 'record')}.")
        for note in report.pull.notes:
            print(f"  {note}")
    if report.new_vendors:
        verb = "Would create" if report.dry_run else "Created"
        print(textwrap.fill(f"{verb} {count_of(len(report.new_vendors), 'vendor')}: "
                            f"{', '.join(report.new_vendors)}.", TABLE_WIDTH,
                            subsequent_indent="  ", break_on_hyphens=False))
    elsewhere = report.elsewhere_words()  # other SyncDesks on a shared store
    if not report.outcomes and not report.stopped and not elsewhere:
        print("Nothing to send.")
    elif report.outcomes:
        print(_outcome_sentence(report.outcomes))
    if elsewhere:
        print(textwrap.fill(elsewhere, TABLE_WIDTH, break_on_hyphens=False))
    attention = [o for o in report.outcomes if o.problem]
    if attention:
        print_table(["Document", "State", "Why"],
                    [[o.number, o.sync_state.capitalize(), o.explanation] for o in attention],
                    shrink=(2,))
        print("syncdesk show po|invoice NUMBER gives the whole story and what to do.")
    if report.cancelled:
        sent = sum(1 for o in report.outcomes if o.action in _SENT)
        left = report.unsent
        print(f"Cancelled: {count_of(sent, 'document')} sent before it stopped; "
              + (f"{count_of(len(left), 'document')} left queued for the next sync: "
                 f"{_some(left)}." if left else "nothing was left queued."))
    if report.stopped:
        print("syncdesk: the sync stopped early. "
              + upper_first(report.stopped_words(as_command)), file=sys.stderr)


def _some(numbers: list[str], shown: int = 10) -> str:
    more = len(numbers) - shown
    return ", ".join(numbers[:shown]) + (f" and {more} more" if more > 0 else "")


_SENT = ("create", "update", "close", "adopt")
INTERRUPTED = _StoppedAtOnce.exit_code


def run_sync(args: argparse.Namespace) -> int:
    with _sync_service(args) as sync:
        report, interrupted = _run(functools.partial(
            sync.run, dry_run=args.dry_run, pull=not args.push, push=not args.pull))
    _print_report(report, args.json)
    return _exit_code(report, interrupted)


def _exit_code(report: SyncReport, interrupted: bool = False) -> int:
    """0 when the sync ran (failed documents are data); 1 when QuickBooks was out of reach;
    130 when Ctrl-C stopped it."""
    if interrupted:
        return INTERRUPTED
    return 1 if report.stopped else 0


def run_resend(args: argparse.Namespace) -> int:
    with _sync_service(args) as sync:
        report, interrupted = _run(functools.partial(sync.resend, DocKind(args.kind),
                                                     args.number))
    _print_report(report, args.json)
    return _exit_code(report, interrupted)


def run_resync_failures(args: argparse.Namespace) -> int:
    with _sync_service(args) as sync:
        report, interrupted = _run(sync.resync_failures)
    _print_report(report, args.json)
    return _exit_code(report, interrupted)


def run_exclude(args: argparse.Namespace) -> int:
    with _sync_service(args) as sync:
        sync.exclude(DocKind(args.kind), args.number, args.reason)
    print(f"{args.number} is excluded from syncing.")
    return 0


def run_include(args: argparse.Namespace) -> int:
    with _sync_service(args) as sync:
        state = sync.include(DocKind(args.kind), args.number, args.reason).sync_state
    print(f"{args.number} is included again ({state}).")
    return 0


def run_log(args: argparse.Namespace) -> int:
    with _sync_service(args, write=False) as sync:
        rows = sync.log(LogQuery(failed=args.failed, since=args.since, document=args.document,
                                 limit=args.limit))
    data = [{"at": r.at.isoformat(), "kind": r.kind, "document": r.document,
             "operation": r.operation, "result": r.result, "code": r.code,
             "message": r.message, "intuit_tid": r.intuit_tid} for r in rows]
    if args.json:
        print_json(data)
    else:
        print_table(["When (UTC)", "Document", "Operation", "Result", "Code", "Message"],
                    [[d["at"][:19].replace("T", " "), d["document"] or "", d["operation"],
                      d["result"], d["code"] or "", d["message"] or ""] for d in data],
                    shrink=(5,))
    return 0
