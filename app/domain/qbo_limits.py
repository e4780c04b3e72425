"""How long QuickBooks lets each field SyncDesk sends be (shared/qbo/API.md §3.9).

One table for everybody: the sync's preflight checks documents against it, and
CSV import and ``edit`` refuse a value that would break it, so a too-long field
is reported where it is typed and the two can never disagree.

SyncDesk keeps its own marker at the front of the PrivateNote ("SyncDesk PO-1001
· memo"): the sync finds its own objects in QuickBooks by it, so it must stay,
and the memo gets what room is left.
"""

from __future__ import annotations

DOC_NUMBER_MAX = 21  # PurchaseOrder / Bill DocNumber
PRIVATE_NOTE_MAX = 4000  # PurchaseOrder / Bill PrivateNote
DESCRIPTION_MAX = 4000  # Line.Description
DISPLAY_NAME_MAX = 500  # Vendor DisplayName

MARKER = "SyncDesk"  # PrivateNote prefix that lets a sync recognise its own objects
NOTE_SEPARATOR = " · "
CANCELLED_NOTE = "cancelled in SyncDesk"  # added to a cancelled PO's PrivateNote


def marker(number: str) -> str:
    """SyncDesk's marker for the document numbered ``number``."""
    return f"{MARKER} {number}"


def private_note(number: str, memo: str | None, cancelled: bool = False) -> str:
    """The PrivateNote QuickBooks keeps: SyncDesk's marker, the memo, a cancellation."""
    note = marker(number) + (f"{NOTE_SEPARATOR}{memo}" if memo else "")
    return note + (f"{NOTE_SEPARATOR}{CANCELLED_NOTE}" if cancelled else "")


def memo_max(number: str, po: bool) -> int:
    """The longest memo that fits in the PrivateNote beside SyncDesk's marker.

    A PO keeps room for the note a cancellation adds, so cancelling never
    overflows it.
    """
    return PRIVATE_NOTE_MAX - (len(private_note(number, "", cancelled=po))
                               + len(NOTE_SEPARATOR))
