"""How long QuickBooks lets each field SyncDesk sends be (shared/qbo/API.md §3.9).

One table for everybody: the sync's preflight checks documents against it, and
CSV import and ``edit`` refuse a value that would break it, so a too-long field
is reported where it is typed and the two can never disagree.

SyncDesk keeps its own marker at the front of the PrivateNote ("SyncDesk PO-1001
·k3f9a2 · memo"): the document's number and the store's lineage (a short random
id every store gets at ``init``, kept by its backups). The sync finds its own
objects in QuickBooks by it, so it must stay, and the memo gets what room is left.
Stores made before markers carried a lineage wrote the bare marker ("SyncDesk
PO-1001 · memo").
"""

from __future__ import annotations

# Account types a purchase line (PO or bill) never takes: QuickBooks refuses them there.
NOT_ON_PURCHASE_LINES = ("Accounts Payable", "Accounts Receivable")

DOC_NUMBER_MAX = 21  # PurchaseOrder / Bill DocNumber
PRIVATE_NOTE_MAX = 4000  # PurchaseOrder / Bill PrivateNote
DESCRIPTION_MAX = 4000  # Line.Description
DISPLAY_NAME_MAX = 500  # Vendor DisplayName

MARKER = "SyncDesk"  # PrivateNote prefix that lets a sync recognise its own objects
LINEAGE_LENGTH = 6  # characters of a store's lineage in the marker
LINEAGE_MARK = " ·"  # between the document's number and the lineage (no space after)
NOTE_SEPARATOR = " · "
CANCELLED_NOTE = "cancelled in SyncDesk"  # added to a cancelled PO's PrivateNote


def marker(number: str, lineage: str | None = None) -> str:
    """SyncDesk's marker for the document numbered ``number`` of the store ``lineage``
    (without a lineage: the bare marker older SyncDesks wrote)."""
    bare = f"{MARKER} {number}"
    return f"{bare}{LINEAGE_MARK}{lineage}" if lineage else bare


def is_marked(note: object, number: str, lineage: str | None = None) -> bool:
    """Whether a PrivateNote begins with exactly this marker (then the end or a memo)."""
    text = str(note or "")
    mark = marker(number, lineage)
    return text == mark or text.startswith(mark + NOTE_SEPARATOR)


def note_memo(note: object, number: str) -> str | None:
    """The memo in a PrivateNote SyncDesk wrote for ``number`` ("" if none), whatever the
    lineage in its marker (or none, from before lineages), without the cancellation;
    None when the note does not begin with a marker of ``number``."""
    text = str(note or "")
    rest = text.removeprefix(marker(number))
    if rest == text:
        return None
    if rest.startswith(LINEAGE_MARK) and not rest.startswith(NOTE_SEPARATOR):
        lineage = rest[len(LINEAGE_MARK):].split(NOTE_SEPARATOR, 1)[0]
        rest = rest[len(LINEAGE_MARK) + len(lineage):]
    if rest and not rest.startswith(NOTE_SEPARATOR):
        return None  # another number that begins with this one ("PO-10" and "PO-1")
    memo = rest.removeprefix(NOTE_SEPARATOR)
    return memo.removesuffix(CANCELLED_NOTE).removesuffix(NOTE_SEPARATOR) \
        if memo.endswith(CANCELLED_NOTE) else memo


def private_note(number: str, memo: str | None, cancelled: bool = False,
                 lineage: str | None = None) -> str:
    """The PrivateNote QuickBooks keeps: SyncDesk's marker, the memo, a cancellation."""
    note = marker(number, lineage) + (f"{NOTE_SEPARATOR}{memo}" if memo else "")
    return note + (f"{NOTE_SEPARATOR}{CANCELLED_NOTE}" if cancelled else "")


def memo_max(number: str, po: bool) -> int:
    """The longest memo that fits in the PrivateNote beside SyncDesk's marker.

    A PO keeps room for the note a cancellation adds, so cancelling never
    overflows it.
    """
    return PRIVATE_NOTE_MAX - (len(private_note(number, "", cancelled=po,
                                                lineage="x" * LINEAGE_LENGTH))
                               + len(NOTE_SEPARATOR))
