"""The QuickBooks column: a document's sync state, problem and QuickBooks status in words.

One place for the words, so that the command line's listings and ``show``, and the
window's QuickBooks column and detail pane, say the same thing. Every text begins
with the state's word (``Synced``, ``Not synced``, ``Queued``, ``Failed``,
``Blocked``, ``Excluded``); a failed or blocked document adds its problem.
"""

from __future__ import annotations

from app.domain.problems import label, meaning
from app.domain.states import SyncState

STATE_WORDS: dict[SyncState, str] = {
    SyncState.NOT_SYNCED: "Not synced",
    SyncState.QUEUED: "Queued",
    SyncState.SYNCED: "Synced",
    SyncState.FAILED: "Failed",
    SyncState.BLOCKED: "Blocked",
    SyncState.EXCLUDED: "Excluded",
}


def state_word(state: str) -> str:
    """The sync state alone: "Blocked"."""
    return STATE_WORDS[SyncState(state)]


def column_text(state: str, problem: str | None) -> str:
    """A listing's QuickBooks column: "Blocked: vendor inactive" (the problem's short label)."""
    text = state_word(state)
    return f"{text}: {label(problem)}" if problem else text


def state_text(state: str, problem: str | None) -> str:
    """The state with its problem's meaning: "Blocked: the supplier's vendor is inactive in
    QuickBooks" (a document's detail)."""
    text = state_word(state)
    return f"{text}: {meaning(problem)}" if problem else text


def box_text(state: str, problem: str | None, qbo_id: str | None, qbo_status: str | None
             ) -> str:
    """A document's QuickBooks box in one line: the state, its problem, then where it is in
    QuickBooks: "Synced (id 12, Closed)"."""
    where = [f"id {qbo_id}"] if qbo_id else []
    if qbo_status:
        where.append(qbo_status)
    return state_text(state, problem) + (f" ({', '.join(where)})" if where else "")


def table_text(state: str, problem: str | None, qbo_status: str | None) -> str:
    """The window's QuickBooks column: a synced document adds where it stands in QuickBooks
    ("Synced · Closed"); any other state reads as the listing's column ("Failed: …")."""
    if qbo_status and SyncState(state) is SyncState.SYNCED:
        return f"{state_word(state)} · {qbo_status}"
    return column_text(state, problem)
