"""Backup and restore of a team store on PostgreSQL: a store file holds the backup, and the
backup's rows replace the team store's in one transaction (tested on SQLite too)."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from app.domain.states import PoStatus
from app.operations import creating
from app.operations.company import backup_company, restore_company
from app.operations.fields import LineValues
from app.operations.lookup import account_by_name, supplier_by_name
from app.store.database import open_store
from app.store.identity import store_info
from app.store.models import PoLine, PurchaseOrder
from app.work import Cancelled


def _po(store, number: str, amount: str = "60.00") -> None:
    with store.session() as s:
        creating.create_po(
            s, number=number, supplier_id=supplier_by_name(s, "Acme Supply").id, actor="ann",
            status=PoStatus.APPROVED, approved_on=date(2026, 8, 3), created_on=date(2026, 8, 3),
            lines=[LineValues(description="Paper", account_id=account_by_name(
                s, "Office Supplies & Software").id, amount=Decimal(amount))])


def _numbers(store) -> list[str]:
    with store.session() as s:
        return sorted(s.exec(select(PurchaseOrder.number)).all())


def test_a_backup_of_any_store_is_a_store_file_with_its_rows(store, tmp_path):
    _po(store, "PO-1", "12.34")
    report = backup_company(store, tmp_path / "copy.db")
    copy = open_store(f"sqlite:///{report.target}", create=False)
    try:
        assert _numbers(copy) == ["PO-1"]
        with copy.session() as s:
            line = s.exec(select(PoLine)).one()
            assert line.amount == Decimal("12.34")
    finally:
        copy.close()


def test_restore_puts_the_backup_back_and_keeps_the_store_as_it_was(store, tmp_path):
    _po(store, "PO-1")
    backup = backup_company(store, tmp_path / "backup.db").target
    _po(store, "PO-AFTER")
    with store.session() as s:
        old_id = store_info(s).store_id
    report = restore_company(store.url, backup)
    assert _numbers(store) == ["PO-1"]
    with store.session() as s:
        assert store_info(s).store_id != old_id  # its requests are not the old store's
        po = s.exec(select(PurchaseOrder)).one()
        assert po.pending_request_id  # looked up in QuickBooks before it is sent again
    assert report.kept is not None
    kept = open_store(f"sqlite:///{report.kept}", create=False)
    try:
        assert _numbers(kept) == ["PO-1", "PO-AFTER"]
    finally:
        kept.close()
    _po(store, "PO-NEW")  # ids go on after the restored rows
    assert _numbers(store) == ["PO-1", "PO-NEW"]


def test_a_backup_restores_into_the_other_kind_of_store(store, tmp_path, backend):
    """A team's backup opens as a one-person store, and the other way round."""
    _po(store, "PO-1")
    backup = backup_company(store, tmp_path / "backup.db").target
    other = open_store(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    other.close()
    restore_company(other.url, backup)
    again = open_store(other.url, create=False)
    try:
        assert _numbers(again) == ["PO-1"]
    finally:
        again.close()


def test_a_cancelled_team_restore_changes_nothing(store, tmp_path, backend):
    if backend != "postgresql":
        pytest.skip("the store-file restore has its own cancel tests")
    _po(store, "PO-1")
    backup = backup_company(store, tmp_path / "backup.db").target
    _po(store, "PO-AFTER")
    cancel = threading.Event()

    def on_progress(progress) -> None:
        if progress.current == "putting the backup in place":
            cancel.set()

    with pytest.raises(Cancelled):
        restore_company(store.url, backup, on_progress=on_progress, cancel=cancel)
    assert _numbers(store) == ["PO-1", "PO-AFTER"]
