"""The one shape of long work: progress as it goes, cancel between safe points, a report.

Sync, pull, connect, CSV import, backup, restore and the fixes all take an
optional ``on_progress`` callback and an optional ``cancel`` event, and return a
report. A cancel ends them in one of two ways, by what the work is: work made of
independent steps (sync, resend, pull) returns its report with ``cancelled`` set,
and what was done before the cancel stands and is reported; all-or-nothing work
(connect, CSV import, backup, restore, opening the demo) raises ``Cancelled`` and
keeps nothing. The window's worker API wraps exactly this shape; the command line
prints the progress on stderr. A cancelled operation leaves nothing half-written:
it stops only where what was done so far is whole (between documents, before a
transaction commits, before a file replaces another).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    done: int
    total: int  # 0 while not known yet
    current: str | None = None  # what is happening now, in plain words
    problems: int = 0


OnProgress = Callable[[Progress], None]


class Cancelled(Exception):
    """The user cancelled; what was done before the last safe point stands, nothing after."""


def report_progress(on_progress: OnProgress | None, done: int, total: int,
                    current: str | None = None, problems: int = 0) -> None:
    if on_progress is not None:
        on_progress(Progress(done, total, current, problems))


def check_cancel(cancel: threading.Event | None) -> None:
    """Raise ``Cancelled`` at a safe point when the user asked to stop."""
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled")
