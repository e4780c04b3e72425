"""The tables of one company store (SQLModel).

Money is ``Decimal`` (``ScaledDecimal`` columns), timestamps are UTC
(``UTCDateTime``), dates are dates. Listing filters have indexes; see
``app.store.queries``. The migrations in ``app/store/migrations`` build exactly
this schema (tests/store/test_migrations.py compares them).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.domain.states import InvoiceStatus, PoStatus, SyncState
from app.store.types import ScaledDecimal, UTCDateTime, utcnow


def money_field(**kwargs: Any) -> Any:
    return Field(sa_type=ScaledDecimal(2), **kwargs)


def quantity_field(**kwargs: Any) -> Any:
    return Field(default=None, sa_type=ScaledDecimal(5), nullable=True, **kwargs)


def timestamp_field(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kwargs)


class Supplier(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    email: str | None = None
    currency: str = "USD"
    active: bool = True
    qbo_vendor_id: str | None = None
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class Account(SQLModel, table=True):
    """The chart of accounts, as known locally (QuickBooks' list replaces it on sync)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    account_type: str  # QuickBooks' AccountType, e.g. "Expense", "Accounts Payable"
    active: bool = True
    qbo_id: str | None = None


class Item(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    expense_account_id: int | None = Field(default=None, foreign_key="account.id")
    active: bool = True
    qbo_id: str | None = None


class SyncFields(SQLModel):
    """Where a document stands with QuickBooks; shared by POs and invoices."""

    # indexed alone and with the date (``ix_<table>_sync_state[_date]``, see
    # ``listing_indexes``)
    sync_state: str = Field(default=SyncState.NOT_SYNCED.value)
    problem: str | None = Field(default=None, index=True)  # a snake_case problem kind
    qbo_id: str | None = None
    qbo_sync_token: str | None = None
    qbo_status: str | None = None  # QuickBooks' own status: Open, Closed, Paid …
    last_error_code: str | None = None
    last_error_message: str | None = None
    last_error_detail: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    queued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    excluded_reason: str | None = None
    # Bumped on every change; the sync derives its idempotent request ids from it.
    revision: int = 1
    # The request id of a create whose outcome is not known yet (see app.sync.engine),
    # and the revision that request sent.
    pending_request_id: str | None = None
    pending_revision: int | None = None
    # … and what it sent to be found by (DocNumber, VendorRef: migration 0012)
    pending_sent: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    attempt: int = 0  # definite failures so far at this revision
    auto_retries: int = 0  # automatic retries of transient failures so far
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Where QuickBooks' copy differs from this one since it was synced (see app.sync.pull).
    qbo_drift: dict[str, Any] | None = Field(default=None, sa_type=JSON)


def listing_indexes(table: str, date_column: str) -> tuple[Index, ...]:
    """The indexes a listing walks for its first page (see ``app.store.queries``).

    Each sort column's index ends in the id (ties in the order the documents were made):
    SQLite's do by themselves, PostgreSQL's need it (0018). The number's unique index
    is declared on its field; the free-text index lives in ``app.store.sqlite``.
    """
    sorts = ("status", "sync_state", date_column, "total", "currency",
             *(("reference",) if table == "invoice" else ()))
    return (
        # a sort's ties in the order the documents were made (0010, 0018)
        *(Index(f"ix_{table}_{column}", column, "id") for column in sorts),
        # the filter bar's counts by state within a status or a supplier (0010)
        Index(f"ix_{table}_sync_state_status", "sync_state", "status"),
        Index(f"ix_{table}_sync_state_supplier", "sync_state", "supplier_id"),
        # one state newest first (0010; the id since 0018)
        Index(f"ix_{table}_sync_state_date", "sync_state", date_column, "id"),
    )


class PurchaseOrder(SyncFields, table=True):
    __tablename__ = "purchase_order"
    __table_args__ = listing_indexes("purchase_order", "txn_date")

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(index=True, unique=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    status: str = Field(default=PoStatus.DRAFT.value)
    po_date: date | None = None  # set by hand, only when the company allows it
    approved_on: date | None = None
    txn_date: date  # the date QuickBooks gets (see domain.workflow)
    currency: str = "USD"
    total: Decimal = money_field(default=Decimal("0.00"))
    memo: str | None = None
    created_by: str
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class LineFields(SQLModel):
    """What every document line has, on POs and invoices alike."""

    line_no: int
    description: str | None = None
    account_id: int | None = Field(default=None, foreign_key="account.id")
    item_id: int | None = Field(default=None, foreign_key="item.id")
    qty: Decimal | None = quantity_field()
    unit_price: Decimal | None = quantity_field()
    amount: Decimal = money_field()
    qbo_line_id: str | None = None  # QuickBooks' id of this line once synced


class PoLine(LineFields, table=True):
    __tablename__ = "po_line"

    id: int | None = Field(default=None, primary_key=True)
    po_id: int = Field(foreign_key="purchase_order.id", index=True)


class Invoice(SyncFields, table=True):
    """A supplier invoice; it becomes a QuickBooks Bill, linked to the PO it bills."""

    __table_args__ = listing_indexes("invoice", "issue_date")

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(index=True, unique=True)  # SyncDesk's own number
    reference: str  # the supplier's invoice number: the Bill's DocNumber
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    po_id: int | None = Field(default=None, foreign_key="purchase_order.id", index=True)
    status: str = Field(default=InvoiceStatus.OUTSTANDING.value)
    issue_date: date
    due_date: date | None = None
    currency: str = "USD"
    total: Decimal = money_field(default=Decimal("0.00"))
    amount_paid: Decimal = money_field(default=Decimal("0.00"))
    memo: str | None = None
    created_by: str
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class InvoiceLine(LineFields, table=True):
    __tablename__ = "invoice_line"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    po_line_id: int | None = Field(default=None, foreign_key="po_line.id")


class HistoryEvent(SQLModel, table=True):
    """One thing that happened to a document: who, when, what, with structured detail."""

    __tablename__ = "history_event"
    __table_args__ = (Index("ix_history_event_doc", "doc_kind", "doc_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    doc_kind: str
    doc_id: int
    at: datetime = timestamp_field()
    actor: str
    action: str
    summary: str
    detail: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class SyncLogEntry(SQLModel, table=True):
    """One sync attempt (or list pull) and its outcome."""

    __tablename__ = "sync_log"
    __table_args__ = (Index("ix_sync_log_doc", "doc_kind", "doc_id"),
                      # the sync log page's filters, newest first (0011)
                      Index("ix_sync_log_doc_number", "doc_number"),
                      Index("ix_sync_log_problem", "problem"))

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp_field(index=True)
    doc_kind: str | None = None
    doc_id: int | None = None
    doc_number: str | None = None
    operation: str  # create, update, void, pull-vendors, …
    result: str = Field(index=True)  # success, failed, blocked, …
    code: str | None = None
    message: str | None = None
    intuit_tid: str | None = None
    detail: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    problem: str | None = None  # the problem kind of a failed or blocked attempt (0011)


class SettingRow(SQLModel, table=True):
    """A company setting; values are JSON so each keeps its type."""

    __tablename__ = "setting"

    key: str = Field(primary_key=True)
    value: Any = Field(sa_type=JSON)


class QboConnection(SQLModel, table=True):
    """This company's QuickBooks connection (one row at most).

    Intuit tokens and client secrets are kept in the OS keychain, never here;
    ``local_tokens`` and ``local_client_secret`` are used only for a local
    SyncDesk sandbox, whose credentials are not secrets. On a team (PostgreSQL)
    store the connection is shared: its tokens and client secret are here, sealed
    (AES-GCM) with the company key that only the members' keychains hold
    (``app/connection/shared.py``).
    """

    __tablename__ = "qbo_connection"

    id: int | None = Field(default=None, primary_key=True)
    environment: str  # production, intuit-sandbox, local
    base_url: str | None = None
    api_base: str
    realm_id: str
    client_id: str
    company_name: str | None = None
    state: str = "connected"  # connected, needs_reconnect
    connected_at: datetime = timestamp_field()
    authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str
    refresh_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    local_tokens: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    local_client_secret: str | None = None
    keychain: str = "os"  # or "encrypted-file": a passphrase-protected file the user chose
    shared_key_id: str | None = Field(default=None, max_length=64)  # the company key's id
    shared_tokens: str | None = Field(default=None, sa_type=Text)  # sealed
    shared_client_secret: str | None = Field(default=None, sa_type=Text)  # sealed


class QboObject(SQLModel, table=True):
    """A QuickBooks list record (vendor, account, …) as QuickBooks last showed it."""

    __tablename__ = "qbo_object"
    __table_args__ = (UniqueConstraint("entity", "qbo_id", name="uq_qbo_object_entity_qbo_id"),)

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(index=True)
    qbo_id: str
    name: str | None = None
    active: bool = True
    data: dict[str, Any] = Field(sa_type=JSON)
    pulled_at: datetime = timestamp_field()


class QboPull(SQLModel, table=True):
    """When one QuickBooks list was last brought up to date, and last loaded in full."""

    __tablename__ = "qbo_pull"

    entity: str = Field(primary_key=True)
    as_of: datetime = Field(sa_type=UTCDateTime)
    full_at: datetime = Field(sa_type=UTCDateTime)
    count: int = 0


class StoreInfo(SQLModel, table=True):
    """Who this store is (one row): its own random id, and the QuickBooks company it belongs to.

    ``store_id`` goes into every request id the sync sends, so that two stores (two
    machines, a store made again from scratch, a restored backup) never share one.
    The company (``realm_id`` and its creation time) is remembered at the first
    connect and survives a disconnect: connecting to another company is refused
    unless the user re-links the store.

    ``lineage`` goes into SyncDesk's marker on every object the store creates in
    QuickBooks: a sync recognises as its own only what this store (or a backup of
    it, which keeps the lineage while a restore renews ``store_id``) created.
    ``legacy_markers``: the store synced before markers carried a lineage, so its
    older objects carry the bare marker, which is accepted for objects whose id
    the store holds, and for the creates in flight at the upgrade
    (``legacy_requests``, their request ids).
    """

    __tablename__ = "store_info"

    id: int | None = Field(default=None, primary_key=True)
    store_id: str
    lineage: str = ""
    legacy_markers: bool = False
    legacy_requests: list[str] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = timestamp_field()
    realm_id: str | None = None
    environment: str | None = None
    company_name: str | None = None
    company_created: str | None = None  # QuickBooks' CompanyInfo MetaData.CreateTime
    bound_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SyncLockRow(SQLModel, table=True):
    """Who runs a sync on this store now (see ``app.store.lock``): one sync at a time."""

    __tablename__ = "sync_lock"

    name: str = Field(primary_key=True)
    token: str  # random, per holder
    host: str
    pid: int
    acquired_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)  # a lease, renewed while it runs


class TeamUser(SQLModel, table=True):
    """A member of the team that shares this company (0013): a login (the PostgreSQL login,
    or the OS user on SQLite) and its role (``app.domain.roles``). No rows: a one-person
    store, whoever opens it is its company admin."""

    __tablename__ = "team_user"
    __table_args__ = (UniqueConstraint("login", name="uq_team_user_login"),)

    id: int | None = Field(default=None, primary_key=True)
    login: str
    name: str = ""
    role: str  # a Role value
    added_at: datetime = timestamp_field()
    added_by: str


class SyncClaimRow(SQLModel, table=True):
    """A document (or supplier) a running sync is working on (see ``app.store.claims``)."""

    __tablename__ = "sync_claim"

    key: str = Field(primary_key=True)  # "po:17", "invoice:3", "supplier:5"
    token: str = Field(index=True)  # the claiming sync's lock token
    host: str
    pid: int
    claimed_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)  # renewed with its sync's lease


class RequestBudgetRow(SQLModel, table=True):
    """One company's shared QuickBooks budget on a team store (see ``app.store.budget``):
    the pause every instance keeps after a 429, and who may write a name list now."""

    __tablename__ = "request_budget"

    realm_key: str = Field(primary_key=True)  # environment:realm id
    paused_until: float = 0.0  # database clock, seconds since the epoch
    name_list_holder: str | None = None
    name_list_until: float | None = None


class RequestSlotRow(SQLModel, table=True):
    """One request sent (or being sent) to QuickBooks by any instance on a team store."""

    __tablename__ = "request_slot"
    __table_args__ = (Index("ix_request_slot_realm_ends", "realm_key", "ends_at"),)

    id: int | None = Field(default=None, primary_key=True)
    realm_key: str
    holder: str
    batch: bool = False
    done: bool = False
    started_at: float  # database clock, seconds since the epoch
    # while in flight: when the slot expires (a crashed holder never gives it back);
    # once done: when the answer came in (QuickBooks counted the request by then)
    ends_at: float
