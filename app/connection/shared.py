"""A team's shared QuickBooks connection, sealed in the store with the company key.

On a PostgreSQL store several bookkeepers use one QuickBooks connection, so its tokens
(and the Intuit app's client secret, which every refresh needs) live in the store,
where every member's SyncDesk reads the newest ones. They are never there in plain
text: each is sealed with AES-GCM under a random 256-bit *company key* made when the
company is connected. The key lives only in the members' keychains (the admin's at
connect, a teammate's once they add it; where on each computer: ``key_home``); the store
keeps the key's id, not the key. A copy of the database, or its administrator, holds
sealed blobs that open nothing.

Each sealed value is bound (as AES-GCM associated data) to what it is, the company
and the key id, so a blob cannot be moved into another field or another company.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from Crypto.Cipher import AES

from app.connection import key_home
from app.errors import UserError
from app.hints import Action, Hint
from app.logs import register_secret
from app.qbo import keychain
from app.qbo.tokens import NeedsReconnect, TokenSet
from app.store.database import Store
from app.store.models import QboConnection
from app.store.postgres import is_postgres
from app.store.types import utcnow

KEY_PREFIX = "syncdesk-key"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # GCM's standard nonce, random per sealed value
SEALED_PREFIX = "aesgcm1."

TOKENS = "tokens"
CLIENT_SECRET = "client-secret"


class CompanyKeyMissing(keychain.NoKeychain):
    """This computer's keychain does not hold the key that opens the shared connection."""


class WrongCompanyKey(UserError):
    """A key given to SyncDesk that is not (or is not a) company key of this store."""


def missing_key() -> CompanyKeyMissing:
    return CompanyKeyMissing(
        "This company's QuickBooks connection is shared by the team and locked with a "
        "company key that this computer's keychain does not hold, so SyncDesk cannot use "
        "it here. Ask the person who connected QuickBooks (or a teammate who syncs) for "
        "the company key, then add it ({0}). If QuickBooks was connected again lately, "
        "that made a new key: ask for the new one.", Hint.of(Action.ADD_COMPANY_KEY))


@dataclass(frozen=True)
class CompanyKey:
    """The random key that seals one company's shared connection, and its id."""

    key_id: str
    secret: bytes = field(repr=False)

    @classmethod
    def new(cls) -> CompanyKey:
        key = cls(secrets.token_hex(6), os.urandom(KEY_BYTES))
        register_secret(key.text())
        return key

    def text(self) -> str:
        """The key as a teammate is given it: one line, ``syncdesk-key.ID.SECRET``."""
        encoded = base64.urlsafe_b64encode(self.secret).decode("ascii").rstrip("=")
        return f"{KEY_PREFIX}.{self.key_id}.{encoded}"

    @classmethod
    def parse(cls, text: str) -> CompanyKey:
        parts = "".join(text.split()).split(".")
        try:
            if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1].isalnum():
                raise ValueError
            secret = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
        except (ValueError, binascii.Error):
            raise WrongCompanyKey("That is not a SyncDesk company key: a key is one line "
                                  f"that starts with '{KEY_PREFIX}.'.") from None
        if len(secret) != KEY_BYTES:
            raise WrongCompanyKey("That company key is cut short: copy the whole line.")
        key = cls(parts[1], secret)
        register_secret(key.text())
        return key

    def __repr__(self) -> str:  # never the secret, not even in a traceback
        return f"CompanyKey({self.key_id!r})"


def _context(key: CompanyKey, what: str, realm_id: str) -> bytes:
    return f"syncdesk:{what}:{realm_id}:{key.key_id}".encode()


def seal(key: CompanyKey, plain: str, what: str, realm_id: str) -> str:
    """``plain`` encrypted and authenticated (AES-256-GCM, a fresh random nonce)."""
    nonce = os.urandom(NONCE_BYTES)
    cipher = AES.new(key.secret, AES.MODE_GCM, nonce=nonce)
    cipher.update(_context(key, what, realm_id))
    data, tag = cipher.encrypt_and_digest(plain.encode("utf-8"))
    return SEALED_PREFIX + base64.b64encode(nonce + data + tag).decode("ascii")


def unseal(key: CompanyKey, sealed: str, what: str, realm_id: str) -> str | None:
    """What ``seal`` sealed, or None when ``key`` does not open it (or it was altered)."""
    if not sealed.startswith(SEALED_PREFIX):
        return None
    try:
        raw = base64.b64decode(sealed[len(SEALED_PREFIX):], validate=True)
        nonce, data, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-16], raw[-16:]
        cipher = AES.new(key.secret, AES.MODE_GCM, nonce=nonce)
        cipher.update(_context(key, what, realm_id))
        plain = cipher.decrypt_and_verify(data, tag).decode("utf-8")
    except (ValueError, binascii.Error):
        return None
    register_secret(plain)
    return plain


def is_shared(store: Store, row: QboConnection) -> bool:
    """Whether this connection is the team's shared one: a PostgreSQL store and Intuit
    (a local SyncDesk sandbox's demo credentials are not secrets, and its address is one
    computer's loopback)."""
    return is_postgres(store.url) and row.environment != "local"


def held_key(row: QboConnection) -> CompanyKey:
    """The company key of ``row`` from this computer's keychain; ``CompanyKeyMissing``."""
    text = key_home.get(row.shared_key_id) if row.shared_key_id else None
    if not text:
        raise missing_key()
    try:
        key = CompanyKey.parse(text)
    except WrongCompanyKey:
        raise missing_key() from None
    if key.key_id != row.shared_key_id:
        raise missing_key()
    return key


def client_secret(row: QboConnection, key: CompanyKey) -> str:
    opened = unseal(key, row.shared_client_secret, CLIENT_SECRET, row.realm_id) \
        if row.shared_client_secret else None
    if opened is None:
        raise missing_key()
    return opened


def proven_key(store: Store, text: str) -> CompanyKey:
    """The company key ``text`` once it proves to open the store's shared connection
    (``WrongCompanyKey`` otherwise); nothing is kept here."""
    key = CompanyKey.parse(text)
    with store.session() as session:
        row = session.get(QboConnection, 1)
    if row is None or not row.shared_key_id:
        raise WrongCompanyKey("This store has no shared QuickBooks connection for a key to "
                              "open: connect QuickBooks first ({0}).", Hint.of(Action.CONNECT))
    sealed = row.shared_client_secret or row.shared_tokens
    what = CLIENT_SECRET if row.shared_client_secret else TOKENS
    if key.key_id != row.shared_key_id or sealed is None or \
            unseal(key, sealed, what, row.realm_id) is None:
        raise WrongCompanyKey(
            "That company key does not open this store's QuickBooks connection: it is "
            "another company's, or one from before QuickBooks was connected again. Ask for "
            "the current key. Nothing was kept.")
    return key


def note_refresh_expiry(row: QboConnection, tokens: TokenSet) -> None:
    if tokens.refresh_expires_at:
        row.refresh_expires_at = datetime.fromtimestamp(tokens.refresh_expires_at,
                                                        tz=utcnow().tzinfo)


class SharedTokenStore:
    """The shared connection's tokens, sealed in the store; every load reads the newest."""

    def __init__(self, store: Store, key: CompanyKey) -> None:
        self.store = store
        self.key = key

    def load(self) -> TokenSet | None:
        with self.store.session() as session:
            row = session.get(QboConnection, 1)
        if row is None or not row.shared_tokens:
            return None
        if row.shared_key_id != self.key.key_id:
            raise missing_key()  # connected again meanwhile, with a new key
        text = unseal(self.key, row.shared_tokens, TOKENS, row.realm_id)
        if text is None:
            raise missing_key()
        return TokenSet.from_json(text)

    def save(self, tokens: TokenSet) -> None:
        with self.store.session() as session:
            row = session.get(QboConnection, 1)
            if row is None:
                raise NeedsReconnect("not_connected", "the connection was removed")
            row.shared_key_id = self.key.key_id
            row.shared_tokens = seal(self.key, tokens.to_json(), TOKENS, row.realm_id)
            note_refresh_expiry(row, tokens)
            session.add(row)

    def clear(self) -> None:
        with self.store.session() as session:
            row = session.get(QboConnection, 1)
            if row is not None:
                row.shared_tokens = None
                session.add(row)
