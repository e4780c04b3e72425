"""Connect, disconnect, report, and open a ready client for the sync."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import platformdirs
from sqlmodel import select

from app.connection import binding, key_home, shared
from app.connection.key_home import Passphrase, env_passphrase
from app.hints import Action, Hint
from app.logs import register_secret
from app.operations.actor import current_actor
from app.qbo import keychain
from app.qbo.client import QboClient
from app.qbo.environments import environment, provider
from app.qbo.errors import QboClientError
from app.qbo.limits import Limits, RealmLimiter
from app.qbo.oauth import (
    Authorization,
    ConnectError,
    Endpoints,
    OAuthClient,
    PastedAddress,
    authorize,
    redirect_page_problem,
)
from app.qbo.tokens import REFRESH_WARNING_DAYS, NeedsReconnect, TokenManager, TokenSet, TokenStore
from app.qbo.transport import RetryPolicy, Transport
from app.store.advisory import AdvisoryLock
from app.store.budget import shared_budget
from app.store.database import Store
from app.store.lock import WAIT, SyncLock
from app.store.models import QboConnection
from app.store.postgres import is_postgres
from app.store.types import utcnow
from app.work import OnProgress, check_cancel, report_progress

log = logging.getLogger(__name__)

LOCAL_CLIENT_ID = "syncdesk-demo"
LOCAL_CLIENT_SECRET = "syncdesk-demo-secret"  # the sandbox's published default, not a secret


class StoreTokenStore:
    """A local sandbox's tokens, kept in the store (they are not secrets)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def load(self) -> TokenSet | None:
        with self.store.session() as session:
            row = session.get(QboConnection, 1)
            if row is None or not row.local_tokens:
                return None
            data = row.local_tokens
            refresh_end = data.get("refresh_expires_at")
            tokens = TokenSet(str(data["access_token"]), str(data["refresh_token"]),
                              float(data["access_expires_at"]),
                              float(refresh_end) if refresh_end is not None else None,
                              str(data.get("realm_id", "")))
            register_secret(tokens.access_token)
            register_secret(tokens.refresh_token)
            return tokens

    def save(self, tokens: TokenSet) -> None:
        with self.store.session() as session:
            row = session.get(QboConnection, 1)
            if row is None:
                raise NeedsReconnect("not_connected", "the connection was removed")
            row.local_tokens = {
                "access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
                "access_expires_at": tokens.access_expires_at,
                "refresh_expires_at": tokens.refresh_expires_at, "realm_id": tokens.realm_id}
            _note_refresh_expiry(row, tokens)
            session.add(row)

    def clear(self) -> None:
        with self.store.session() as session:
            row = session.get(QboConnection, 1)
            if row is not None:
                row.local_tokens = None
                session.add(row)


class KeychainTokenStore(keychain.KeyringTokenStore):
    """Intuit tokens in the keychain; the store only learns when the refresh token ends."""

    def __init__(self, store: Store, environment_name: str, realm_id: str) -> None:
        super().__init__(environment_name, realm_id)
        self.store = store

    def save(self, tokens: TokenSet) -> None:
        super().save(tokens)
        with self.store.session() as session:
            row = session.get(QboConnection, 1)
            if row is not None:
                _note_refresh_expiry(row, tokens)
                session.add(row)


_note_refresh_expiry = shared.note_refresh_expiry


@dataclass
class ConnectRequest:
    environment: str
    base_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    keychain: str = "os"  # or keychain.ENCRYPTED_FILE, the user's opt-in
    passphrase: str | None = None  # for the encrypted file
    relink: bool = False  # move the store to another company (see app.connection.binding)
    relinked: int | None = None  # set by connect: documents queued again by a re-link
    redirect_page: str | None = None  # the firm's https page that hands the answer on
    pasted: PastedAddress | None = None  # where the user may paste the browser's address
    new_company_key: bool = False  # set by connect: a team store's connection got a new key

    def __repr__(self) -> str:  # never show the secret or the passphrase
        return f"ConnectRequest({self.environment!r}, client_id={self.client_id!r})"


def _unlock(store: Store, row: QboConnection, passphrase: Passphrase | None) -> None:
    """Make ready what ``row``'s secrets need on this computer: a team store's company key
    unlocks the encrypted file only when the key is there alone (``key_home``); another
    connection's secrets are where it was connected to keep them, the encrypted file
    (unlocked) or the OS keychain."""
    if shared.is_shared(store, row):
        key_home.unlock_for(row.shared_key_id, passphrase)
    elif row.keychain == keychain.ENCRYPTED_FILE:
        if env_passphrase() is None and keychain.use_unlocked_file():
            return  # unlocked earlier in this process (the window asked once)
        keychain.use_encrypted_file((passphrase or env_passphrase)())
    else:
        keychain.use_os_keychain()


def needs_passphrase(store: Store) -> bool:
    """Whether this company's secrets on this computer (a team store's: its company key)
    are only in the encrypted file, still locked in this process, with no passphrase in
    the environment."""
    row = connection(store)
    if row is None:
        return False
    if shared.is_shared(store, row):
        return key_home.locked(row.shared_key_id)
    return (row.keychain == keychain.ENCRYPTED_FILE
            and env_passphrase() is None and not keychain.use_unlocked_file())


def unlock(passphrase: str) -> None:
    """Unlock the encrypted file for the rest of this process (a wrong one is refused)."""
    keychain.use_encrypted_file(passphrase)


def _credentials(req: ConnectRequest, store: Store | None = None) -> tuple[str, str]:
    if req.environment == "local":
        return req.client_id or LOCAL_CLIENT_ID, req.client_secret or LOCAL_CLIENT_SECRET
    if not req.client_id:
        raise ConnectError("Connecting to Intuit needs your app's client id ({0}); the "
                           "README explains where to find it.",
                           Hint.of(Action.CLIENT_ID, words=""))
    secret = req.client_secret or keychain.get_client_secret(req.environment, req.client_id) \
        or (_shared_secret(store, req) if store is not None else None)
    if not secret:
        raise ConnectError("Connecting to Intuit needs your app's client secret ({0}); it is "
                           "kept in the OS keychain afterwards.",
                           Hint.of(Action.CLIENT_SECRET, words=""))
    return req.client_id, secret


KEY_IN_LOCKED_FILE = (
    "This computer keeps the team's company key in its encrypted keyring file, and "
    "connecting again needs it: without it SyncDesk would lock QuickBooks' sign-in with a "
    "new key, and every teammate would have to add that one. Give the file's passphrase "
    "and connect again. Nothing was connected.")


def _unlock_team_key(store: Store, req: ConnectRequest) -> None:
    """A reconnect finds the team's company key in this computer's encrypted file too
    (unlocked with the passphrase given, or the environment's), so that it keeps the key
    rather than making a new one: ``PassphraseNeeded`` when the key is only there and
    no passphrase is at hand, before any browser opens."""
    row = connection(store)
    if row is None or not shared.is_shared(store, row):
        return
    try:
        key_home.unlock_for(row.shared_key_id, lambda: req.passphrase or env_passphrase())
    except keychain.PassphraseNeeded:
        raise keychain.PassphraseNeeded(KEY_IN_LOCKED_FILE) from None


def _shared_secret(store: Store, req: ConnectRequest) -> str | None:
    """A team store's client secret, sealed there, when this computer holds the key."""
    row = connection(store)
    if row is None or not row.shared_client_secret or row.client_id != req.client_id \
            or row.environment != req.environment:
        return None
    try:
        return shared.client_secret(row, shared.held_key(row))
    except shared.CompanyKeyMissing:
        return None


PRODUCTION_NEEDS_PAGE = (
    "Production keys need an https redirect page: Intuit sends a production sign-in only to "
    "an https address, never straight to SyncDesk on this computer. Host SyncDesk's "
    "redirect page (resources/oauth/redirect.html) at an https address, add that address to "
    "your Intuit app's production redirect URIs, and give it here ({0}). Nothing was "
    "connected.")

CONNECT_STEPS = 4  # find the sign-in service, sign in, check the company, keep the connection


def connect(store: Store, req: ConnectRequest, open_browser: Callable[[str], Any],
            timeout: float = 300.0, *, on_progress: OnProgress | None = None,
            cancel: threading.Event | None = None) -> QboConnection:
    """Run the OAuth flow and keep the connection; replaces an earlier one.

    A store belongs to one company: connecting to another one raises
    ``binding.CompanyMismatch`` and changes nothing, unless ``req.relink``.
    ``cancel`` (checked while waiting for the browser and until the connection is
    kept) raises ``Cancelled`` with nothing stored: no tokens, no connection, no binding.
    """
    env = environment(req.environment, req.base_url)
    if env.keeps_secrets_in_keychain:  # checked before any browser or listener starts
        if req.keychain == keychain.ENCRYPTED_FILE:
            keychain.use_encrypted_file(req.passphrase or env_passphrase())
        else:
            keychain.require_keychain()
        _unlock_team_key(store, req)
    client_id, secret = _credentials(req, store)
    if env.name == "production" and not req.base_url and not req.redirect_page:
        raise ConnectError(PRODUCTION_NEEDS_PAGE, Hint.of(Action.REDIRECT_PAGE, words=""))
    if req.redirect_page and (problem := redirect_page_problem(req.redirect_page)):
        raise ConnectError(problem + " Nothing was connected.")
    if req.relink:  # say so before the sign-in, not after it
        with SyncLock(store).held(WAIT):
            pass
    report_progress(on_progress, 0, CONNECT_STEPS, f"finding {env.provider}'s sign-in service")
    endpoints = Endpoints.discover(env.discovery_url, provider=env.provider)
    oauth = OAuthClient(endpoints, client_id, secret, provider=env.provider)
    check_cancel(cancel)

    def browser(url: str) -> Any:
        answer = open_browser(url)
        report_progress(on_progress, 1, CONNECT_STEPS,
                        f"waiting for you to sign in to {env.provider}…")
        return answer

    auth: Authorization = authorize(oauth, browser, timeout, cancel,
                                    redirect_page=req.redirect_page or None, pasted=req.pasted)
    now = utcnow()
    tokens = TokenSet.from_response(auth.token_answer, auth.realm_id, now.timestamp())
    report_progress(on_progress, 2, CONNECT_STEPS, "checking the QuickBooks company")
    row = QboConnection(
        id=1, environment=env.name, base_url=req.base_url, api_base=env.api_base,
        realm_id=auth.realm_id, client_id=client_id, state="connected", connected_at=now,
        keychain=req.keychain if env.keeps_secrets_in_keychain else "os",
        authorization_endpoint=endpoints.authorization, token_endpoint=endpoints.token,
        revocation_endpoint=endpoints.revocation,
    )
    # A re-link must never run beside a sync (which would store the old company's ids
    # into the re-linked store): it holds the store's sync lock until the new connection
    # is in place.
    guard = SyncLock(store) if req.relink else None
    if guard is not None:
        guard.acquire(WAIT)  # SyncBusy: a sync is running
    try:
        tokens, row.company_name = _check_company(store, req, row, tokens, oauth, cancel)
        report_progress(on_progress, 3, CONNECT_STEPS, "keeping the connection")
        key = _company_key(store, req) if shared.is_shared(store, row) else None
        if key is not None:  # a team store: sealed in the store, for every member
            row.shared_key_id = key.key_id
            row.shared_client_secret = shared.seal(key, secret, shared.CLIENT_SECRET,
                                                   row.realm_id)
        elif env.keeps_secrets_in_keychain:
            keychain.set_client_secret(env.name, client_id, secret)
        else:
            row.local_client_secret = secret
        with store.session() as session:
            old = session.get(QboConnection, 1)
            if old is not None:
                session.delete(old)
                session.flush()
            session.add(row)
        token_store = shared.SharedTokenStore(store, key) if key is not None \
            else _token_store(store, row)
        token_store.save(tokens)
    finally:
        if guard is not None:
            guard.release()
    try:
        info = {"CompanyName": row.company_name} if row.company_name else \
            open_client(store).company_info()
        with store.session() as session:
            saved = session.get(QboConnection, 1)
            assert saved is not None
            saved.company_name = info.get("CompanyName")
            session.add(saved)
            row = saved
    except QboClientError as exc:
        log.warning("connected, but could not read the company's name: %s", exc)
    report_progress(on_progress, CONNECT_STEPS, CONNECT_STEPS)
    return row


def _company_key(store: Store, req: ConnectRequest) -> shared.CompanyKey:
    """The key that seals a team store's connection: the one the team already holds when
    this computer has it (a reconnect asks nobody for a new key), else a new one, kept in
    this computer's keychain before anything is sealed with it (the encrypted file when
    connecting with it, else the OS keychain)."""
    old = connection(store)
    if old is not None and old.shared_key_id:
        try:
            return shared.held_key(old)
        except shared.CompanyKeyMissing:
            pass
    key = shared.CompanyKey.new()
    key_home.put(key.key_id, key.text(), in_file=req.keychain == keychain.ENCRYPTED_FILE)
    req.new_company_key = True
    return key


def _revoke(oauth: OAuthClient, refresh_token: str, why: str) -> None:
    """Give tokens that will not be kept back to Intuit (best effort)."""
    try:
        oauth.revoke(refresh_token)
    except QboClientError as exc:
        log.warning("could not revoke the %s connection's tokens: %s", why, exc)


class _HeldTokens:
    """The new tokens, in memory only, while the company is checked."""

    def __init__(self, tokens: TokenSet) -> None:
        self.tokens: TokenSet | None = tokens

    def load(self) -> TokenSet | None:
        return self.tokens

    def save(self, tokens: TokenSet) -> None:
        self.tokens = tokens

    def clear(self) -> None:
        self.tokens = None


def _check_company(store: Store, req: ConnectRequest, row: QboConnection, tokens: TokenSet,
                   oauth: OAuthClient, cancel: threading.Event | None = None
                   ) -> tuple[TokenSet, str | None]:
    """Refuse another company than the store's own (unless re-linking); bind it otherwise.

    Nothing is written before the check (nor when ``cancel`` is set by then); the tokens
    (refreshed, if the check had to) are returned for keeping, with the company's name.
    """
    held = _HeldTokens(tokens)
    policy = RetryPolicy(attempts=3)
    transport = Transport(TokenManager(held, oauth.refresh, lock_path(row)),
                          make_limiter(store, row, Limits(), policy), policy)
    probe = QboClient(row.api_base, row.realm_id, transport)
    try:
        info: dict[str, Any] | None = probe.company_info()
    except QboClientError as exc:
        log.warning("could not read the company's details: %s", exc)
        info = None
    company = binding.Company.from_info(row.realm_id, row.environment, info)
    reason = binding.refusal(store, company, probe)
    if cancel is not None and cancel.is_set():  # the last safe point: nothing written yet
        _revoke(oauth, (held.tokens or tokens).refresh_token, "cancelled")
        check_cancel(cancel)
    if reason is None:
        binding.bind(store, company)
    elif req.relink:
        req.relinked = binding.relink(store, company, current_actor())
    else:
        _revoke(oauth, (held.tokens or tokens).refresh_token, "refused")  # nothing is kept
        raise binding.refused(reason, company)
    return held.tokens or tokens, company.name


def _token_store(store: Store, row: QboConnection) -> TokenStore:
    """Where ``row``'s tokens are; a team store's needs the company key
    (``shared.CompanyKeyMissing`` when this computer does not hold it)."""
    if row.environment == "local":
        return StoreTokenStore(store)
    if shared.is_shared(store, row):
        return shared.SharedTokenStore(store, shared.held_key(row))
    return KeychainTokenStore(store, row.environment, row.realm_id)


def connection(store: Store) -> QboConnection | None:
    with store.session() as session:
        return session.exec(select(QboConnection)).first()


def mark_needs_reconnect(store: Store) -> None:
    with store.session() as session:
        row = session.get(QboConnection, 1)
        if row is not None:
            row.state = "needs_reconnect"
            session.add(row)


def _oauth_for(store: Store, row: QboConnection) -> OAuthClient:
    if row.environment == "local":
        secret = row.local_client_secret or LOCAL_CLIENT_SECRET
    elif shared.is_shared(store, row):
        secret = shared.client_secret(row, shared.held_key(row))
    else:
        secret = keychain.get_client_secret(row.environment, row.client_id) or ""
    endpoints = Endpoints(row.authorization_endpoint, row.token_endpoint,
                          row.revocation_endpoint)
    return OAuthClient(endpoints, row.client_id, secret, provider=provider(row.environment))


def lock_path(row: QboConnection) -> Path:
    folder = Path(platformdirs.user_data_dir("SyncDesk", appauthor=False)) / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{row.environment}-{row.realm_id}.lock"


def refresh_lock(store: Store, row: QboConnection) -> Path | AdvisoryLock:
    """What serialises ``row``'s token refreshes: on a team store a database lock every
    computer of the team takes (a lock file would keep out only this computer's
    processes), else a lock file."""
    if is_postgres(store.url):
        return AdvisoryLock(store.engine, f"syncdesk:qbo-token-refresh:{row.realm_id}")
    return lock_path(row)


class _MarkingTokens(TokenManager):
    """A token manager that records 'needs reconnect' in the store when the refresh fails."""

    def __init__(self, store: Store, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._store = store

    def refresh(self, stale_access_token: str | None = None) -> TokenSet:
        try:
            return super().refresh(stale_access_token)
        except NeedsReconnect:
            mark_needs_reconnect(self._store)
            raise


def make_limiter(store: Store, row: QboConnection, limits: Limits, policy: RetryPolicy
                 ) -> RealmLimiter:
    """The company's limiter: on a team store it also takes every request's slot from
    the budget all the instances share (QuickBooks' limits are per company)."""
    return RealmLimiter(limits, shared=shared_budget(store, row.environment, row.realm_id,
                                                     limits, policy.timeout))


def open_client(store: Store, limits: Limits | None = None, policy: RetryPolicy | None = None,
                limiter: RealmLimiter | None = None, passphrase: Passphrase | None = None
                ) -> QboClient:
    """A client for this company's connection; raises ``NeedsReconnect`` when there is none.

    ``passphrase`` is asked only when the secrets are in the encrypted file
    (default: ``$SYNCDESK_KEYRING_PASSPHRASE``).
    """
    row = connection(store)
    if row is None:
        raise NeedsReconnect("not_connected", "This company is not connected to QuickBooks.")
    if row.state == "needs_reconnect":
        raise NeedsReconnect("needs_reconnect",
                             "QuickBooks asked SyncDesk to sign in again.")
    _unlock(store, row, passphrase)
    oauth = _oauth_for(store, row)
    tokens = _MarkingTokens(store, _token_store(store, row), oauth.refresh,
                            refresh_lock(store, row))
    policy = policy or RetryPolicy()
    transport = Transport(tokens, limiter or make_limiter(store, row, limits or Limits(), policy),
                          policy)
    return QboClient(row.api_base, row.realm_id, transport)


def disconnect(store: Store, passphrase: Passphrase | None = None) -> bool:
    """Revoke the tokens at Intuit (best effort) and forget the connection.

    The client secret ``connect`` kept in the keychain goes too: nothing of the
    connection stays behind (connecting again asks for it).
    """
    row = connection(store)
    if row is None:
        return False
    _unlock(store, row, passphrase)
    try:
        token_store: TokenStore | None = _token_store(store, row)
        oauth: OAuthClient | None = _oauth_for(store, row)
    except shared.CompanyKeyMissing:  # the sealed tokens go with the row, unrevoked
        log.warning("this computer does not hold the company key: the shared connection is "
                    "forgotten without revoking its tokens at Intuit")
        token_store = oauth = None
    tokens = token_store.load() if token_store is not None else None
    if tokens is not None and oauth is not None:
        try:
            oauth.revoke(tokens.refresh_token)
        except QboClientError as exc:
            log.warning("could not revoke the tokens at Intuit: %s", exc)
    if token_store is not None:
        token_store.clear()
    if row.environment != "local":  # a local sandbox's secret lives in the row below
        keychain.delete_client_secret(row.environment, row.client_id)
    if row.shared_key_id:
        key_home.delete(row.shared_key_id)
    with store.session() as session:
        saved = session.get(QboConnection, 1)
        if saved is not None:
            session.delete(saved)
    return True


def connection_status(store: Store) -> dict[str, Any]:
    """The ``connection`` part of ``status --json``."""
    row = connection(store)
    if row is None:
        return {"state": "disconnected", "environment": None, "company": None}
    result: dict[str, Any] = {"state": row.state, "environment": row.environment,
                              "company": row.company_name, "realm_id": row.realm_id}
    if row.refresh_expires_at is not None:
        result["refresh_token_expires_at"] = row.refresh_expires_at.isoformat()
        left = row.refresh_expires_at - utcnow()
        if left < timedelta(days=REFRESH_WARNING_DAYS):
            days = max(0, left.days)
            result["warning"] = (f"The QuickBooks sign-in ends in {days} days; connect again "
                                 "before then to keep syncing.")
    if shared.is_shared(store, row) and row.shared_key_id:
        held = company_key_state(row)
        result["company_key"] = held
        if row.state == "connected" and held == "missing":
            result["warning"] = ("This computer does not hold the company key that opens "
                                 "the team's QuickBooks connection: ask a teammate for it.")
    return result


def company_key_state(row: QboConnection) -> str:
    """Whether this computer holds the company key of a team's connection: "held",
    "missing", or "locked" when it is only in the encrypted file, which is not unlocked in
    this run (a look never asks for the passphrase); "unanswered" when the keychain does not
    answer."""
    try:
        key_home.unlock_for(row.shared_key_id, None)  # the environment's passphrase only
    except keychain.NoKeychain:  # none given, or a wrong one in the environment
        return "locked"
    try:
        shared.held_key(row)
    except shared.CompanyKeyMissing:
        return "missing"
    except keychain.NoKeychain:
        return "unanswered"
    return "held"


def share_key(store: Store, passphrase: Passphrase | None = None) -> str:
    """The company key of a team store's connection, to hand to a teammate."""
    row = connection(store)
    if row is None or not shared.is_shared(store, row) or not row.shared_key_id:
        raise shared.WrongCompanyKey(
            "This store has no shared QuickBooks connection, so there is no company key: "
            "a team store (PostgreSQL) connected to Intuit has one.")
    _unlock(store, row, passphrase)
    return shared.held_key(row).text()


def add_key(store: Store, text: str, passphrase: Passphrase | None = None) -> bool:
    """Keep a teammate's company key on this computer once it proves to open the store's
    shared connection: in the OS keychain where one is usable, else in the encrypted file
    (its passphrase asked for then), whatever the member who connected chose. True when
    it went to the encrypted file."""
    key = shared.proven_key(store, text)
    in_file = key_home.home_for_new_key(passphrase)
    key_home.put(key.key_id, key.text(), in_file=in_file)
    return in_file
