"""Every request id SyncDesk sends to QuickBooks is built here, one function per kind.

QuickBooks answers a request id it has seen before (per company) with the first
answer, and makes nothing new: a retry of one request must send the same id, and
anything else a different one. So an id names the store that sends it (its random
``store_id``, renewed by a restore), what it is for, and, for a create, a random part
(saved on the document before it is sent, so a retry sends it again). The revision a
pending create was made for is stored beside it (``pending_revision``), never read
back out of the id.

QuickBooks takes at most 50 characters (36 for a batch); every function here keeps to
that, whatever the numbers, without losing what makes the id unique.
"""

from __future__ import annotations

import hashlib
import secrets

from app.domain.states import DocKind

LIMIT = 50  # QuickBooks' longest request id
BATCH_LIMIT = 36  # … and a batch's
PREFIX = "sd"

_TAG = {DocKind.PO: "po", DocKind.INVOICE: "inv"}


def _random() -> str:
    return secrets.token_hex(4)


def _digest(text: str, length: int) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def _fresh(store_id: str, middle: str) -> str:
    """The store's id, ``middle`` and a random part; absurdly large numbers give way to a
    longer random part (the id stays unique, only less readable)."""
    text = f"{PREFIX}-{store_id}-{middle}-{_random()}"
    if len(text) > LIMIT:
        text = f"{PREFIX}-{store_id}-{secrets.token_hex(12)}"
    return text


def _fixed(store_id: str, middle: str, limit: int = LIMIT) -> str:
    """The store's id and ``middle``, the same every time (a digest when too long)."""
    text = f"{PREFIX}-{store_id}-{middle}"
    if len(text) > limit:
        text = f"{PREFIX}-{store_id}-{_digest(middle, limit - len(store_id) - 4)}"
    return text


def document_create(store_id: str, kind: DocKind, doc_id: int, revision: int,
                    attempt: int) -> str:
    """A document's create: new for each revision and definite failure, random besides."""
    return _fresh(store_id, f"{_TAG[kind]}{doc_id}-r{revision}-a{attempt}")


def after_restore(store_id: str, kind: DocKind, doc_id: int, revision: int,
                  attempt: int) -> str:
    """A create put in flight by a restore (the store before it may have sent the
    document after the backup): a fresh create id under the restored store's new id."""
    return document_create(store_id, kind, doc_id, revision, attempt)


def after_mismatch(store_id: str, kind: DocKind, doc_id: int, revision: int) -> str:
    """A create whose answer was another document: the old id would only replay it."""
    return _fresh(store_id, f"{_TAG[kind]}{doc_id}-r{revision}-m")


def document_update(store_id: str, kind: DocKind, doc_id: int, revision: int) -> str:
    """A document's update (without the SyncToken, which the client adds: see
    ``with_sync_token``): the same for every try of one revision."""
    return _fixed(store_id, f"{_TAG[kind]}{doc_id}-r{revision}u")


def close_after_bills(store_id: str, po_id: int, revision: int) -> str:
    """Closing a PO that went to QuickBooks open for its bills (an update, see
    ``with_sync_token``), apart from the update that sent the revision."""
    return _fixed(store_id, f"{_TAG[DocKind.PO]}{po_id}-r{revision}uc")


def vendor_create(store_id: str, supplier_id: int, name: str) -> str:
    """A supplier's new vendor: the same for every sync of this store (two syncs at once
    make one vendor), different for another store or another name."""
    return _fixed(store_id, f"v{supplier_id}-{_digest(name, 10)}")


def with_sync_token(base: str, sync_token: str) -> str:
    """An update's id: ``base`` and the SyncToken it updates (a new token, a new request)."""
    text = f"{base}-{sync_token}"
    if len(text) > LIMIT:
        text = f"{base[:LIMIT - 14 - len(sync_token)]}-{_digest(base, 12)}-{sync_token}"
    return text[-LIMIT:]


def document_batch(store_id: str) -> str:
    """A batch of new documents (each also marked in flight with its own create id): new
    for every batch, within a batch's 36 characters; the transport's retries of the batch
    send it again, and QuickBooks answers them with its first answer."""
    return f"{PREFIX}-{store_id}-b-{secrets.token_hex(6)}"[:BATCH_LIMIT]


def batch(base: str, chunk: int) -> str:
    """One chunk of a batch (QuickBooks takes 30 operations per request): ``base`` and
    the chunk's number, within a batch's 36 characters."""
    text = f"{base}-{chunk}"
    if len(text) > BATCH_LIMIT:
        tail = f"-{_digest(base, 10)}-{chunk}"
        text = base[:BATCH_LIMIT - len(tail)] + tail
    return text


def delete_or_void(operation: str, entity: str, obj_id: str, sync_token: str) -> str:
    """Deleting or voiding an object: the same for anyone who does it to the object as it
    stands (its SyncToken), as it can only be done once."""
    text = f"{operation}-{entity}-{obj_id}-{sync_token}"
    if len(text) > LIMIT:
        text = f"{operation}-{_digest(text, LIMIT - len(operation) - 1)}"
    return text
