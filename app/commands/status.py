"""``status``: counts by sync state and problem, the connection, the lists' ages."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Mapping
from typing import Any

from app.commands import Adder
from app.commands.common import TABLE_WIDTH, add_json_flag, print_json
from app.domain.problems import MEANINGS, Kind
from app.domain.states import DocKind, SyncState
from app.domain.wording import STATE_MEANINGS, not_synced_text
from app.services import open_company
from app.services.sync import SyncStatus
from app.text import count_of


def register(add: Adder) -> None:
    status = add("status", run_status, "counts by sync state and problem, and the connection")
    add_json_flag(status)


def _lists_as_of(lists: Mapping[str, str]) -> str:
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


def status_json(status: SyncStatus) -> dict[str, Any]:
    """``status --json``: the service's status as it has always been printed."""
    return {
        "by_state": {state.value: status.count(state) for state in SyncState},
        "by_problem": dict(status.problems),
        "pos": {s.value: n for s, n in status.states[DocKind.PO].items()},
        "invoices": {s.value: n for s, n in status.states[DocKind.INVOICE].items()},
        # what not_synced covers: documents by their own status (draft, pending, …)
        SyncState.NOT_SYNCED.value: {"pos": dict(status.not_synced[DocKind.PO]),
                       "invoices": dict(status.not_synced[DocKind.INVOICE])},
        "connection": dict(status.connection),
        "lists": dict(status.lists),  # each QuickBooks list's "as of" time
        # documents sharing one root cause
        "problem_groups": {g.key: {"problem": g.problem, "documents": list(g.documents)}
                           for g in status.problem_groups},
    }


def run_status(args: argparse.Namespace) -> int:
    with open_company(getattr(args, "db", None), write=False) as services:
        status = services.sync.status()
    result = status_json(status)
    connection, lists = status.connection, status.lists
    by_state, by_problem, not_synced = result["by_state"], status.problems, status.not_synced
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
    pos, invoices = status.documents(DocKind.PO), status.documents(DocKind.INVOICE)
    print(f"Documents: {count_of(pos, 'PO')} and {count_of(invoices, 'invoice')}")
    for state in (SyncState.SYNCED, SyncState.QUEUED, SyncState.BLOCKED, SyncState.FAILED,
                  SyncState.EXCLUDED, SyncState.NOT_SYNCED):
        meaning = STATE_MEANINGS[state]
        if state is SyncState.NOT_SYNCED:
            meaning = f"{meaning} — {not_synced_text(not_synced)}"
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
