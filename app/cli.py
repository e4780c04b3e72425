"""The ``syncdesk`` command line: parsing, dispatch and exit codes.

Exit codes (a stable interface, see shared/DESIGN.md): 0 the command did its
job, 1 it could not (store error, refused change, …), 2 usage error. stdout
carries only the command's output; messages go to stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.exc import DatabaseError

from app.errors import UserError
from app.logs import FILE_ONLY, configure_logging, log_path, redact
from app.qbo.keychain import configure_backend, forget_unlocked
from app.sandbox import cli as sandbox_cli

Handler = Callable[[argparse.Namespace], int]
log = logging.getLogger("app.cli")


def _db_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS keeps a subcommand's missing --db from hiding one given before it.
    parser.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="PATH_OR_URL",
        help="the company store (default: $SYNCDESK_DB, else the OS user data folder)",
    )


def _verbose_option(parser: argparse.ArgumentParser, default: object) -> None:
    # After the subcommand too (`syncdesk status -v`); SUPPRESS there, as for --db.
    parser.add_argument("-v", "--verbose", action="store_true", default=default,
                        help="log details to stderr")


def _version() -> str:
    """This SyncDesk's version (pyproject's, through the installed metadata)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("syncdesk")
    except PackageNotFoundError:
        return "(version unknown: not installed)"


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser; each subcommand sets ``handler``."""
    parser = argparse.ArgumentParser(
        prog="syncdesk",
        description="Purchase orders and supplier invoices, synced into QuickBooks Online.",
    )
    _db_option(parser)
    _verbose_option(parser, False)
    parser.add_argument("--version", action="version", version=f"SyncDesk {_version()}")
    parser.add_argument("--self-test", action="store_true",
                        help="check that this SyncDesk works (a temporary demo store, its "
                        "QuickBooks sandbox, one sync, the window) and print one line")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        _db_option(command)
        _verbose_option(command, argparse.SUPPRESS)
        command.set_defaults(handler=handler)
        return command

    from app.commands import register_all

    register_all(add)
    sandbox = add("sandbox", sandbox_cli.run, "serve the QuickBooks Online sandbox on loopback")
    sandbox_cli.add_arguments(sandbox)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    log_file = configure_logging(args.verbose)
    configure_backend()  # the OS keychain only (and explicit inside a bundle)
    forget_unlocked()  # a command asks for the encrypted file's passphrase itself
    handler: Handler | None = getattr(args, "handler", None)
    if args.self_test:
        if handler is not None:
            parser.error("--self-test takes no command")
        from app.commands.self_test import run_self_test

        return run_self_test()
    if handler is None and _window_installed():
        args.command, handler = "gui", _open_window  # `syncdesk` alone opens the window
    if handler is None:
        parser.print_usage(sys.stderr)
        print("syncdesk: error: name a command (the window arrives with its own issue)",
              file=sys.stderr)
        return 2
    try:
        return handler(args)
    except UserError as exc:
        from app.commands.hints import as_command

        log.info("syncdesk %s: %s", args.command, exc, extra=FILE_ONLY)
        print(f"syncdesk: {exc.words(as_command)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader (e.g. `| head`) stopped reading: not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        plain = _store_error(args, exc)
        if plain is None:
            return _unexpected(args, exc, log_file)
        from app.commands.hints import as_command

        log.info("syncdesk %s: %s", args.command, getattr(exc, "orig", None) or exc)
        print(f"syncdesk: {plain.words(as_command)}", file=sys.stderr)
        return plain.exit_code
    except Exception as exc:
        return _unexpected(args, exc, log_file)


def _window_installed() -> bool:
    from app.commands.gui import find_window

    return find_window() is not None


def _open_window(args: argparse.Namespace) -> int:
    from app.commands.gui import run_gui

    return run_gui(args)


def _store_error(args: argparse.Namespace, exc: BaseException) -> UserError | None:
    """A store that went read-only, damaged or full while the command ran, in plain words."""
    from app.services.opening import store_problem

    return store_problem(exc, getattr(args, "db", None))


def _unexpected(args: argparse.Namespace, exc: BaseException, log_file: Path | None) -> int:
    """A bug or a failure nobody foresaw: the traceback to the log, one line to the user.

    Without a log file the traceback goes nowhere (the console gets it only with -v).
    """
    verbose = bool(getattr(args, "verbose", False))
    if log_file is not None or verbose:
        log.error("syncdesk %s failed unexpectedly", args.command, exc_info=exc,
                  extra=FILE_ONLY)
    what = redact(f"{type(exc).__name__}: {exc}".splitlines()[0])
    if len(what) > 160:
        what = what[:157] + "..."
    if log_file is not None:
        where = f"details in {log_file}"
    elif verbose:
        where = f"the log file {log_path()} could not be written; the details are above"
    else:
        where = (f"the log file {log_path()} could not be written, so the details were not "
                 "kept: run the command again with -v to see them")
    print(f"syncdesk: unexpected error ({what}); {where}", file=sys.stderr)
    return 1
