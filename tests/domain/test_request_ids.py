"""Request ids: one module builds every kind, each unique where it must be and short enough
for QuickBooks (50 characters, 36 in a batch)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app.domain import request_ids
from app.domain.states import DocKind

APP = Path(__file__).resolve().parents[2] / "app"
STORES = ("1a2b3c4d", "9f8e7d6c")
HUGE = 10**40  # absurd row ids and revisions still make a valid, unique id

# Every kind of request of a store, given the store's id and the numbers of the document.
KINDS = {
    "create": lambda s, n: request_ids.document_create(s, DocKind.INVOICE, n, n, n),
    "create po": lambda s, n: request_ids.document_create(s, DocKind.PO, n, n, n),
    "after restore": lambda s, n: request_ids.after_restore(s, DocKind.PO, n, n, n),
    "after mismatch": lambda s, n: request_ids.after_mismatch(s, DocKind.INVOICE, n, n),
    "update": lambda s, n: request_ids.document_update(s, DocKind.INVOICE, n, n),
    "close after bills": lambda s, n: request_ids.close_after_bills(s, n, n),
    "vendor": lambda s, n: request_ids.vendor_create(s, n, f"Acme {n}"),
}
FRESH = ("create", "create po", "after restore", "after mismatch")  # random every time


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("number", [1, 7, 123456, HUGE])
def test_every_kind_is_the_stores_own_and_fits(kind: str, number: int):
    made = [KINDS[kind](store, number) for store in STORES]
    for store, rid in zip(STORES, made, strict=True):
        assert rid.startswith(f"sd-{store}-")
        assert 0 < len(rid) <= request_ids.LIMIT
        assert re.fullmatch(r"[A-Za-z0-9-]+", rid)
    assert made[0] != made[1]  # two stores (e.g. a restored backup) never share an id


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_differs_from_every_other_kind(kind: str):
    others = {KINDS[k]("1a2b3c4d", 5) for k in KINDS if k != kind}
    assert KINDS[kind]("1a2b3c4d", 5) not in others


@pytest.mark.parametrize("kind", FRESH)
@pytest.mark.parametrize("number", [3, HUGE])
def test_creates_have_a_random_part(kind: str, number: int):
    assert len({KINDS[kind]("1a2b3c4d", number) for _ in range(20)}) == 20


@pytest.mark.parametrize("kind", sorted(set(KINDS) - set(FRESH)))
@pytest.mark.parametrize("number", [3, HUGE])
def test_updates_and_vendors_are_the_same_for_every_try(kind: str, number: int):
    assert KINDS[kind]("1a2b3c4d", number) == KINDS[kind]("1a2b3c4d", number)
    assert KINDS[kind]("1a2b3c4d", number) != KINDS[kind]("1a2b3c4d", number + 1)


def test_the_readable_shapes():
    assert re.fullmatch(r"sd-1a2b3c4d-po12-r3-a0-[0-9a-f]{8}",
                        request_ids.document_create("1a2b3c4d", DocKind.PO, 12, 3, 0))
    assert re.fullmatch(r"sd-1a2b3c4d-inv12-r3-a2-[0-9a-f]{8}",
                        request_ids.document_create("1a2b3c4d", DocKind.INVOICE, 12, 3, 2))
    assert re.fullmatch(r"sd-1a2b3c4d-inv12-r3-m-[0-9a-f]{8}",
                        request_ids.after_mismatch("1a2b3c4d", DocKind.INVOICE, 12, 3))
    assert request_ids.document_update("1a2b3c4d", DocKind.INVOICE, 12, 3) == \
        "sd-1a2b3c4d-inv12-r3u"
    assert request_ids.close_after_bills("1a2b3c4d", 12, 3) == "sd-1a2b3c4d-po12-r3uc"
    assert re.fullmatch(r"sd-1a2b3c4d-v4-[0-9a-f]{10}",
                        request_ids.vendor_create("1a2b3c4d", 4, "Acme"))
    assert request_ids.vendor_create("1a2b3c4d", 4, "Acme") != \
        request_ids.vendor_create("1a2b3c4d", 4, "Acme Ltd")


@pytest.mark.parametrize("number", [1, HUGE])
def test_an_update_id_with_its_sync_token(number: int):
    base = request_ids.document_update("1a2b3c4d", DocKind.PO, number, number)
    tokens = {request_ids.with_sync_token(base, str(t)) for t in (0, 1, 10, 999999)}
    assert len(tokens) == 4  # a new SyncToken is a new request, even when the base is long
    assert all(len(t) <= request_ids.LIMIT and t.endswith(("-0", "-1", "-10", "-999999"))
               for t in tokens)
    other = request_ids.document_update("9f8e7d6c", DocKind.PO, number, number)
    assert request_ids.with_sync_token(other, "1") not in tokens


def test_batch_chunks_fit_36_and_differ():
    short = {request_ids.batch("sd-1a2b3c4d-b7", n) for n in range(5)}
    assert short == {f"sd-1a2b3c4d-b7-{n}" for n in range(5)}
    base = request_ids.document_update("1a2b3c4d", DocKind.INVOICE, HUGE, HUGE)
    long = [request_ids.batch(base, n) for n in range(12)]
    assert len(set(long)) == 12 and all(len(r) <= request_ids.BATCH_LIMIT for r in long)
    assert request_ids.batch(base, 0) != request_ids.batch(base + "x", 0)


def test_deletes_and_voids_name_the_object_as_it_stands():
    assert request_ids.delete_or_void("delete", "Bill", "42", "3") == "delete-Bill-42-3"
    assert request_ids.delete_or_void("void", "Bill", "42", "3") == "void-Bill-42-3"
    assert request_ids.delete_or_void("void", "Bill", "42", "4") != "void-Bill-42-3"
    long = request_ids.delete_or_void("delete", "PurchaseOrder", str(HUGE), str(HUGE))
    assert len(long) <= request_ids.LIMIT and long.startswith("delete-")


def _string_parts(path: Path) -> list[str]:
    """Every string constant in a module (f-strings' literal parts included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_no_other_module_builds_a_request_id():
    """Only app.domain.request_ids composes ids (migrations only read old ones)."""
    builders = []
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP).as_posix()
        if relative in ("domain/request_ids.py",) or relative.startswith(
                ("sandbox/", "store/migrations/")):
            continue
        text = path.read_text(encoding="utf-8")
        if any(part.startswith("sd-") for part in _string_parts(path)) or \
                "new_request_id" in text or re.search(r"request_id\(.*\)\s*\+", text):
            builders.append(relative)
    assert builders == []
