"""The demo company's SyncDesk side: suppliers, accounts, POs and invoices.

``syncdesk sandbox --seed demo`` serves the matching QuickBooks company. Both
sides are fixed (no clock, no randomness beyond a seeded generator), so every
run is the same. Most documents are clean; a few carry exactly the problems
the help articles describe, listed in ``PROBLEM_DOCUMENTS`` and in the README.
Suppliers are not linked to QuickBooks vendors: the first sync finds them by
name, as with a real company.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session, col, select

from app.domain.problems import Kind
from app.domain.states import DocKind, InvoiceStatus, PoStatus, SyncState
from app.errors import UserError
from app.hints import Action, Hint
from app.operations import creating
from app.operations.company import has_documents
from app.operations.fields import LineValues
from app.operations.lookup import account_by_name
from app.operations.settings import set_setting
from app.store.models import Account, PoLine, PurchaseOrder, Supplier

COMPANY_NAME = "Larkspur Provisions Co."
ACTOR = "demo"
# The QuickBooks side closes its books on this date (Preferences).
CLOSING_DATE = date(2026, 6, 30)
FIRST_DAY = date(2026, 7, 1)

ACCOUNTS: tuple[tuple[str, str], ...] = (
    ("Accounts Payable (A/P)", "Accounts Payable"),
    ("Accounts Receivable (A/R)", "Accounts Receivable"),
    ("Cost of Goods Sold", "Cost of Goods Sold"),
    ("Job Materials", "Cost of Goods Sold"),
    ("Office Supplies & Software", "Expense"),
    ("Shipping & Delivery", "Expense"),
    ("Repairs & Maintenance", "Expense"),
    ("Equipment Rental", "Expense"),
    ("Utilities", "Expense"),
    ("Legal & Professional Services", "Expense"),
    ("Advertising & Marketing", "Expense"),
    ("Uniforms & Workwear", "Expense"),
)
EXPENSE_ACCOUNTS = [name for name, kind in ACCOUNTS if kind in ("Expense", "Cost of Goods Sold")]

# Names the demo's QuickBooks side also knows. The three problem suppliers:
DUPLICATE_NAME_SUPPLIER = "Northwind Traders"  # a QuickBooks *customer* holds this name
INACTIVE_SUPPLIER = "Harbor Freight Lines"  # an inactive vendor in QuickBooks
USED_BILL_SUPPLIER = "Keystone Paper Co."  # QuickBooks already has its bill KP-2291
USED_BILL_NUMBER = "KP-2291"
LONG_REFERENCE = "SUMMIT-2026-0917-NORTHEAST-REGION"  # 33 characters; QuickBooks allows 21

SUPPLIERS: tuple[str, ...] = (
    "Acme Office Supply", "Alder & Finch Printing", "Bayside Produce", "Beacon Electrical",
    "Bluegrass Dairy Farms", "Brightline Packaging", "Cascade Coffee Roasters",
    "Cedar Ridge Lumber", "Cobalt IT Services", "Copperleaf Catering", "Crescent Cleaning Co.",
    "Delta Refrigeration", "Evergreen Landscaping", "Fairway Uniforms", "Foxglove Florals",
    "Granite State Plumbing", "Greenleaf Organics", "Highland Spring Water",
    "Ironwood Fixtures", "Juniper Legal LLP", "Kestrel Logistics", "Lakeshore Linens",
    "Maple & Main Bakery", "Meridian Insurance Brokers", "Northgate Hardware",
    "O'Brien & Sons Wholesale", "Orchard Hill Apples", "Pacific Rim Imports",
    "Pinecrest Signage", "Quarry Stone Supply", "Redwood Equipment Rental",
    "Riverside Glassworks", "Saltmarsh Seafood", "Silver Birch Software",
    "Summit Office Interiors", "Sunflower Mills", "Tidewater Propane", "Union Street Tools",
    "Willow Creek Eggs", "Zephyr Courier",
    DUPLICATE_NAME_SUPPLIER, INACTIVE_SUPPLIER, USED_BILL_SUPPLIER,
)

DESCRIPTIONS = (
    "Printer paper, 20 cases", "Takeaway containers", "Walk-in cooler service",
    "Seasonal produce delivery", "Staff aprons and caps", "Espresso beans, 12 kg",
    "Shelving brackets", "Delivery van rental, one week", "Window signage",
    "Cleaning supplies", "Point-of-sale software licence", "Replacement light fittings",
    "Flour, 40 sacks", "Propane refill", "Courier charges, October",
)


@dataclass(frozen=True)
class DemoProblem:
    kind: DocKind
    number: str
    problem: Kind  # the problem kind the first sync should end with
    sync_state: SyncState
    why: str


PROBLEM_DOCUMENTS: tuple[DemoProblem, ...] = (
    DemoProblem(DocKind.PO, "PO-1061", Kind.DUPLICATE_NAME, SyncState.BLOCKED,
                f"supplier {DUPLICATE_NAME_SUPPLIER} shares its name with a QuickBooks customer"),
    DemoProblem(DocKind.PO, "PO-1062", Kind.INACTIVE_VENDOR, SyncState.BLOCKED,
                f"supplier {INACTIVE_SUPPLIER} is inactive in QuickBooks"),
    DemoProblem(DocKind.PO, "PO-1063", Kind.AP_AR_LINE_ACCOUNT, SyncState.BLOCKED,
                "a line is on the Accounts Payable account"),
    DemoProblem(DocKind.INVOICE, "INV-2041", Kind.AP_AR_LINE_ACCOUNT, SyncState.BLOCKED,
                "a line is on the Accounts Receivable account"),
    DemoProblem(DocKind.INVOICE, "INV-2042", Kind.BILL_BEFORE_PO, SyncState.BLOCKED,
                "the invoice is dated before the PO it bills"),
    DemoProblem(DocKind.INVOICE, "INV-2043", Kind.DUPLICATE_BILL_NUMBER, SyncState.BLOCKED,
                f"{USED_BILL_SUPPLIER} already has bill {USED_BILL_NUMBER} in QuickBooks"),
    DemoProblem(DocKind.PO, "PO-1064", Kind.CLOSED_PERIOD, SyncState.BLOCKED,
                f"dated in the closed period (books closed on {CLOSING_DATE})"),
    DemoProblem(DocKind.INVOICE, "INV-2044", Kind.STRING_TOO_LONG, SyncState.BLOCKED,
                "the supplier's invoice number has 33 characters; QuickBooks allows 21"),
)


def fill_demo(session: Session) -> tuple[int, int]:
    """Fill an empty store with the demo company; returns (POs, invoices) added."""
    if has_documents(session):
        raise UserError("this store already has documents; the demo needs a new store "
                        "(give {0} a new file)", Hint.of(Action.STORE_LOCATION))
    set_setting(session, "company_name", COMPANY_NAME)
    accounts = _accounts(session)
    suppliers = {}
    for name in SUPPLIERS:
        supplier = Supplier(name=name, email=_email(name))
        session.add(supplier)
        suppliers[name] = supplier
    session.flush()
    rng = random.Random(2026)
    pos = _clean_pos(session, rng, suppliers, accounts)
    invoices = _clean_invoices(session, rng, pos)
    problem_pos, problem_invoices = _problem_documents(session, suppliers, accounts, pos)
    return len(pos) + problem_pos, invoices + problem_invoices


def _accounts(session: Session) -> dict[str, int]:
    """The demo's chart of accounts, reusing accounts a new store already has."""
    ids = {}
    for name, kind in ACCOUNTS:
        account = account_by_name(session, name) or Account(name=name, account_type=kind)
        session.add(account)
        session.flush()
        assert account.id is not None
        ids[name] = account.id
    return ids


def _email(name: str) -> str:
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
    return f"accounts@{slug}.example"


def _lines(rng: random.Random, accounts: dict[str, int], count: int) -> list[LineValues]:
    lines = []
    for _ in range(count):
        qty = Decimal(rng.randint(1, 24))
        price = Decimal(rng.randint(500, 45000)) / 100
        lines.append(LineValues(
            description=rng.choice(DESCRIPTIONS),
            account_id=accounts[rng.choice(EXPENSE_ACCOUNTS)], qty=qty, unit_price=price,
        ))
    return lines


def _day(index: int, total: int) -> date:
    """Spread documents from July to mid-November 2026."""
    return FIRST_DAY + timedelta(days=(index * 135) // max(total, 1))


def _clean_pos(session: Session, rng: random.Random, suppliers: dict[str, Supplier],
               accounts: dict[str, int]) -> list[PurchaseOrder]:
    clean = [s for s in SUPPLIERS if s not in (DUPLICATE_NAME_SUPPLIER, INACTIVE_SUPPLIER)]
    pos = []
    total = 60
    for i in range(total):
        day = _day(i, total)
        status = PoStatus.APPROVED if i % 10 not in (7, 9) else (
            PoStatus.PENDING if i % 10 == 7 else PoStatus.DRAFT)
        supplier = suppliers[clean[i % len(clean)]]
        assert supplier.id is not None
        po = creating.create_po(
            session, number=f"PO-{1001 + i}", supplier_id=supplier.id,
            lines=_lines(rng, accounts, 1 + i % 3), actor=ACTOR, status=status,
            approved_on=day if status is PoStatus.APPROVED else None, created_on=day,
            memo=None,
        )
        pos.append(po)
    return pos


def _clean_invoices(session: Session, rng: random.Random, pos: list[PurchaseOrder]) -> int:
    """One invoice for each of the first 40 approved POs, billing it in full."""
    approved = [po for po in pos if po.status == PoStatus.APPROVED.value][:40]
    for i, po in enumerate(approved):
        issue = po.txn_date + timedelta(days=3 + i % 9)
        status = (InvoiceStatus.APPROVED, InvoiceStatus.READY_TO_PAY,
                  InvoiceStatus.OUTSTANDING)[i % 3]
        creating.create_invoice(
            session, number=f"INV-{2001 + i}", reference=f"{_initials(session, po)}-{4100 + i}",
            supplier_id=po.supplier_id, issue_date=issue, due_date=issue + timedelta(days=30),
            po=po, status=status, actor=ACTOR,
            lines=_billing_lines(session, po),
        )
    return len(approved)


def _initials(session: Session, po: PurchaseOrder) -> str:
    supplier = session.get(Supplier, po.supplier_id)
    assert supplier is not None
    return "".join(word[0] for word in supplier.name.split() if word[0].isalpha()).upper()[:3]


def _billing_lines(session: Session, po: PurchaseOrder) -> list[LineValues]:
    po_lines = session.exec(
        select(PoLine).where(PoLine.po_id == po.id).order_by(col(PoLine.line_no))
    ).all()
    return [LineValues(description=line.description, account_id=line.account_id,
                       qty=line.qty, unit_price=line.unit_price, po_line_no=line.line_no)
            for line in po_lines]


def _problem_documents(session: Session, suppliers: dict[str, Supplier],
                       accounts: dict[str, int], pos: list[PurchaseOrder]) -> tuple[int, int]:
    """The documents in ``PROBLEM_DOCUMENTS``, each with exactly its one problem."""

    def supplier_id(name: str) -> int:
        found = suppliers[name].id
        assert found is not None
        return found

    def line(account: str, description: str, amount: str) -> LineValues:
        return LineValues(description=description, account_id=accounts[account],
                          amount=Decimal(amount))

    autumn = date(2026, 10, 5)
    for number, supplier in (("PO-1061", DUPLICATE_NAME_SUPPLIER),
                             ("PO-1062", INACTIVE_SUPPLIER)):
        creating.create_po(session, number=number, supplier_id=supplier_id(supplier),
                            lines=[line("Cost of Goods Sold", "Imported tea, 30 cases",
                                        "1840.00")],
                            actor=ACTOR, status=PoStatus.APPROVED, approved_on=autumn,
                            created_on=autumn)
    creating.create_po(
        session, number="PO-1063", supplier_id=supplier_id("Brightline Packaging"),
        lines=[line("Job Materials", "Gift boxes", "312.50"),
               line("Accounts Payable (A/P)", "Balance carried from old supplier account",
                    "120.00")],
        actor=ACTOR, status=PoStatus.APPROVED, approved_on=autumn, created_on=autumn)
    closed = CLOSING_DATE - timedelta(days=10)
    creating.create_po(
        session, number="PO-1064", supplier_id=supplier_id("Pinecrest Signage"),
        lines=[line("Advertising & Marketing", "Summer menu boards", "655.00")],
        actor=ACTOR, status=PoStatus.APPROVED, approved_on=closed, created_on=closed)

    creating.create_invoice(
        session, number="INV-2041", reference="CIT-7781", supplier_id=supplier_id(
            "Cobalt IT Services"), issue_date=date(2026, 10, 12), status=InvoiceStatus.APPROVED,
        lines=[line("Office Supplies & Software", "Laptop setup", "450.00"),
               line("Accounts Receivable (A/R)", "Refund owed to us", "75.00")],
        actor=ACTOR)
    unbilled = [po for po in pos if po.status == PoStatus.APPROVED.value][40]
    creating.create_invoice(
        session, number="INV-2042", reference="EARLY-118", supplier_id=unbilled.supplier_id,
        issue_date=unbilled.txn_date - timedelta(days=6), po=unbilled,
        status=InvoiceStatus.APPROVED, lines=_billing_lines(session, unbilled), actor=ACTOR)
    creating.create_invoice(
        session, number="INV-2043", reference=USED_BILL_NUMBER,
        supplier_id=supplier_id(USED_BILL_SUPPLIER), issue_date=date(2026, 10, 20),
        status=InvoiceStatus.APPROVED,
        lines=[line("Office Supplies & Software", "Copier paper, 40 cases", "389.60")],
        actor=ACTOR)
    creating.create_invoice(
        session, number="INV-2044", reference=LONG_REFERENCE,
        supplier_id=supplier_id("Summit Office Interiors"), issue_date=date(2026, 10, 28),
        status=InvoiceStatus.APPROVED,
        lines=[line("Repairs & Maintenance", "Meeting room refit", "2975.00")], actor=ACTOR)
    return 4, 4
