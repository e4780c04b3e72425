"""The first full pull of a large company, with QuickBooks' limits on.

On demand (under a minute):
``SYNCDESK_BENCHMARKS=1 python3 build/dev.py test tests/benchmarks/test_pull_benchmark.py -s``.
``SYNCDESK_BENCH_WINDOW=12`` keeps the same rate (100 requests per 12 s) in a
shorter window, as the push benchmark does.

The company: 10,000 vendors and 20,000 bills in QuickBooks. SyncDesk's side:
10,000 suppliers linked to those vendors and 20,000 synced invoices, one for each
bill (with its line, as a push leaves them). A pull reads every list in full and
SyncDesk's own documents by id (``app.sync.pull``), so this pull reads all 10,000
vendors and all 20,000 bills, and compares each bill with its invoice (drift).
The company is seeded straight into the sandbox's state and the store by bulk
inserts; the pull then runs in a fresh process of its own, so the peak resident
memory printed is the pull's (and the later CDC pull's), not the seeding's nor the
sandbox's (Python, SyncDesk's modules and the connection take about 100 MB of it
before the pull begins; both figures are printed). Figures are printed, never
asserted on time; the test asserts only that the pull read everything and no 429
reached the user.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlmodel import select

from app.connection.service import ConnectRequest, connect, open_client
from app.domain import qbo_limits
from app.domain.states import InvoiceStatus, SyncState
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.qbo.transport import RetryPolicy
from app.sandbox.server import SandboxServer
from app.sandbox.state import meta_time
from app.store.database import open_store
from app.store.identity import store_info
from app.store.models import Account, Invoice, InvoiceLine, QboObject, Supplier
from app.store.types import utcnow

VENDORS = 10_000
BILLS = 20_000
QBO_PER_MINUTE = 500
TARGET_MB = 250
ACCOUNT = "Office Supplies & Software"
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.benchmark,
    pytest.mark.skipif(os.environ.get("SYNCDESK_BENCHMARKS") != "1",
                       reason="on demand: set SYNCDESK_BENCHMARKS=1"),
]


def _window() -> tuple[float, int, str]:
    window = float(os.environ.get("SYNCDESK_BENCH_WINDOW", "60"))
    per_window = round(QBO_PER_MINUTE * window / 60)
    spec = f"{per_window}/{window:g}s,concurrent=10,batch={round(40 * window / 60)}/{window:g}s"
    return window, per_window, spec


# --- seeding (in the test's process) ------------------------------------------------


def seed_company(sandbox: SandboxServer, lineage: str) -> tuple[list[str], list[str]]:
    """10,000 vendors and 20,000 one-line bills put straight into the sandbox's state (the
    first of each made through the sandbox, so that the rest have its shape). Returns the
    vendors' ids and the bills'."""
    company = sandbox.company
    account = next(a for a in company.all("Account") if a["Name"] == ACCOUNT)
    ap = next(a for a in company.all("Account") if a["AccountType"] == "Accounts Payable")
    vendor_ids: list[str] = []
    bill_ids: list[str] = []
    with company.lock:
        state_file, company.state_file = company.state_file, None  # no saving per object
        # made yesterday: the later pull's CDC finds nothing changed since the first
        stamp = meta_time(company.clock.now() - timedelta(days=1))
        for n in range(VENDORS):
            vendor_id = company.new_id()
            vendor_ids.append(vendor_id)
            name = vendor_name(n)
            company.put("Vendor", {
                "DisplayName": name, "PrintOnCheckName": name, "CompanyName": name,
                "Active": True, "Vendor1099": False, "Balance": 0,
                "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
                "PrimaryEmailAddr": {"Address": f"ap{n}@example.invalid"},
                "BillAddr": {"Line1": f"{n} Market Street", "City": "San Pablo",
                             "CountrySubDivisionCode": "CA", "PostalCode": "87999"},
                "domain": "QBO", "sparse": False, "Id": vendor_id, "SyncToken": "0",
                "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp}})
        for n in range(BILLS):
            bill_id = company.new_id()
            bill_ids.append(bill_id)
            vendor = n % VENDORS
            company.put("Bill", {
                "DocNumber": reference(n), "TxnDate": issued(n).isoformat(),
                "DueDate": (issued(n) + timedelta(days=30)).isoformat(),
                "PrivateNote": qbo_limits.private_note(number(n), None, False, lineage),
                "VendorRef": {"value": vendor_ids[vendor], "name": vendor_name(vendor)},
                "APAccountRef": {"value": ap["Id"], "name": ap["Name"]},
                "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
                "TotalAmt": 125.0, "Balance": 125.0,
                "Line": [{"Id": "1", "LineNum": 1, "Description": "Paper", "Amount": 125.0,
                          "DetailType": "AccountBasedExpenseLineDetail",
                          "AccountBasedExpenseLineDetail": {
                              "AccountRef": {"value": account["Id"], "name": ACCOUNT},
                              "BillableStatus": "NotBillable",
                              "TaxCodeRef": {"value": "NON"}}}],
                "domain": "QBO", "sparse": False, "Id": bill_id, "SyncToken": "0",
                "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp}})
        company.state_file = state_file
    return vendor_ids, bill_ids


def vendor_name(n: int) -> str:
    return f"Vendor {n:05d} Supply Co"


def number(n: int) -> str:
    return f"INV-{n:05d}"


def reference(n: int) -> str:
    return f"A-{n:05d}"


def issued(n: int) -> date:
    return date(2026, 1, 1) + timedelta(days=n % 300)


def seed_store(store, vendor_ids: list[str], bill_ids: list[str]) -> None:
    """SyncDesk's side: a supplier per vendor (linked) and a synced invoice per bill."""
    now = utcnow()
    with store.session() as s:
        account = s.exec(select(Account).where(Account.name == ACCOUNT)).one().id
        s.execute(insert(Supplier), [
            {"name": vendor_name(n), "qbo_vendor_id": vendor_id, "currency": "USD",
             "active": True, "created_at": now, "updated_at": now}
            for n, vendor_id in enumerate(vendor_ids)])
        suppliers = {name: supplier_id for name, supplier_id in s.exec(
            select(Supplier.name, Supplier.id))}
        s.execute(insert(Invoice), [
            {"number": number(n), "reference": reference(n),
             "supplier_id": suppliers[vendor_name(n % VENDORS)],
             "status": InvoiceStatus.APPROVED.value, "issue_date": issued(n),
             "due_date": issued(n) + timedelta(days=30), "currency": "USD",
             "total": Decimal("125.00"), "created_by": "bench", "created_at": now,
             "updated_at": now, "sync_state": SyncState.SYNCED.value, "qbo_id": bill_id,
             "qbo_sync_token": "0", "qbo_status": "Open", "synced_at": now, "revision": 1}
            for n, bill_id in enumerate(bill_ids)])
        invoices = {num: invoice_id for num, invoice_id in s.exec(
            select(Invoice.number, Invoice.id))}
        s.execute(insert(InvoiceLine), [
            {"invoice_id": invoices[number(n)], "line_no": 1, "description": "Paper",
             "account_id": account, "amount": Decimal("125.00"), "qbo_line_id": "1"}
            for n in range(BILLS)])


# --- the pull (in a process of its own) -----------------------------------------------


def _status_mb(field: str) -> float | None:
    """``VmRSS`` (resident now) or ``VmHWM`` (peak resident) of this process, in MB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def peak_mb() -> float:
    """This process's peak resident memory, in MB: ``VmHWM`` where there is /proc. (Not
    ru_maxrss there: in a process started by another, Linux counts in it what the parent
    held when it forked; here that is the sandbox's company, not the pull.)"""
    peak = _status_mb("VmHWM")
    if peak is not None:
        return peak
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run_pull(db: str, window: float, per_window: int) -> dict:
    """A first full pull, then a CDC pull, of the store at ``db``; their figures."""
    from app.sync.engine import SyncEngine

    store = open_store(f"sqlite:///{db}")
    limits = Limits(per_minute=max(1, per_window - max(1, per_window // 50)),
                    per_second=10_000, window=window)
    client = open_client(store, limits, RetryPolicy(throttle_wait=window))
    client.transport.tokens.access_token()
    figures: dict = {"opened_peak_mb": peak_mb(), "baseline_mb": _status_mb("VmRSS")}

    steps: dict[str, float] = {}

    def progress(p) -> None:  # the peak so far as each step begins, and at the end
        if p.current:
            steps.setdefault(p.current.split(" (")[0], peak_mb())
        elif p.total and p.done == p.total:
            steps["the end of the pull"] = peak_mb()

    started = time.perf_counter()
    report = SyncEngine(store, client, on_progress=progress).run(push=False)
    figures.update(seconds=time.perf_counter() - started, peak_mb=peak_mb(), steps=steps,
                   mode=report.pull.mode if report.pull else None,
                   stopped=report.stopped, counts=report.pull.counts if report.pull else {},
                   requests=client.transport.stats.requests,
                   throttled=client.transport.stats.throttled,
                   retries=client.transport.stats.retries,
                   waited=client.transport.limiter.waited)
    with store.session() as s:
        figures["mirror"] = {entity: len(s.exec(select(QboObject.id).where(
            QboObject.entity == entity)).all()) for entity in ("Vendor", "Account", "Term")}
    before = client.transport.stats.requests
    started = time.perf_counter()
    again = SyncEngine(store, client).run(push=False)
    figures.update(cdc_seconds=time.perf_counter() - started,
                   cdc_mode=again.pull.mode if again.pull else None,
                   cdc_requests=client.transport.stats.requests - before,
                   cdc_peak_mb=peak_mb())
    store.close()
    return figures


def test_first_full_pull_of_a_large_company(store, db_path: Path, capsys):
    window, per_window, spec = _window()
    seeding = time.perf_counter()
    with SandboxServer(throttle=spec) as sandbox:
        connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
        with store.session() as s:
            lineage = store_info(s).lineage
        vendor_ids, bill_ids = seed_company(sandbox, lineage)
        seed_store(store, vendor_ids, bill_ids)
        seeding = time.perf_counter() - seeding
        sandbox.throttling.reset()
        child = subprocess.run(
            [sys.executable, "-m", "tests.benchmarks.test_pull_benchmark", str(db_path),
             str(window), str(per_window)], cwd=ROOT, capture_output=True, text=True,
            env=os.environ.copy(), timeout=3600)
        refused = dict(sandbox.throttling.refused)
    assert child.returncode == 0, child.stderr[-4000:]
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    read = figures["mirror"]["Vendor"]
    with capsys.disabled():
        print(f"\npull benchmark: {VENDORS} vendors, {BILLS} bills (all SyncDesk's), "
              f"throttle {spec}; seeding took {seeding:.1f} s")
        print(f"  first pull ({figures['mode']})  {figures['seconds']:8.1f} s")
        print(f"  requests made     {figures['requests']:8d}")
        print(f"  429s received     {figures['throttled']:8d}  (sandbox refused: "
              f"{refused or 'none'}; target 0 reaching the user)")
        print(f"  waited in limiter {figures['waited']:8.1f} s")
        print(f"  vendors applied   {read:8d}  (mirror rows; accounts "
              f"{figures['mirror']['Account']}, terms {figures['mirror']['Term']})")
        print(f"  bills read by id  {BILLS:8d}  (changes counted: {figures['counts']})")
        print(f"  peak resident     {figures['peak_mb']:8.1f} MB  (target < {TARGET_MB} MB; the "
              f"pull's process: {figures['opened_peak_mb']:.1f} MB peak and "
              f"{figures['baseline_mb'] or 0:.1f} MB resident once connected, before the pull)")
        print("  peak as each step began: " + ", ".join(
            f"{step.replace('Reading ', '').replace(' from QuickBooks', '')} "
            f"{mb:.0f}" for step, mb in figures["steps"].items()))
        print(f"  later pull ({figures['cdc_mode']})   {figures['cdc_seconds']:8.1f} s, "
              f"{figures['cdc_requests']} requests; peak resident after both "
              f"{figures['cdc_peak_mb']:.1f} MB")
        if figures["stopped"]:
            print(f"  stopped: {figures['stopped']}")
    assert figures["mode"] == "full" and figures["cdc_mode"] == "cdc"
    assert read == VENDORS
    assert figures["stopped"] is None


if __name__ == "__main__":  # the pull's own process (see the test above)
    db, window_text, per_window_text = sys.argv[1:4]
    print(json.dumps(run_pull(db, float(window_text), int(per_window_text)), default=str))
