"""SyncDesk's marker in QuickBooks' private note: the document and the store's lineage."""

from __future__ import annotations


def test_syncdesks_marker_names_the_document_and_the_store_lineage():
    from app.domain.qbo_limits import is_marked, marker, note_memo, private_note

    note = private_note("PO-1", "rush", cancelled=True, lineage="k3f9a2")
    assert note == "SyncDesk PO-1 ·k3f9a2 · rush · cancelled in SyncDesk"
    assert is_marked(note, "PO-1", "k3f9a2") and not is_marked(note, "PO-1", "0a1b2c")
    assert not is_marked(note, "PO-1")  # the bare marker of older stores is another one
    assert is_marked("SyncDesk PO-1 · rush", "PO-1") and is_marked("SyncDesk PO-1", "PO-1")
    assert not is_marked(marker("PO-10", "k3f9a2"), "PO-1", "k3f9a2")
    assert note_memo(note, "PO-1") == "rush"
    assert note_memo("SyncDesk PO-1 · rush", "PO-1") == "rush"
    assert note_memo(marker("PO-1", "k3f9a2"), "PO-1") == ""
    assert note_memo("SyncDesk PO-10 · x", "PO-1") is None and note_memo("hi", "PO-1") is None
