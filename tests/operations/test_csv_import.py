"""CSV import: all rows or none, every bad row named with its line and column."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import func, select

from app.operations.csv_import import CsvImportError, import_csv
from app.operations.settings import set_setting
from app.store.models import HistoryEvent, Invoice, InvoiceLine, PoLine, PurchaseOrder, Supplier


def write(tmp_path: Path, text: str, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def counts(store) -> tuple[int, int, int, int]:
    with store.session() as s:
        return tuple(s.exec(select(func.count()).select_from(m)).one()
                     for m in (Supplier, PurchaseOrder, PoLine, Invoice))


def errors_of(store, kind, path) -> list[str]:
    before = counts(store)
    with pytest.raises(CsvImportError) as caught, store.session() as s:
        import_csv(s, kind, path, "ann")
    assert counts(store) == before, "a refused file must change nothing"
    return [str(e) for e in caught.value.errors]


POS = """number,supplier,description,account,qty,unit_price,amount,status,memo
PO-1,Acme Supply,Widgets,Supplies & Materials,10,15,,approved,First order
PO-1,,Freight,Shipping & Delivery,,,25.50,,
PO-2,O'Brien & Sons,Paper,Office Supplies & Software,2,9.99,19.98,,
"""


def test_pos_import_with_lines_and_queue_approved_ones(store, tmp_path):
    with store.session() as s:
        assert import_csv(s, "pos", write(tmp_path, POS), "ann") == 2
    with store.session() as s:
        po1 = s.exec(select(PurchaseOrder).where(PurchaseOrder.number == "PO-1")).one()
        assert (po1.total, po1.status, po1.sync_state, po1.memo) == (
            Decimal("175.50"), "approved", "queued", "First order")
        po2 = s.exec(select(PurchaseOrder).where(PurchaseOrder.number == "PO-2")).one()
        assert (po2.status, po2.sync_state) == ("pending", "not_synced")
        events = s.exec(select(HistoryEvent).order_by(HistoryEvent.id)).all()
        assert [(e.doc_id, e.action, e.actor) for e in events] == [
            (po1.id, "created", "ann"), (po1.id, "queued", "ann"), (po2.id, "created", "ann")]


def test_every_bad_row_is_reported_and_nothing_is_written(store, tmp_path):
    bad = """number,supplier,description,account,qty,unit_price,amount,po_date
PO-1,Nobody Ltd,Widgets,Supplies & Materials,10,15,,
PO-2,Acme Supply,Widgets,Supplies & Materials,10,15,151,
PO-3,Acme Supply,Widgets,Supplies & Materials,1,12.3x,,
PO-4,Acme Supply,Widgets,Nowhere Account,,,5,
PO-5,Acme Supply,Widgets,Supplies & Materials,,,5,2026-13-01
PO-1,Acme Supply,Widgets,Supplies & Materials,,,5,
PO-6,Acme Supply,Widgets,Supplies & Materials,,,-5,
"""
    assert errors_of(store, "pos", write(tmp_path, bad)) == [
        "line 2, column supplier: unknown supplier 'Nobody Ltd'",
        "line 3, column amount: bad amount 151: qty × unit price is 10 × 15 = 150.00",
        "line 4, column unit_price: bad unit price '12.3x' is not a number",
        "line 5, column account: unknown account 'Nowhere Account' (not in the chart of "
        "accounts)",
        "line 6, column po_date: bad date '2026-13-01': write dates as YYYY-MM-DD",
        "line 7, column number: duplicate number PO-1 (already used from line 2; the lines "
        "of one PO must follow each other)",
        "line 8, column amount: bad amount '-5': it must not be negative",
    ]


def test_missing_and_unknown_columns(store, tmp_path):
    errors = errors_of(store, "pos", write(tmp_path, "number,description,ammount\nPO-1,x,5\n"))
    assert errors[0].startswith("line 1, column supplier: missing column")
    assert any("column ammount: unknown column" in e for e in errors)
    assert any("give amount, or qty and unit_price" in e for e in errors)


def test_a_number_already_in_the_store_is_a_duplicate(store, tmp_path):
    with store.session() as s:
        import_csv(s, "pos", write(tmp_path, POS), "ann")
    errors = errors_of(store, "pos", write(tmp_path, POS, "again.csv"))
    assert "line 2, column number: duplicate number: PO-1 already exists" in errors


def test_header_cells_must_agree_across_a_documents_rows(store, tmp_path):
    text = ("number,supplier,account,amount\nPO-1,Acme Supply,Utilities,5\n"
            "PO-1,O'Brien & Sons,Utilities,6\n")
    assert errors_of(store, "pos", write(tmp_path, text)) == [
        "line 3, column supplier: \"O'Brien & Sons\" differs from 'Acme Supply' on line 2 "
        "for PO-1"]


def test_po_dates_need_the_company_setting(store, tmp_path):
    text = "number,supplier,account,amount,po_date\nPO-1,Acme Supply,Utilities,5,2026-06-01\n"
    errors = errors_of(store, "pos", write(tmp_path, text))
    assert "enable_po_date_editing" in errors[0]
    with store.session() as s:
        set_setting(s, "enable_po_date_editing", "on")
        assert import_csv(s, "pos", write(tmp_path, text, "ok.csv"), "ann") == 1


def test_suppliers_import_and_refuse_duplicates(store, tmp_path):
    text = "name,email,currency,active\nZed Co,z@example.com,usd,yes\nYork Ltd,,,no\n"
    with store.session() as s:
        assert import_csv(s, "suppliers", write(tmp_path, text), "ann") == 2
    with store.session() as s:
        york = s.exec(select(Supplier).where(Supplier.name == "York Ltd")).one()
        assert (york.active, york.currency) == (False, "USD")
    bad_email = "name,email\nMail Co,not-an-email\n"
    assert errors_of(store, "suppliers", write(tmp_path, bad_email, "e.csv")) == [
        "line 2, column email: bad e-mail address 'not-an-email'"]
    again = "name\nzed co\nNew One\nNew One\n"
    assert errors_of(store, "suppliers", write(tmp_path, again, "b.csv")) == [
        "line 2, column name: duplicate supplier: 'zed co' already exists",
        "line 4, column name: duplicate supplier 'New One' (also on line 3)",
    ]


INVOICES = """number,supplier,reference,issue_date,due_date,po,account,qty,unit_price,po_line,status
INV-1,Acme Supply,A-77,2026-07-10,2026-08-09,PO-1,Supplies & Materials,4,15,1,approved
INV-1,,,,,,Shipping & Delivery,1,25.50,2,
"""


def test_invoices_link_to_po_lines(store, tmp_path):
    with store.session() as s:
        import_csv(s, "pos", write(tmp_path, POS), "ann")
        assert import_csv(s, "invoices", write(tmp_path, INVOICES, "inv.csv"), "ann") == 1
    with store.session() as s:
        invoice = s.exec(select(Invoice)).one()
        assert (invoice.total, invoice.sync_state) == (Decimal("85.50"), "queued")
        lines = s.exec(select(InvoiceLine).order_by(InvoiceLine.line_no)).all()
        po_lines = s.exec(select(PoLine).order_by(PoLine.id)).all()
        assert [ln.po_line_id for ln in lines] == [po_lines[0].id, po_lines[1].id]


def test_bad_invoice_rows(store, tmp_path):
    with store.session() as s:
        import_csv(s, "pos", write(tmp_path, POS), "ann")
    text = """number,supplier,reference,issue_date,due_date,po,account,amount,po_line
INV-1,Acme Supply,A-1,2026-07-10,2026-07-01,PO-1,Utilities,5,
INV-2,Acme Supply,A-2,10/07/2026,,PO-404,Utilities,5,
INV-3,O'Brien & Sons,A-3,2026-07-10,,PO-1,Utilities,5,
INV-4,Acme Supply,,2026-07-10,,PO-1,Utilities,5,9
"""
    errors = errors_of(store, "invoices", write(tmp_path, text, "inv.csv"))
    assert errors == [
        "line 2, column due_date: the due date 2026-07-01 is before the issue date 2026-07-10",
        "line 3, column issue_date: bad date '10/07/2026': write dates as YYYY-MM-DD",
        "line 3, column po: unknown PO 'PO-404'",
        "line 4, column po: PO-1 is a PO of Acme Supply, not of this invoice's supplier",
        "line 5, column reference: reference is empty",
        "line 5, column po_line: PO-1 has no line 9",
    ]


@pytest.mark.parametrize("content, reason", [
    (b"", "the file is empty"),
    (b"number,supplier,account,amount\n", "the file has a header but no rows"),
    (b"\xff\xfe\x00n\x00u", "the file is not UTF-8 text"),
])
def test_unusable_files(store, tmp_path, content, reason):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    assert reason in errors_of(store, "pos", path)[0]


def test_excel_byte_order_mark_is_accepted(store, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffname\nBOM Traders\n".encode())
    with store.session() as s:
        assert import_csv(s, "suppliers", path, "ann") == 1


# --- input at the edges -------------------------------------------------------------------

def test_a_field_over_the_csv_modules_limit_is_reported_not_a_traceback(store, tmp_path):
    huge = "x" * 200_000  # the csv module alone stops at 131,072 characters
    text = ("number,supplier,account,amount,memo,description\n"
            "PO-1,Acme Supply,Utilities,5,ok,Widgets\n"
            f"PO-2,{huge},Utilities,5,,\n"
            f"PO-3,Acme Supply,Utilities,5,{huge},\n"
            f"PO-4,Acme Supply,Utilities,5,,{huge}\n")
    errors = errors_of(store, "pos", write(tmp_path, text))
    assert errors[0] == ("line 3, column supplier: too long: 200000 characters, more than "
                         "SyncDesk takes in this column (500)")
    assert len(errors) == 1 and huge not in "".join(errors)
    text = text.replace(f"PO-2,{huge}", "PO-2,Acme Supply")
    errors = errors_of(store, "pos", write(tmp_path, text, "b.csv"))
    assert [e.split(":")[0] + ": " + e.split(": ")[1] for e in errors] == [
        "line 4, column memo: too long", "line 5, column description: too long"]
    assert huge not in "".join(errors)


def test_excels_trailing_blank_header_columns_are_ignored(store, tmp_path):
    text = ("number,supplier,account,amount,,,\n"
            "PO-1,Acme Supply,Utilities,5,,,\n"
            "PO-2,Acme Supply,Utilities,6,,,,,\n"  # a row may run on with empty cells too
            "PO-3,Acme Supply,Utilities,7\n")
    with store.session() as s:
        assert import_csv(s, "pos", write(tmp_path, text), "ann") == 3


def test_a_value_under_a_blank_header_or_a_blank_header_between_columns_is_refused(
        store, tmp_path):
    text = "number,supplier,account,amount,,\nPO-1,Acme Supply,Utilities,5,,forgotten\n"
    assert errors_of(store, "pos", write(tmp_path, text)) == [
        "line 2: a value in column 6, which has no header"]
    text = "number,,supplier,account,amount\nPO-1,,Acme Supply,Utilities,5\n"
    errors = errors_of(store, "pos", write(tmp_path, text, "b.csv"))
    assert errors[0].startswith("line 1, column (blank): unknown column")


def test_a_currency_must_be_an_iso_4217_code(store, tmp_path):
    text = ("number,supplier,account,amount,currency\nPO-1,Acme Supply,Utilities,5,XYZ\n"
            "PO-2,Acme Supply,Utilities,5,usd1\nPO-3,Acme Supply,Utilities,5,eur\n")
    assert errors_of(store, "pos", write(tmp_path, text)) == [
        "line 2, column currency: bad currency 'XYZ' is not an ISO 4217 currency code: use a "
        "three-letter code such as USD, EUR or GBP",
        "line 3, column currency: bad currency 'usd1' is not an ISO 4217 currency code: use a "
        "three-letter code such as USD, EUR or GBP",
    ]
    suppliers = "name,currency\nZed Co,ABC\n"
    assert errors_of(store, "suppliers", write(tmp_path, suppliers, "s.csv"))[0].startswith(
        "line 2, column currency: bad currency 'ABC' is not an ISO 4217 currency code")


def test_a_decimal_comma_is_refused_with_a_message_that_says_so(store, tmp_path):
    text = ('number,supplier,account,qty,unit_price,amount\n'
            'PO-1,Acme Supply,Utilities,,,"1.234,50"\n'
            'PO-2,Acme Supply,Utilities,2,"12,50",\n')
    assert errors_of(store, "pos", write(tmp_path, text)) == [
        "line 2, column amount: bad amount '1.234,50' has a decimal comma: SyncDesk reads "
        "numbers with a decimal point (write 1234.50)",
        "line 3, column unit_price: bad unit price '12,50' has a decimal comma: SyncDesk reads "
        "numbers with a decimal point (write 12.50)",
    ]


def test_fields_longer_than_quickbooks_takes_are_refused_at_import(store, tmp_path):
    from app.domain.qbo_limits import memo_max

    room = memo_max("PO-1", po=True)  # 4000 less "SyncDesk PO-1 ·k3f9a2 · ", " · cancelled …"
    assert room == 4000 - len("SyncDesk PO-1 ·k3f9a2 ·  · cancelled in SyncDesk")
    text = ("number,supplier,account,amount,memo,description\n"
            f"PO-1,Acme Supply,Utilities,5,{'m' * (room + 1)},\n"
            f"PO-{'9' * 20},Acme Supply,Utilities,5,,\n"
            f"PO-3,Acme Supply,Utilities,5,,{'d' * 4001}\n")
    assert errors_of(store, "pos", write(tmp_path, text)) == [
        f"line 2, column memo: too long: {room + 1} characters, and QuickBooks takes at most "
        f"{room} for the memo (4000 characters of QuickBooks' private note, less "
        f"{4000 - room} for SyncDesk's marker)",
        "line 3, column number: too long: 23 characters, and QuickBooks takes at most 21 for "
        "the PO number",
        "line 4, column description: too long: 4001 characters, and QuickBooks takes at most "
        "4000 for a line's description",
    ]
    fits = text.replace("m" * (room + 1), "m" * room).replace("9" * 20, "9" * 18).replace(
        "d" * 4001, "d" * 4000)
    with store.session() as s:
        assert import_csv(s, "pos", write(tmp_path, fits, "fits.csv"), "ann") == 3


def test_an_invoice_reference_and_memo_longer_than_quickbooks_takes_are_refused(store, tmp_path):
    from app.domain.qbo_limits import memo_max

    room = memo_max("INV-1", po=False)
    assert room == 4000 - len("SyncDesk INV-1 ·k3f9a2 · ")
    text = ("number,supplier,reference,issue_date,account,amount,memo\n"
            f"INV-1,Acme Supply,{'R' * 22},2026-07-10,Utilities,5,{'m' * (room + 1)}\n")
    assert errors_of(store, "invoices", write(tmp_path, text)) == [
        "line 2, column reference: too long: 22 characters, and QuickBooks takes at most 21 "
        "for the supplier's invoice number (reference)",
        f"line 2, column memo: too long: {room + 1} characters, and QuickBooks takes at most "
        f"{room} for the memo (4000 characters of QuickBooks' private note, less "
        f"{4000 - room} for SyncDesk's marker)",
    ]
    suppliers = f"name\n{'S' * 501}\n"
    assert errors_of(store, "suppliers", write(tmp_path, suppliers, "s.csv")) == [
        "line 2, column name: too long: 501 characters, and QuickBooks takes at most 500 for "
        "a supplier's name"]
