"""The QuickBooks column's words: one place for the command line and the window."""

from __future__ import annotations

import pytest

from app.domain.problems import Kind
from app.domain.qbo_column import box_text, column_text, state_text, state_word
from app.domain.states import SyncState

WORDS = ("Synced", "Not synced", "Queued", "Failed", "Blocked", "Excluded")  # DESIGN.md


@pytest.mark.parametrize("state", list(SyncState))
def test_every_state_begins_with_the_words_the_window_shows(state: SyncState):
    for problem in (None, Kind.INACTIVE_VENDOR.value, "a_kind_from_a_newer_syncdesk"):
        for text in (column_text(state, problem), state_text(state, problem),
                     box_text(state, problem, "12", "Open")):
            assert text.startswith(WORDS), text
            assert text.startswith(state_word(state))


def test_short_and_long_problem_words_and_the_box():
    assert column_text("blocked", "inactive_vendor") == "Blocked: vendor inactive"
    assert state_text("blocked", "inactive_vendor") == (
        "Blocked: the supplier's vendor is inactive in QuickBooks")
    assert column_text("failed", "gremlins") == "Failed: gremlins"  # unknown: the kind itself
    assert box_text("synced", None, "12", "Closed") == "Synced (id 12, Closed)"
    assert box_text("synced", None, None, "Deleted") == "Synced (Deleted)"
    assert box_text("not_synced", None, None, None) == "Not synced"
