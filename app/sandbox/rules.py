"""Validation and shaping of written objects: QBO's rules answered with its Faults.

``prepare(ctx)`` turns a cleaned request body into the complete object QBO would
store (defaults, computed fields, reference names) and collects every error it
finds, so several problems come back as several ``Error[]`` items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from app.sandbox import faults
from app.sandbox.entities import (
    ACCOUNT_TYPES,
    BILLABLE,
    DEFAULT_SUBTYPES,
    ITEM_TYPES,
    LINE_DETAILS,
    NAME_ENTITIES,
    REF_TARGETS,
    SUBTYPE_TO_TYPE,
    USD,
    EntitySpec,
)
from app.sandbox.faults import QboError
from app.sandbox.state import Company

DELETED_SUFFIX = " (deleted)"
CENT = Decimal("0.01")
DOC_LABELS = {"PurchaseOrder": "a Purchase Order", "Bill": "a Bill",
              "VendorCredit": "a Vendor Credit", "BillPayment": "a Bill Payment"}


# --- lenient input ----------------------------------------------------------------
def clean(value: Any) -> Any:
    """Drop what client libraries send for "unset": empty strings, nulls, empty refs.

    Lists stay (an empty ``Line`` is still "no lines"). References sent as bare
    strings or with extra empty keys become ``{"value": ...}``.
    """
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key.endswith("Ref") and key != "CurrencyRef":
                ref = _clean_ref(item)
                if ref is not None:
                    out[key] = ref
                continue
            item = clean(item)
            if item is None or item == "" or item == {}:
                continue
            out[key] = item
        return out
    if isinstance(value, list):
        return [clean(v) for v in value if v is not None]
    if isinstance(value, str):
        return value
    return value


def _clean_ref(value: Any) -> dict | None:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return {"value": str(value)} if str(value) != "" else None
    if isinstance(value, dict):
        ref_value = value.get("value")
        if ref_value is None or str(ref_value).strip() == "":
            return None
        return {"value": str(ref_value).strip()}
    return None


def as_bool(value: Any, default: bool) -> bool:
    """``true``/``"true"``/``1`` → True; missing → ``default``."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def to_decimal(value: Any) -> Decimal | None:
    """Money and quantities as Decimal (never float arithmetic)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def to_number(value: Decimal) -> float:
    """Back to a JSON number for storage; QBO writes money as ``150.0``."""
    return float(value)


def storable(value: Any) -> Any:
    """Deep-convert Decimals (from the request parser) into JSON numbers."""
    if isinstance(value, dict):
        return {k: storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    if isinstance(value, Decimal):
        return to_number(value)
    return value


# --- context ---------------------------------------------------------------------
@dataclass
class WriteContext:
    """One create or update being checked."""

    company: Company
    spec: EntitySpec
    data: dict
    current: dict | None
    include: set[str] = field(default_factory=set)
    errors: list[QboError] = field(default_factory=list)

    def error(self, err: QboError) -> None:
        """Collect ``err`` (duplicates of the same item are kept once)."""
        if err not in self.errors:
            self.errors.append(err)


def _limit(ctx: WriteContext, obj: dict, key: str, element: str | None = None) -> None:
    limit = ctx.spec.limits.get(element or key)
    value = obj.get(key)
    if limit is not None and isinstance(value, str) and len(value) > limit:
        ctx.error(faults.string_too_long(element or key, limit, len(value)))


def check_limits(ctx: WriteContext) -> None:
    """2050 for every top-level string longer than its limit (API.md §3.9)."""
    for key in ctx.spec.limits:
        if "." not in key:
            _limit(ctx, ctx.data, key)


def check_ref(ctx: WriteContext, obj: dict, key: str, element: str,
              targets: tuple[str, ...] | None = None) -> dict | None:
    """Resolve ``obj[key]``: unknown → 2500, inactive → 610; fills ``name``."""
    ref = obj.get(key)
    if not isinstance(ref, dict):
        return None
    targets = targets or REF_TARGETS.get(key, ())
    for entity in targets:
        target = ctx.company.get(entity, ref["value"])
        if target is not None:
            if target.get("Active") is False:
                ctx.error(faults.object_inactive(element))
            obj[key] = {"value": ref["value"], "name": display_name(entity, target)}
            return target
    ctx.error(faults.invalid_reference(targets[0] if targets else key, ref["value"], element))
    return None


def display_name(entity: str, obj: dict) -> str:
    """The ``name`` QBO puts next to a reference's value."""
    if entity in NAME_ENTITIES:
        return obj.get("DisplayName", "")
    return obj.get("FullyQualifiedName") or obj.get("Name", "")


def base_name(name: str) -> str:
    """The name an inactive record still holds: without " (deleted)", case-folded."""
    name = name.strip()
    if name.endswith(DELETED_SUFFIX):
        name = name[: -len(DELETED_SUFFIX)]
    return name.strip().casefold()


def _deleted_suffix(ctx: WriteContext, obj: dict, key: str) -> None:
    """QBO renames an inactive name " (deleted)", and restores it on reactivation."""
    name = obj.get(key)
    if not isinstance(name, str):
        return
    if obj["Active"] is False and not name.endswith(DELETED_SUFFIX):
        obj[key] = name + DELETED_SUFFIX
    elif (obj["Active"] is True and name.endswith(DELETED_SUFFIX) and ctx.current is not None
          and ctx.current.get("Active") is False):
        obj[key] = name[: -len(DELETED_SUFFIX)]


def _drop_system_fields(ctx: WriteContext, obj: dict) -> None:
    for key in ("Id", "SyncToken", "MetaData", "domain", "sparse"):
        obj.pop(key, None)


# --- name entities --------------------------------------------------------------
def prepare_name(ctx: WriteContext) -> dict:
    """Vendor, Customer, Employee."""
    obj = dict(ctx.data)
    _drop_system_fields(ctx, obj)
    check_limits(ctx)
    if not obj.get("DisplayName"):
        parts = [obj.get(k) for k in ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")]
        parts = [p for p in parts if isinstance(p, str) and p.strip()]
        if not parts:
            ctx.error(faults.no_name())
            return obj
        obj["DisplayName"] = " ".join(parts)
    obj["Active"] = as_bool(obj.get("Active"), True)
    _deleted_suffix(ctx, obj, "DisplayName")
    wanted = base_name(obj["DisplayName"])
    own_id = ctx.current["Id"] if ctx.current else None
    for entity in NAME_ENTITIES:
        for other in ctx.company.all(entity):
            if other["Id"] != own_id and base_name(other.get("DisplayName", "")) == wanted:
                ctx.error(faults.duplicate_name())
                break
    if "TermRef" in obj:
        check_ref(ctx, obj, "TermRef", "TermRef")
    plain_name = obj["DisplayName"]
    if plain_name.endswith(DELETED_SUFFIX):
        plain_name = plain_name[: -len(DELETED_SUFFIX)]
    obj.setdefault("PrintOnCheckName", plain_name)
    current = ctx.current or {}
    name = ctx.spec.name
    if name == "Vendor":
        obj["Balance"] = current.get("Balance", 0)
        obj["Vendor1099"] = as_bool(obj.get("Vendor1099"), False)
        obj.setdefault("CurrencyRef", dict(USD))
    elif name == "Customer":
        obj["Balance"] = current.get("Balance", 0)
        obj["BalanceWithJobs"] = current.get("BalanceWithJobs", 0)
        obj["FullyQualifiedName"] = obj["DisplayName"]
        obj["Job"] = as_bool(obj.get("Job"), False)
        obj["BillWithParent"] = as_bool(obj.get("BillWithParent"), False)
        obj["Taxable"] = as_bool(obj.get("Taxable"), False)
        obj.setdefault("PreferredDeliveryMethod", "Print")
        obj.setdefault("CurrencyRef", dict(USD))
    else:
        obj["BillableTime"] = as_bool(obj.get("BillableTime"), False)
    return obj


# --- list entities -----------------------------------------------------------------
def _unique_list_name(ctx: WriteContext, obj: dict, word: str) -> None:
    wanted = base_name(obj.get("FullyQualifiedName") or obj["Name"])
    own_id = ctx.current["Id"] if ctx.current else None
    for other in ctx.company.all(ctx.spec.name):
        other_name = other.get("FullyQualifiedName") or other.get("Name", "")
        if other["Id"] != own_id and base_name(other_name) == wanted:
            ctx.error(faults.duplicate_list_name(word))
            return


def _qualified(ctx: WriteContext, obj: dict) -> None:
    parent = None
    if "ParentRef" in obj:  # a sub-account's parent is an account, a sub-item's an item
        parent = check_ref(ctx, obj, "ParentRef", "ParentRef", (ctx.spec.name,))
    name = obj["Name"]
    if name.endswith(DELETED_SUFFIX):
        name = name[: -len(DELETED_SUFFIX)]
    if parent is not None:
        parent_name = parent.get("FullyQualifiedName") or parent.get("Name", "")
        obj["FullyQualifiedName"] = f"{parent_name}:{obj['Name']}"
        obj["SubAccount" if ctx.spec.name == "Account" else "SubItem"] = True
    else:
        obj["FullyQualifiedName"] = obj["Name"]
        if ctx.spec.name == "Account":
            obj["SubAccount"] = False


def prepare_account(ctx: WriteContext) -> dict:
    """Account: Name, AccountType or AccountSubType, unique Name."""
    obj = dict(ctx.data)
    _drop_system_fields(ctx, obj)
    check_limits(ctx)
    for key in ("Classification", "CurrentBalance", "CurrentBalanceWithSubAccounts",
                "FullyQualifiedName"):
        obj.pop(key, None)
    if not obj.get("Name"):
        ctx.error(faults.required("Name"))
        return obj
    acct_type, sub = obj.get("AccountType"), obj.get("AccountSubType")
    if not acct_type and not sub:
        ctx.error(faults.account_type_required())
    elif acct_type and acct_type not in ACCOUNT_TYPES:
        ctx.error(faults.invalid_enumeration(str(acct_type), "AccountType"))
    elif not acct_type:
        if sub not in SUBTYPE_TO_TYPE:
            ctx.error(faults.invalid_enumeration(str(sub), "AccountSubType"))
        else:
            obj["AccountType"] = SUBTYPE_TO_TYPE[sub]
    if obj.get("AccountType") in ACCOUNT_TYPES:
        obj.setdefault("AccountSubType", DEFAULT_SUBTYPES[obj["AccountType"]])
        obj["Classification"] = ACCOUNT_TYPES[obj["AccountType"]]
    obj["Active"] = as_bool(obj.get("Active"), True)
    _deleted_suffix(ctx, obj, "Name")
    _qualified(ctx, obj)
    _unique_list_name(ctx, obj, "account")
    current = ctx.current or {}
    obj["CurrentBalance"] = current.get("CurrentBalance", 0)
    obj["CurrentBalanceWithSubAccounts"] = current.get("CurrentBalanceWithSubAccounts", 0)
    obj.setdefault("CurrencyRef", dict(USD))
    return obj


def prepare_item(ctx: WriteContext) -> dict:
    """Item: Name, Type; Inventory needs TrackQtyOnHand."""
    obj = dict(ctx.data)
    _drop_system_fields(ctx, obj)
    check_limits(ctx)
    obj.pop("FullyQualifiedName", None)
    if not obj.get("Name"):
        ctx.error(faults.required("Name"))
        return obj
    if not obj.get("Type"):
        ctx.error(faults.required("Type"))
    elif obj["Type"] not in ITEM_TYPES:
        ctx.error(faults.invalid_enumeration(str(obj["Type"]), "Type"))
    obj["TrackQtyOnHand"] = as_bool(obj.get("TrackQtyOnHand"), False)
    if obj.get("Type") == "Inventory" and not obj["TrackQtyOnHand"]:
        ctx.error(faults.business("When you create an item, if Track quantity on hand is turned "
                                  "off, the item cannot be of type Inventory."))
    for key in ("ExpenseAccountRef", "IncomeAccountRef", "AssetAccountRef"):
        if key in obj:
            check_ref(ctx, obj, key, key)
    obj["Active"] = as_bool(obj.get("Active"), True)
    _deleted_suffix(ctx, obj, "Name")
    _qualified(ctx, obj)
    _unique_list_name(ctx, obj, "item")
    obj["Taxable"] = as_bool(obj.get("Taxable"), False)
    obj.setdefault("UnitPrice", 0)
    obj.setdefault("PurchaseCost", 0)
    return obj


def prepare_term(ctx: WriteContext) -> dict:
    """Term: Name; DueDays defaults to 0."""
    obj = dict(ctx.data)
    _drop_system_fields(ctx, obj)
    check_limits(ctx)
    if not obj.get("Name"):
        ctx.error(faults.required("Name"))
        return obj
    # CHOSEN: terms keep their name when inactive; API.md reports the " (deleted)"
    # rename only for names, accounts (and, in QBO's UI, items).
    obj["Active"] = as_bool(obj.get("Active"), True)
    obj.setdefault("Type", "STANDARD")
    obj.setdefault("DueDays", 0)
    return obj


# --- transactions ---------------------------------------------------------------------
def parse_date(ctx: WriteContext, value: Any, element: str) -> date | None:
    """A ``yyyy-mm-dd`` date; CHOSEN: 2080 "Invalid Date" otherwise (a code of the 2060–2240
    format family in [FC]; API.md gives no text)."""
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        ctx.error(QboError("2080", "Invalid Date", f"Invalid Date : {value}", element))
        return None


def default_ap_account(company: Company) -> dict | None:
    """The company's AP account ("implied when there is a single one", API.md §3.6)."""
    for account in company.all("Account"):
        if account.get("AccountType") == "Accounts Payable" and account.get("Active") is not False:
            return account
    return None


def _check_closed_period(ctx: WriteContext, txn_date: date | None) -> None:
    closing = ctx.company.closing_date()
    if closing is None:
        return
    dates = [txn_date]
    if ctx.current is not None and ctx.current.get("TxnDate"):
        dates.append(date.fromisoformat(ctx.current["TxnDate"]))
    if any(d is not None and d <= closing for d in dates):
        ctx.error(faults.period_closed())


def _prepare_lines(ctx: WriteContext, obj: dict, txn_date: date | None) -> Decimal:
    """Check and number expense lines; return their total."""
    total = Decimal(0)
    old_ids = {line.get("Id") for line in (ctx.current or {}).get("Line", [])}
    used_ids = {i for i in old_ids if i}
    next_line = max([int(i) for i in used_ids if str(i).isdigit()] + [0]) + 1
    lines = []
    for index, raw in enumerate(obj.get("Line", [])):
        line = dict(raw) if isinstance(raw, dict) else {}
        line_id = line.get("Id")
        if ctx.current is None or line_id not in old_ids:
            line["Id"] = str(next_line)
            next_line += 1
        else:
            line["Id"] = str(line_id)
        line["LineNum"] = index + 1
        _limit(ctx, line, "Description", "Line.Description")
        if ctx.spec.name == "BillPayment":
            total += _payment_line(ctx, obj, line)
        else:
            total += _expense_line(ctx, obj, line, txn_date)
        lines.append(line)
    obj["Line"] = lines
    return total


def _expense_line(ctx: WriteContext, obj: dict, line: dict, txn_date: date | None) -> Decimal:
    detail_type = line.get("DetailType")
    if not detail_type:
        ctx.error(faults.required("DetailType", "Line.DetailType"))
        return Decimal(0)
    if detail_type not in LINE_DETAILS:
        ctx.error(faults.invalid_enumeration(str(detail_type), "Line.DetailType"))
        return Decimal(0)
    detail = line.get(detail_type)
    detail = dict(detail) if isinstance(detail, dict) else {}
    line[detail_type] = detail
    ref_key = "AccountRef" if detail_type == "AccountBasedExpenseLineDetail" else "ItemRef"
    element = f"Line.{detail_type}.{ref_key}"
    if ref_key not in detail:
        ctx.error(faults.required(ref_key, element))
    else:
        target = check_ref(ctx, detail, ref_key, element)
        if target is not None and ref_key == "AccountRef":
            label = DOC_LABELS.get(ctx.spec.name, "a transaction")
            if target.get("AccountType") == "Accounts Payable":
                ctx.error(faults.ap_account_on_line(label))
            elif target.get("AccountType") == "Accounts Receivable":
                ctx.error(faults.ar_account_on_line())
    if "CustomerRef" in detail:
        check_ref(ctx, detail, "CustomerRef", f"Line.{detail_type}.CustomerRef")
    status = detail.get("BillableStatus")
    if status is not None and status not in BILLABLE:
        ctx.error(faults.invalid_enumeration(str(status), f"Line.{detail_type}.BillableStatus"))
    amount = to_decimal(line.get("Amount"))
    qty, price = to_decimal(detail.get("Qty")), to_decimal(detail.get("UnitPrice"))
    if detail_type == "ItemBasedExpenseLineDetail" and qty is not None and price is not None:
        expected = (qty * price).quantize(CENT, rounding=ROUND_HALF_UP)
        if amount is None:
            amount = expected
        elif amount not in (expected, qty * price):
            # Decimal compares by value: 150, 150.0 and 150.00 are all equal.
            ctx.error(faults.amount_calculation(str(line.get("Amount"))))
    if amount is None:
        ctx.error(faults.required("Amount", "Line.Amount"))
        amount = Decimal(0)
    line["Amount"] = amount
    if ctx.spec.name == "Bill":
        _bill_line_links(ctx, obj, line, txn_date)
    else:
        line.pop("LinkedTxn", None)
    return amount


def _bill_line_links(ctx: WriteContext, obj: dict, line: dict, txn_date: date | None) -> None:
    """The PO links a Bill line keeps, as QBO treats a create and a (full) update.

    API.md §3.2 and §3.7: a full update stores the lines as sent, so a line that
    omits its ``LinkedTxn`` loses its link (``ops.refresh_links`` then reopens
    the PO); a line repeating a link it already has keeps it, also when that PO
    is Closed because this bill closed it. "To link an existing bill, the update
    needs a new Line (no Id)" [REF]: CHOSEN: a link that an existing line (its
    ``Id`` already on this bill) did not have is left out without a Fault, as
    QBO silently drops links it does not take (API.md §3.7 "Known pitfall"); a
    client finds out by reading the Bill back.
    """
    links = line.get("LinkedTxn")
    if not links:
        line.pop("LinkedTxn", None)
        return
    current_lines = (ctx.current or {}).get("Line", [])
    already = set()
    for old in current_lines:
        for link in old.get("LinkedTxn", []):
            already.add(str(link.get("TxnId")))
    # _prepare_lines gives a new line an Id no current line has.
    old_line = next((old for old in current_lines if old.get("Id") == line.get("Id")), None)
    held = None if old_line is None else {
        (str(link.get("TxnId")), str(link.get("TxnLineId")))
        for link in old_line.get("LinkedTxn", []) if link.get("TxnType") == "PurchaseOrder"}
    kept = []
    for link in links if isinstance(links, list) else [links]:
        if not isinstance(link, dict):
            continue
        txn_id = str(link.get("TxnId", ""))
        txn_type = link.get("TxnType")
        line_id = link.get("TxnLineId")
        if held is not None and (txn_type != "PurchaseOrder"
                                 or (txn_id, str(line_id)) not in held):
            continue  # a new link on an existing line: not taken (see above)
        if txn_type != "PurchaseOrder":
            # CHOSEN: only PO links are written from a Bill line; others get 620.
            ctx.error(faults.txn_cannot_be_linked(txn_id))
            continue
        po = ctx.company.get("PurchaseOrder", txn_id)
        vendor = obj.get("VendorRef", {}).get("value")
        if po is None or po.get("VendorRef", {}).get("value") != vendor:
            ctx.error(faults.txn_cannot_be_linked(txn_id))
            continue
        if not line_id:
            ctx.error(faults.required("TxnLineId", "Line.LinkedTxn.TxnLineId"))
            continue
        if str(line_id) not in {ln.get("Id") for ln in po.get("Line", [])}:
            ctx.error(faults.txn_cannot_be_linked(txn_id))
            continue
        if po.get("POStatus") == "Closed" and txn_id not in already:
            ctx.error(faults.txn_cannot_be_linked(txn_id))
            continue
        po_date = date.fromisoformat(po["TxnDate"])
        if txn_date is not None and txn_date < po_date:
            ctx.error(faults.business(faults.BILL_BEFORE_PO))
        kept.append({"TxnId": txn_id, "TxnType": "PurchaseOrder", "TxnLineId": str(line_id)})
    if kept:
        line["LinkedTxn"] = kept
    else:
        line.pop("LinkedTxn", None)


def _payment_line(ctx: WriteContext, obj: dict, line: dict) -> Decimal:
    amount = to_decimal(line.get("Amount"))
    if amount is None:
        ctx.error(faults.required("Amount", "Line.Amount"))
        amount = Decimal(0)
    line["Amount"] = amount
    links = line.get("LinkedTxn") or []
    kept = []
    for link in links if isinstance(links, list) else [links]:
        if not isinstance(link, dict):
            continue
        txn_id = str(link.get("TxnId", ""))
        bill = ctx.company.get("Bill", txn_id)
        if link.get("TxnType") != "Bill" or bill is None or \
                bill.get("VendorRef", {}).get("value") != obj.get("VendorRef", {}).get("value"):
            ctx.error(faults.txn_cannot_be_linked(txn_id))
            continue
        kept.append({"TxnId": txn_id, "TxnType": "Bill"})
    line["LinkedTxn"] = kept
    line.pop("DetailType", None)
    return amount


def prepare_txn(ctx: WriteContext) -> dict:
    """PurchaseOrder, Bill, VendorCredit, BillPayment."""
    name = ctx.spec.name
    obj = dict(ctx.data)
    _drop_system_fields(ctx, obj)
    for key in ("TotalAmt", "Balance", "LinkedTxn") if name != "BillPayment" else ("Balance",):
        obj.pop(key, None)
    check_limits(ctx)
    if "VendorRef" not in obj:
        ctx.error(faults.required("VendorRef"))
    else:
        check_ref(ctx, obj, "VendorRef", "VendorRef")
    txn_date = ctx.company.clock.today()
    if obj.get("TxnDate"):
        txn_date = parse_date(ctx, obj["TxnDate"], "TxnDate")
    if txn_date is not None:
        obj["TxnDate"] = txn_date.isoformat()
    if name == "BillPayment":
        _payment_header(ctx, obj)
    else:
        if not obj.get("Line"):
            ctx.error(faults.required("Line"))
        if "APAccountRef" in obj:
            check_ref(ctx, obj, "APAccountRef", "APAccountRef")
        else:
            ap = default_ap_account(ctx.company)
            if ap is not None:
                obj["APAccountRef"] = {"value": ap["Id"], "name": display_name("Account", ap)}
    if "SalesTermRef" in obj:
        check_ref(ctx, obj, "SalesTermRef", "SalesTermRef")
    total = _prepare_lines(ctx, obj, txn_date)
    _check_closed_period(ctx, txn_date)
    obj.setdefault("CurrencyRef", dict(USD))
    if name == "BillPayment":
        obj["TotalAmt"] = to_decimal(obj.get("TotalAmt")) or Decimal(0)
        return obj
    obj["TotalAmt"] = total
    if name == "PurchaseOrder":
        status = obj.get("POStatus") or (ctx.current or {}).get("POStatus", "Open")
        if status not in ("Open", "Closed"):
            ctx.error(faults.invalid_enumeration(str(status), "POStatus"))
        obj["POStatus"] = status
        obj.setdefault("EmailStatus", "NotSet")
        if not obj.get("DocNumber") and ctx.current is None:
            obj["DocNumber"] = str(ctx.company.next_doc_number)
    elif name == "Bill":
        _bill_header(ctx, obj, txn_date, total)
    else:
        obj["Balance"] = total
    return obj


def _bill_header(ctx: WriteContext, obj: dict, txn_date: date | None, total: Decimal) -> None:
    obj["Balance"] = total  # payments are subtracted by ops.refresh_links
    if not obj.get("DueDate") and txn_date is not None:
        days = 0
        term_ref = obj.get("SalesTermRef")
        if term_ref is None and "VendorRef" in obj:
            vendor = ctx.company.get("Vendor", obj["VendorRef"]["value"]) or {}
            term_ref = vendor.get("TermRef")
        if term_ref:
            term = ctx.company.get("Term", term_ref["value"]) or {}
            days = int(term.get("DueDays", 0) or 0)
        obj["DueDate"] = (txn_date + timedelta(days=days)).isoformat()
    doc = obj.get("DocNumber")
    if not doc or "allowduplicatedocnum" in ctx.include:
        return
    if (ctx.company.other_pref("WarnDuplicateBillNumber") or "true").lower() != "true":
        return
    vendor_id = obj.get("VendorRef", {}).get("value")
    own_id = ctx.current["Id"] if ctx.current else None
    for bill in ctx.company.all("Bill"):
        if (bill["Id"] != own_id and bill.get("DocNumber") == doc
                and bill.get("VendorRef", {}).get("value") == vendor_id):
            ctx.error(faults.duplicate_doc_number(doc, "Bill", bill["Id"]))
            return


def _payment_header(ctx: WriteContext, obj: dict) -> None:
    if to_decimal(obj.get("TotalAmt")) is None:
        ctx.error(faults.required("TotalAmt"))
    pay_type = obj.get("PayType")
    if not pay_type:
        ctx.error(faults.required("PayType"))
        return
    if pay_type not in ("Check", "CreditCard"):
        ctx.error(faults.invalid_enumeration(str(pay_type), "PayType"))
        return
    holder, key = (("CheckPayment", "BankAccountRef") if pay_type == "Check"
                   else ("CreditCardPayment", "CCAccountRef"))
    section = obj.get(holder)
    section = dict(section) if isinstance(section, dict) else {}
    obj[holder] = section
    if key not in section:
        ctx.error(faults.required(key, f"{holder}.{key}"))
    else:
        check_ref(ctx, section, key, f"{holder}.{key}")
    if pay_type == "Check":
        section.setdefault("PrintStatus", "NeedToPrint")


PREPARERS = {"name": prepare_name, "txn": prepare_txn}
LIST_PREPARERS = {"Account": prepare_account, "Item": prepare_item, "Term": prepare_term}


def prepare(ctx: WriteContext) -> dict:
    """The complete object to store, with ``ctx.errors`` filled."""
    if ctx.spec.kind == "list":
        return LIST_PREPARERS[ctx.spec.name](ctx)
    return PREPARERS[ctx.spec.kind](ctx)
