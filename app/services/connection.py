"""The connection service: connect, disconnect, health.

QuickBooks' own errors while connecting (the sign-in refused or not answered, no
keychain, a server out of reach) come out of here as ``UserError`` in plain words,
so that callers need nothing of ``app.qbo``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.connection import service as connection
from app.connection import shared
from app.domain.roles import Permission
from app.domain.states import DocKind
from app.errors import KeyringLocked, UserError
from app.qbo import keychain
from app.qbo.environments import ENVIRONMENT_NAMES as _ENVIRONMENT_NAMES
from app.qbo.errors import QboClientError, TransportError
from app.qbo.keychain import NoKeychain, PassphraseNeeded
from app.qbo.oauth import ConnectError, follow_redirects
from app.qbo.oauth import PastedAddress as PastedAddress  # the window pastes through it
from app.qbo.oauth import redirect_page_problem as redirect_page_problem  # checks the field
from app.services.team import check
from app.store.database import Store
from app.work import OnProgress

ENVIRONMENT_NAMES: tuple[str, ...] = _ENVIRONMENT_NAMES  # production, intuit-sandbox, local
PASSPHRASE_VARIABLE = keychain.PASSPHRASE_VARIABLE  # the encrypted keyring's passphrase

Browser = Callable[[str], Any]  # opens the sign-in page at the URL it is given
Passphrase = Callable[[], str | None]


@dataclass(frozen=True)
class ConnectOptions:
    """What to connect to, as the user chose it."""

    environment: str  # one of ENVIRONMENT_NAMES
    base_url: str | None = None  # a SyncDesk sandbox's address (local), or another server
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    encrypted_keyring: bool = False  # keep Intuit's secrets in a passphrase-locked file
    #: the encrypted file's passphrase: for the new secrets, or to open a team's company
    #: key this computer keeps there
    passphrase: str | None = field(default=None, repr=False)
    relink: bool = False  # move the store to another QuickBooks company
    #: the firm's https page Intuit redirects to, which hands the answer on to SyncDesk
    #: (production keys accept no other; see resources/oauth/redirect.html)
    redirect_page: str | None = None

    @property
    def local(self) -> bool:
        return self.environment == "local"

    @property
    def needs_redirect_page(self) -> bool:
        """Intuit's production sign-in redirects only to an https page (not to this
        computer): the firm's hosted redirect page must be given."""
        return self.environment == "production" and not self.base_url


class KeychainMissing(UserError):
    """No OS keychain to keep Intuit's secrets: connecting again with
    ``encrypted_keyring=True`` (and a passphrase) keeps them in an encrypted file."""


@dataclass(frozen=True)
class ConnectReport:
    environment: str
    realm_id: str
    company: str | None  # the company's name, when QuickBooks gave it
    relink_asked: bool
    relinked: int | None  # documents queued again by a re-link (None: nothing re-linked)
    #: a team store's shared connection got a new company key (kept in this computer's
    #: keychain): teammates need it to sync
    new_company_key: bool = False
    key_in_file: bool = False  # … and that key went to the encrypted keyring file

    @property
    def company_label(self) -> str:
        return self.company or f"QuickBooks company {self.realm_id}"


@dataclass(frozen=True)
class DisconnectReport:
    was_connected: bool
    environment: str | None
    shared: bool = False  # a team store's shared connection (sealed in the store)

    @property
    def forgot_client_secret(self) -> bool:
        """Whether the Intuit app's client secret went from the keychain too."""
        return self.was_connected and self.environment != "local"


@dataclass(frozen=True)
class ConnectionHealth:
    """The company's connection as ``status`` shows it."""

    state: str  # disconnected | connected | needs_reconnect
    environment: str | None
    company: str | None
    realm_id: str | None = None
    refresh_token_expires_at: datetime | None = None
    warning: str | None = None  # e.g. the sign-in ends soon
    base_url: str | None = None  # the server it was given (a local sandbox's address)
    client_id: str | None = None  # the Intuit app's (not a secret): a reconnect offers it
    #: a team store's shared connection: whether this computer holds its company key
    #: ("held", "missing", "locked" in the encrypted file not unlocked yet, "unanswered");
    #: None when the connection has no company key
    company_key: str | None = None

    @property
    def connected(self) -> bool:
        return self.state == "connected"

    def as_json(self) -> dict[str, Any]:
        """The ``connection`` object of ``status --json``."""
        if self.state == "disconnected":
            return {"state": self.state, "environment": None, "company": None}
        result: dict[str, Any] = {"state": self.state, "environment": self.environment,
                                  "company": self.company, "realm_id": self.realm_id}
        if self.refresh_token_expires_at is not None:
            result["refresh_token_expires_at"] = self.refresh_token_expires_at.isoformat()
        if self.warning is not None:
            result["warning"] = self.warning
        if self.company_key is not None:
            result["company_key"] = self.company_key
        return result


#: QuickBooks Online's web app, per environment (the local sandbox has none).
WEB_APPS = {"production": "https://app.qbo.intuit.com",
            "intuit-sandbox": "https://app.sandbox.qbo.intuit.com"}
_WEB_PAGES = {DocKind.PO: "purchaseorder", DocKind.INVOICE: "bill"}


def qbo_web_url(environment: str, kind: DocKind, qbo_id: str) -> str | None:
    """Where QuickBooks' web app shows a PO (its PurchaseOrder) or an invoice (its Bill);
    None for an environment without one (the local SyncDesk sandbox)."""
    host = WEB_APPS.get(environment)
    return f"{host}/app/{_WEB_PAGES[kind]}?txnId={qbo_id}" if host else None


@dataclass(frozen=True)
class WebLink:
    """A document's page in QuickBooks' web app, or why there is none (plain words)."""

    url: str | None
    reason: str | None = None


class ConnectionService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def connect(self, options: ConnectOptions, open_browser: Browser | None = None, *,
                timeout: float = 300.0, on_progress: OnProgress | None = None,
                cancel: threading.Event | None = None,
                pasted: PastedAddress | None = None) -> ConnectReport:
        """Sign in and keep the connection (replacing an earlier one).

        ``open_browser`` shows the sign-in page; for a local sandbox it may be left
        out (SyncDesk then signs in to the sandbox itself). While it waits for the
        browser it reports "waiting for you to sign in…"; ``cancel`` stops the wait
        (``app.work.Cancelled``) and nothing is kept. While it waits, the address the
        browser ended on may be given through ``pasted`` instead (the same state check
        applies). No OS keychain for Intuit's secrets raises ``KeychainMissing``.
        Connecting is a company admin's (``NotAllowed`` for anyone else).
        """
        check(self._store, Permission.CONNECTION)
        if open_browser is None:
            if not options.local:
                raise ValueError("connecting to Intuit needs a browser to sign in")
            open_browser = follow_redirects
        request = connection.ConnectRequest(options.environment, options.base_url,
                                            options.client_id, options.client_secret,
                                            relink=options.relink,
                                            redirect_page=options.redirect_page, pasted=pasted)
        if options.encrypted_keyring and not options.local:
            request.keychain = keychain.ENCRYPTED_FILE
        if not options.local:  # also opens a team's company key kept in the file
            request.passphrase = options.passphrase
        try:
            row = connection.connect(self._store, request, open_browser, timeout=timeout,
                                     on_progress=on_progress, cancel=cancel)
        except UserError:
            raise  # already in plain words, with its hints (e.g. another company's store)
        except PassphraseNeeded as exc:  # a team's key in this computer's locked file
            raise KeyringLocked.of(exc) from None
        except NoKeychain as exc:
            missing = not options.encrypted_keyring and not options.local
            raise (KeychainMissing if missing else UserError).of(exc) from None
        except (ConnectError, ValueError) as exc:
            raise UserError.of(exc) from None  # its hints kept
        except TransportError as exc:  # its text says what could not be reached, and what to do
            raise (UserError(exc.reason, *exc.hints) if exc.reason[:1].isupper()
                   else UserError(f"connecting failed: {exc}")) from None
        except QboClientError as exc:
            raise UserError(f"connecting failed: {exc}") from None
        in_file = request.new_company_key and request.keychain == keychain.ENCRYPTED_FILE
        return ConnectReport(row.environment, row.realm_id, row.company_name, options.relink,
                             request.relinked, request.new_company_key, in_file)

    def disconnect(self, passphrase: Passphrase | None = None) -> DisconnectReport:
        """Revoke SyncDesk's access (best effort) and forget the connection and its secrets.

        ``passphrase`` is asked only when the secrets are in the encrypted file. A company
        admin's (``NotAllowed`` for anyone else)."""
        check(self._store, Permission.CONNECTION)
        row = connection.connection(self._store)
        try:
            done = connection.disconnect(self._store, passphrase)
        except PassphraseNeeded as exc:
            raise KeyringLocked.of(exc) from None
        except NoKeychain as exc:
            raise UserError.of(exc) from None
        return DisconnectReport(done, row.environment if row is not None else None,
                                row is not None and shared.is_shared(self._store, row))

    def share_key(self, passphrase: Passphrase | None = None) -> str:
        """The company key that opens a team store's shared connection (one line), for a
        teammate to add; refused in plain words when this computer does not hold it."""
        try:
            return connection.share_key(self._store, passphrase)
        except PassphraseNeeded as exc:
            raise KeyringLocked.of(exc) from None
        except NoKeychain as exc:
            raise UserError.of(exc) from None

    def add_key(self, key: str, passphrase: Passphrase | None = None) -> bool:
        """Keep a company key a teammate gave on this computer: in its OS keychain where one
        is usable, else in the encrypted keyring file (``KeyringLocked`` until its
        passphrase is given), whoever connected and how. A key that does not open this
        store's shared connection is refused and nothing is kept. True when the key went
        to the encrypted file."""
        try:
            return connection.add_key(self._store, key, passphrase)
        except PassphraseNeeded as exc:
            raise KeyringLocked.of(exc) from None
        except NoKeychain as exc:
            raise UserError.of(exc) from None

    def needs_passphrase(self) -> bool:
        """Whether Intuit's secrets are in the encrypted file, still locked in this run
        (and no passphrase in the environment): ask for it before syncing."""
        return connection.needs_passphrase(self._store)

    def unlock(self, passphrase: str) -> None:
        """Unlock the encrypted file for the rest of this run; a wrong passphrase is
        refused in plain words."""
        try:
            connection.unlock(passphrase)
        except NoKeychain as exc:
            raise UserError.of(exc) from None

    def health(self) -> ConnectionHealth:
        """Whether the company is connected, to what, and any warning about it."""
        data = connection.connection_status(self._store)
        expires = data.get("refresh_token_expires_at")
        row = connection.connection(self._store) if data["state"] != "disconnected" else None
        return ConnectionHealth(data["state"], data.get("environment"), data.get("company"),
                                data.get("realm_id"),
                                datetime.fromisoformat(expires) if expires else None,
                                data.get("warning"),
                                row.base_url if row is not None else None,
                                row.client_id if row is not None else None,
                                data.get("company_key"))

    def web_link(self, kind: DocKind, qbo_id: str | None) -> WebLink:
        """The document's page in QuickBooks for the connected company, or why it has none."""
        noun = "PO" if kind is DocKind.PO else "invoice"
        if not qbo_id:
            return WebLink(None, f"This {noun} is not in QuickBooks yet.")
        health = self.health()
        if health.state == "disconnected" or not health.environment:
            return WebLink(None, "SyncDesk is not connected to QuickBooks.")
        url = qbo_web_url(health.environment, kind, qbo_id)
        if url is None:
            return WebLink(None, "This company is connected to the SyncDesk sandbox, "
                           "which has no QuickBooks website to open.")
        return WebLink(url)
