"""``connect`` and ``disconnect``."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import webbrowser
from dataclasses import replace
from urllib.parse import urlsplit

from app.commands import Adder
from app.commands.common import db_of, writes
from app.errors import KeyringLocked, UsageError
from app.services.connection import ENVIRONMENT_NAMES, PASSPHRASE_VARIABLE, ConnectOptions
from app.services.opening import open_company
from app.text import count_of


def register(add: Adder) -> None:
    command = add("connect", run_connect, "connect this company to QuickBooks Online")
    command.add_argument("--env", required=True, choices=ENVIRONMENT_NAMES,
                         help="production, intuit-sandbox, or local (a SyncDesk sandbox)")
    command.add_argument("--base-url", help="the URL `syncdesk sandbox` printed (local), or "
                                            "another server standing in for Intuit")
    command.add_argument("--client-id", help="your Intuit app's client id")
    command.add_argument("--client-secret",
                         help="your Intuit app's client secret (asked for when left out; kept "
                              "in the OS keychain)")
    command.add_argument("--timeout", type=float, default=300.0,
                         help="seconds to wait for the browser sign-in")
    command.add_argument("--encrypted-keyring", action="store_true",
                         help="no OS keychain here: keep Intuit's secrets in a file locked by a "
                              "passphrase (asked for, or $SYNCDESK_KEYRING_PASSPHRASE)")
    command.add_argument("--redirect-page", metavar="URL",
                         help="production keys: the https address where your firm hosts "
                              "SyncDesk's redirect page (resources/oauth/redirect.html), "
                              "registered with your Intuit app")
    command.add_argument("--relink", action="store_true",
                         help="move this store to another QuickBooks company: forget every "
                              "link to its old company and send its documents to the new one")
    add("disconnect", run_disconnect, "revoke SyncDesk's access and forget the connection")
    team = add("connection", run_connection,
               "a team store's shared connection: show its company key, or add one")
    team.add_argument("action", choices=("share-key", "add-key"),
                      help="share-key: print the company key for a teammate; add-key: keep "
                           "the key a teammate gave in this computer's keychain")
    team.add_argument("key", nargs="?",
                      help="add-key: the key (left out: asked for, or read from stdin, so "
                           "it stays out of the shell's history)")


def run_connect(args: argparse.Namespace) -> int:
    if args.env == "local" and not args.base_url:
        raise UsageError("connect --env local needs --base-url, the URL `syncdesk sandbox` "
                         "printed")
    if args.base_url is not None and not _web_address(args.base_url):
        raise UsageError("--base-url must be an http(s) address such as "
                         "http://127.0.0.1:PORT (the address `syncdesk sandbox` printed)")
    secret = args.client_secret
    if args.env != "local" and args.client_id and not secret and sys.stdin.isatty():
        secret = getpass.getpass("Client secret of your Intuit app: ") or None
    encrypted = args.encrypted_keyring and args.env != "local"
    options = ConnectOptions(args.env, args.base_url, args.client_id, secret,
                             encrypted_keyring=encrypted,
                             passphrase=ask_passphrase() if encrypted else None,
                             relink=args.relink, redirect_page=args.redirect_page)
    opener = None if args.env == "local" else _sign_in_in_browser  # None: SyncDesk signs in
    with open_company(db_of(args), write=writes(args)) as services:
        try:
            report = services.connection.connect(options, opener, timeout=args.timeout)
        except KeyringLocked:  # a team's company key in this computer's encrypted file
            passphrase = None if options.passphrase else ask_passphrase()
            if not passphrase:
                raise
            report = services.connection.connect(replace(options, passphrase=passphrase),
                                                 opener, timeout=args.timeout)
    print(f"Connected to {report.company_label} ({report.environment}).")
    if report.relinked is not None:
        print(f"Re-linked this store to it: every link to the old company is forgotten, and "
              f"{count_of(report.relinked, 'document')} "
              f"{'is' if report.relinked == 1 else 'are'} queued for the next sync.")
    elif report.relink_asked:
        print("This store already belongs to this company: nothing was re-linked.")
    if report.new_company_key:
        holder = "your encrypted keyring file" if report.key_in_file else "your keychain"
        print("This is a team store: QuickBooks' tokens are kept in it locked with a new "
              f"company key, which only {holder} holds. Give it to your teammates "
              "(`syncdesk connection share-key` prints it) and have each run "
              "`syncdesk connection add-key`.")
    return 0


def _sign_in_in_browser(url: str) -> None:
    print("Sign in to Intuit in your browser to let SyncDesk in …", file=sys.stderr)
    if not webbrowser.open(url):
        print(f"Open this address in a browser:\n{url}", file=sys.stderr)


def _web_address(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url


def ask_passphrase() -> str | None:
    """The encrypted keyring's passphrase: the environment, else asked on a terminal."""
    given = os.environ.get(PASSPHRASE_VARIABLE)
    if given or not sys.stdin.isatty():
        return given
    return getpass.getpass("Passphrase of SyncDesk's encrypted keyring: ") or None


def run_connection(args: argparse.Namespace) -> int:
    if args.action == "share-key":
        if args.key is not None:
            raise UsageError("connection share-key takes no key")
        with open_company(db_of(args), write=False) as services:
            key = services.connection.share_key(ask_passphrase)
        print("The company key (give it only to teammates, by a safe channel; with access "
              "to the database it opens this company's QuickBooks connection):",
              file=sys.stderr)
        print(key)
        return 0
    key = args.key
    if key is None:
        key = getpass.getpass("Company key: ") if sys.stdin.isatty() else sys.stdin.read()
    if not key.strip():
        raise UsageError("connection add-key needs the key a teammate gave you")
    with open_company(db_of(args), write=False) as services:
        in_file = services.connection.add_key(key, ask_passphrase)
    where = "encrypted keyring file (this computer has no OS keychain)" if in_file \
        else "keychain"
    print(f"The company key is kept in this computer's {where}: SyncDesk can use the "
          "team's QuickBooks connection here.")
    return 0


def run_disconnect(args: argparse.Namespace) -> int:
    with open_company(db_of(args), write=writes(args)) as services:
        report = services.connection.disconnect(ask_passphrase)
    if not report.was_connected:
        print("This company was not connected.")
    elif report.shared:
        print("Disconnected from QuickBooks for the whole team: the team's connection and "
              "your Intuit app's client secret were removed from the store, and the company "
              "key from this computer's keychain. Connecting again (--client-secret) makes a "
              "new company key to hand on.")
    elif report.forgot_client_secret:
        print("Disconnected from QuickBooks. Your Intuit app's client secret was removed from "
              "the keychain too; give it again (--client-secret) to connect.")
    else:
        print("Disconnected from QuickBooks.")
    return 0
