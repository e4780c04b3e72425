"""``status``: counts by sync state and problem, the connection, the lists' ages."""

from __future__ import annotations

import argparse
import textwrap

from app.commands import Adder
from app.commands.common import TABLE_WIDTH, add_json_flag, opened, print_json
from app.connection.service import connection_status
from app.domain.problems import MEANINGS, Kind
from app.domain.states import DocKind, SyncState
from app.store.queries import count_by, not_synced_by_status, problem_groups
from app.sync.pull import list_ages
from app.text import count_of


def register(add: Adder) -> None:
    status = add("status", run_status, "counts by sync state and problem, and the connection")
    add_json_flag(status)


# What each sync state means, after its count ("75 synced: …").
STATE_MEANINGS = {
    SyncState.SYNCED: "in QuickBooks as SyncDesk has them",
    SyncState.QUEUED: "approved, waiting for the next sync",
    SyncState.BLOCKED: "stopped by SyncDesk's checks before sending; they need attention",
    SyncState.FAILED: "QuickBooks refused them; they need attention",
    SyncState.EXCLUDED: "kept out of syncing by hand",
    SyncState.NOT_SYNCED: "not due for QuickBooks yet",
}
# Why a document of each status is not synced ("3 draft POs").
_NOT_SYNCED = {
    (DocKind.PO, "draft"): ("draft PO", ""),
    (DocKind.PO, "pending"): ("PO", " waiting for approval"),
    (DocKind.PO, "approved"): ("approved PO", " not queued"),
    (DocKind.PO, "cancelled"): ("PO", " cancelled before it reached QuickBooks"),
    (DocKind.PO, "closed"): ("closed PO", " never sent"),
    (DocKind.INVOICE, "outstanding"): ("outstanding invoice", " (not approved yet)"),
    (DocKind.INVOICE, "approved"): ("approved invoice", " not queued"),
    (DocKind.INVOICE, "ready_to_pay"): ("ready-to-pay invoice", " not queued"),
    (DocKind.INVOICE, "paid"): ("paid invoice", " never sent"),
}


def _not_synced_text(counts: dict[DocKind, dict[str, int]]) -> str:
    parts = []
    for kind in DocKind:
        for status, n in sorted(counts[kind].items()):
            noun, after = _NOT_SYNCED.get((kind, status), (f"{status} {kind.label}", ""))
            if n != 1:
                after = after.replace("cancelled before it", "cancelled before they")
            parts.append(f"{count_of(n, noun)}{after}")
    return ", ".join(parts) if parts else \
        "drafts, POs waiting for approval and outstanding invoices would be counted here"


def _lists_as_of(lists: dict[str, str]) -> str:
    """One line for the QuickBooks lists' ages: the oldest time, and which lists are
    that old when they are not all the same ("… as of 14:02 UTC (Vendor; the others
    14:30 UTC)")."""
    def when(stamp: str) -> str:
        return stamp[:16].replace("T", " ")

    oldest = min(when(v) for v in lists.values())
    newest = max(when(v) for v in lists.values())
    text = f"QuickBooks lists as of {oldest} UTC"
    if oldest != newest:
        behind = sorted(name for name, v in lists.items() if when(v) == oldest)
        text += f" ({', '.join(behind)}; the others up to {newest} UTC)"
    return text


def run_status(args: argparse.Namespace) -> int:
    with opened(args) as store:
        with store.session() as session:
            per_kind = {kind: count_by(session, kind, "sync_state") for kind in DocKind}
            problems = {kind: count_by(session, kind, "problem") for kind in DocKind}
            not_synced = {kind: not_synced_by_status(session, kind) for kind in DocKind}
            lists = list_ages(session)
            groups = problem_groups(session)
        connection = connection_status(store)
    by_state = {state.value: sum(per_kind[k].get(state.value, 0) for k in DocKind)
                for state in SyncState}
    by_problem: dict[str, int] = {}
    for kind in DocKind:
        for problem, n in problems[kind].items():
            by_problem[problem] = by_problem.get(problem, 0) + n
    result = {
        "by_state": by_state,
        "by_problem": by_problem,
        "pos": {s.value: per_kind[DocKind.PO].get(s.value, 0) for s in SyncState},
        "invoices": {s.value: per_kind[DocKind.INVOICE].get(s.value, 0) for s in SyncState},
        # what not_synced covers: documents by their own status (draft, pending, …)
        "not_synced": {"pos": not_synced[DocKind.PO], "invoices": not_synced[DocKind.INVOICE]},
        "connection": connection,
        "lists": lists,  # each QuickBooks list's "as of" time
        "problem_groups": groups,  # documents sharing one root cause
    }
    if args.json:
        print_json(result)
        return 0
    where = connection["company"] or connection.get("realm_id") or ""
    print(f"QuickBooks connection: {connection['state']}"
          + (f" — {where} ({connection['environment']})" if connection["environment"] else ""))
    if connection.get("warning"):
        print(f"  {connection['warning']}")
    if lists:
        print(f"  {_lists_as_of(lists)}")
    pos, invoices = sum(result["pos"].values()), sum(result["invoices"].values())
    print(f"Documents: {count_of(pos, 'PO')} and {count_of(invoices, 'invoice')}")
    for state in (SyncState.SYNCED, SyncState.QUEUED, SyncState.BLOCKED, SyncState.FAILED,
                  SyncState.EXCLUDED, SyncState.NOT_SYNCED):
        meaning = STATE_MEANINGS[state]
        if state is SyncState.NOT_SYNCED:
            meaning = f"{meaning} — {_not_synced_text(not_synced)}"
        print(textwrap.fill(f"  {by_state[state.value]} {state.value.replace('_', ' ')}: "
                            f"{meaning}", TABLE_WIDTH, subsequent_indent="    "))
    if by_problem:
        print("Needing attention, by problem:")
        for problem, n in sorted(by_problem.items()):
            try:
                meaning = MEANINGS[Kind(problem)]
            except ValueError:
                meaning = problem
            print(f"  {count_of(n, 'document')}: {meaning}")
        print("See them: syncdesk list pos --sync-state needs_attention (or list invoices);\n"
              "syncdesk show po|invoice NUMBER says what to do.")
    return 0
