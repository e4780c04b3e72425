"""A store belongs to one QuickBooks company.

The first connect binds the store to its company: the realm id, its name, and
when QuickBooks created it (CompanyInfo ``MetaData.CreateTime``). The binding
survives a disconnect. Connecting to another company is refused, and so is the
same realm id when it evidently holds another company now (created at another
time, as a reset sandbox company is, or holding none of the documents SyncDesk
synced there): keeping the links would leave documents "Synced" against ids
that company does not have.

``relink`` moves a store to another company on the user's explicit word: every
QuickBooks link is forgotten (document ids, line ids, SyncTokens, vendor,
account and item links, the mirror of QuickBooks' lists and the pull
bookmarks), and every document that was on its way to QuickBooks or already
there is queued again, all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.domain.events import Event, LogResult
from app.domain.problems import Kind
from app.domain.qbo_limits import is_marked
from app.domain.states import DocKind, InvoiceStatus, PoStatus, SyncState
from app.errors import UserError
from app.hints import Action, Hint
from app.operations.creating import queue
from app.operations.history import record
from app.qbo.client import QboClient
from app.qbo.errors import QboClientError
from app.qbo.query import quote
from app.store.database import Store
from app.store.identity import store_info
from app.store.models import (
    Account,
    Invoice,
    InvoiceLine,
    Item,
    PoLine,
    PurchaseOrder,
    QboObject,
    QboPull,
    Supplier,
    SyncLogEntry,
)
from app.store.types import utcnow

SAMPLE = 10  # synced documents looked for in a company that answers to the same realm id


class CompanyMismatch(UserError):
    """A connect to another company than the store's own, without re-linking."""


@dataclass(frozen=True)
class Company:
    """A QuickBooks company as a connect sees it."""

    realm_id: str
    environment: str
    name: str | None = None
    created: str | None = None  # CompanyInfo MetaData.CreateTime

    @classmethod
    def from_info(cls, realm_id: str, environment: str, info: dict[str, Any] | None
                  ) -> Company:
        info = info or {}
        return cls(realm_id, environment, info.get("CompanyName"),
                   (info.get("MetaData") or {}).get("CreateTime"))

    @property
    def label(self) -> str:
        return f"'{self.name}' (company id {self.realm_id})" if self.name \
            else f"company id {self.realm_id}"


def bound_company(session: Session) -> Company | None:
    info = store_info(session)
    if info.realm_id is None:
        return None
    return Company(info.realm_id, info.environment or "", info.company_name,
                   info.company_created)


def refusal(store: Store, company: Company, client: QboClient | None) -> str | None:
    """Why this store may not simply connect to ``company`` (None: it is the store's own).

    ``client`` (connected to ``company``) is used to look for a few of the store's
    synced documents when the realm id is the same as before.
    """
    with store.session() as session:
        bound = bound_company(session)
        sample = _synced_sample(session) if bound is not None else {}
        info = store_info(session)
        lineage, legacy = info.lineage, info.legacy_markers
    if bound is None:
        return None
    if bound.realm_id != company.realm_id or (bound.environment and company.environment
                                              and bound.environment != company.environment):
        return (f"this store belongs to the QuickBooks company {bound.label}, not to "
                f"{company.label}.")
    if bound.created and company.created and bound.created != company.created:
        return (f"QuickBooks company id {company.realm_id} is not the company this store "
                f"synced with: it was created on {company.created}, the store's company on "
                f"{bound.created} (it was reset or made again).")
    if client is not None and any(sample.values()) and not _any_found(client, sample, lineage,
                                                                       legacy):
        count = sum(len(docs) for docs in sample.values())
        return (f"none of the {count} documents this store last synced with QuickBooks company "
                f"id {company.realm_id} are there any more (what those records hold now is not "
                "this store's): the company looks reset or replaced.")
    return None


def refused(reason: str, company: Company) -> CompanyMismatch:
    """The whole message a refused connect shows."""
    return CompanyMismatch(
        f"Not connected: {reason} Connecting anyway would leave documents marked Synced "
        f"against records that company does not have. To move this store to "
        f"{company.label}, connect again with {{0}}: SyncDesk then forgets every QuickBooks "
        "link of this store and sends its approved documents to that company on the next "
        "sync.", Hint.of(Action.RELINK))


def bind(store: Store, company: Company) -> None:
    """Remember ``company`` as the store's own (first connect, or details filled in)."""
    with store.session() as session:
        _bind(session, company)


def _bind(session: Session, company: Company) -> None:
    info = store_info(session)
    if info.realm_id != company.realm_id or info.bound_at is None:
        info.bound_at = utcnow()
    info.realm_id, info.environment = company.realm_id, company.environment
    info.company_name = company.name or info.company_name
    info.company_created = company.created or info.company_created
    session.add(info)


def relink(store: Store, company: Company, actor: str) -> int:
    """Move the store to ``company``: forget every QuickBooks link, queue the documents
    again; one transaction. Returns how many documents were queued again."""
    with store.session() as session:
        before = bound_company(session)
        why = f"re-linked to QuickBooks {company.label}"
        queued = 0
        for kind, model in ((DocKind.PO, PurchaseOrder), (DocKind.INVOICE, Invoice)):
            for doc in session.exec(select(model).order_by(col(model.id))):
                queued += _unlink(session, kind, doc, actor, why)
        for line_model in (PoLine, InvoiceLine):
            for line in session.exec(select(line_model).where(
                    col(line_model.qbo_line_id).is_not(None))):
                line.qbo_line_id = None
                session.add(line)
        for supplier in session.exec(select(Supplier).where(
                col(Supplier.qbo_vendor_id).is_not(None))):
            supplier.qbo_vendor_id = None
            session.add(supplier)
        for listed in (Account, Item):
            for entry in session.exec(select(listed).where(col(listed.qbo_id).is_not(None))):
                entry.qbo_id = None
                session.add(entry)
        session.execute(delete(QboObject))
        session.execute(delete(QboPull))
        _bind(session, company)
        info = store_info(session)
        info.company_name, info.company_created = company.name, company.created
        info.legacy_markers, info.legacy_requests = False, None  # nothing of ours is there
        session.add(info)
        session.add(SyncLogEntry(
            operation="relink", result=LogResult.SUCCESS.value,
            message=f"Store {why} (was {before.label if before else 'none'}); {queued} "
                    "document(s) queued again",
            detail={"from": before.__dict__ if before else None, "to": company.__dict__}))
    return queued


def _unlink(session: Session, kind: DocKind, doc: PurchaseOrder | Invoice, actor: str,
            why: str) -> int:
    had_link = doc.qbo_id is not None
    was = doc.sync_state
    doc.qbo_id = doc.qbo_sync_token = doc.qbo_status = None
    doc.pending_request_id = doc.pending_revision = None
    doc.attempt = doc.auto_retries = 0
    doc.next_attempt_at = doc.synced_at = None
    doc.last_error_code = doc.last_error_message = None
    doc.last_error_detail = doc.qbo_drift = None
    assert doc.id is not None
    if was in (SyncState.NOT_SYNCED.value, SyncState.EXCLUDED.value):
        session.add(doc)
        if had_link:
            record(session, kind, doc.id, actor, Event.RELINKED,
                   f"QuickBooks link cleared: {why}")
        return 0
    sendable = doc.status in ((PoStatus.APPROVED, PoStatus.CLOSED, PoStatus.CANCELLED)
                              if kind is DocKind.PO else
                              (InvoiceStatus.APPROVED, InvoiceStatus.READY_TO_PAY))
    if not sendable:  # e.g. back in approval, or paid: it goes when it is approved again
        doc.sync_state, doc.problem = SyncState.NOT_SYNCED.value, None
        session.add(doc)
        record(session, kind, doc.id, actor, Event.RELINKED,
               f"QuickBooks link cleared ({why}); it is sent when it is approved again")
        return 0
    record(session, kind, doc.id, actor, Event.RELINKED, f"QuickBooks link cleared: {why}")
    queue(session, kind, doc, actor, why)
    return 1


@dataclass(frozen=True)
class _Synced:
    qbo_id: str
    doc_number: str  # QuickBooks' DocNumber: a PO's number, an invoice's reference
    number: str  # SyncDesk's number (in its marker)


def _synced_sample(session: Session) -> dict[str, list[_Synced]]:
    """A few of the store's synced documents, newest sync first."""
    sample: dict[str, list[_Synced]] = {}
    for entity, model in (("PurchaseOrder", PurchaseOrder), ("Bill", Invoice)):
        rows = session.exec(select(model).where(
            col(model.qbo_id).is_not(None),
            col(model.problem).is_(None)
            | (col(model.problem) != Kind.DELETED_IN_QBO.value))
            .order_by(col(model.synced_at).desc()).limit(SAMPLE)).all()
        sample[entity] = [
            _Synced(row.qbo_id, getattr(row, "reference", None) or row.number, row.number)
            for row in rows if row.qbo_id]
    return sample


def _any_found(client: QboClient, sample: dict[str, list[_Synced]], lineage: str,
               legacy: bool) -> bool:
    """Whether QuickBooks holds any of ``sample`` as this store left it: the same id with
    the document's number and this store's marker (unsure counts as found)."""
    for entity, docs in sample.items():
        if not docs:
            continue
        by_id = {doc.qbo_id: doc for doc in docs}
        try:
            where = "Id in (" + ", ".join(quote(i) for i in by_id) + ")"
            for obj in client.query_all(entity, where):
                doc = by_id.get(str(obj.get("Id")))
                if doc is None or str(obj.get("DocNumber", "")) != doc.doc_number:
                    continue
                note = obj.get("PrivateNote")
                if is_marked(note, doc.number, lineage or None) or (
                        legacy and is_marked(note, doc.number)):
                    return True
        except QboClientError:
            return True  # could not tell: never refuse on a guess
    return False
