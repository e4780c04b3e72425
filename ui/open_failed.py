"""A company file that could not be opened (damaged, read-only, from a newer SyncDesk…).

Shown inside the window (never a modal dialog, so starting SyncDesk never blocks): which
file, why in plain words, and what the user can do next: open the demo company, open
another company file, or try this one again. The traceback, if there is one worth keeping,
goes to SyncDesk's log file, never to the page. Nothing here writes to the file.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.errors import UserError
from app.hints import Action, HintText, plain
from app.logs import FILE_ONLY
from app.services.opening import store_problem
from app.text import upper_first
from ui.card_panel import CardPanel
from ui.error_dialog import error_words

log = logging.getLogger(__name__)

START_HERE = "Start a new company in this file"


def open_problem(error: BaseException, db: str | None) -> UserError | None:
    """``error`` from opening the store ``db`` as a ``UserError`` with its own words, or
    None for a failure nobody foresaw (a bug)."""
    if isinstance(error, UserError):
        return error
    return store_problem(error, db)


def can_create(error: BaseException, db: str | None) -> bool:
    """Whether the problem is that no company is in the file yet (a new one can go there)."""
    said = open_problem(error, db)
    return said is not None and any(h.action is Action.CREATE_STORE for h in said.hints)


def page_words(error: BaseException, db: str | None) -> str:
    """Why, as the page says it: the ways out it names are its own buttons (a file with
    no company in it yet offers a new one there, not a command to run)."""
    if not can_create(error, db):
        return why_words(error, db)
    said = why_words(error, db).split(";", 1)[0]
    return (f"{said}. “{START_HERE}” below puts a new, empty company there (an empty file is "
            "replaced); or open another company file, or the demo company.")


def why_words(error: BaseException, db: str | None, as_text: HintText = plain) -> str:
    """Why the store ``db`` could not be opened, in a bookkeeper's words (no traceback)."""
    said = open_problem(error, db)
    if said is None:
        text, details = error_words(error)
        return f"{text} {details}".strip()
    return said.words(as_text)


def log_open_failure(error: BaseException, db: str | None, where: str) -> None:
    """The whole story (the traceback too) to SyncDesk's log file, not the console (a
    foreseen trouble at INFO, which the console shows only with -v)."""
    level = logging.INFO if open_problem(error, db) is not None else logging.ERROR
    log.log(level, "could not open the company file %s", where, exc_info=error,
            extra=FILE_ONLY)


class OpenFailedPanel(CardPanel):
    """Which company file could not be opened and why; each way out is a signal."""

    demo_requested = Signal()
    open_requested = Signal()
    retry_requested = Signal()
    create_requested = Signal()  # a new company in the file (an empty one, or none yet)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("openFailedPanel", "openFailedStatus", 640, parent)
        self.title = QLabel("<h2>SyncDesk could not open this company file</h2>", self,
                            objectName="openFailedTitle")
        self.file = QLabel(self, objectName="openFailedFile")
        self.file.setWordWrap(True)
        self.file.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reason = QLabel(self, objectName="openFailedReason")
        self.reason.setWordWrap(True)
        self.reason.setTextFormat(Qt.TextFormat.PlainText)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.untouched = QLabel("SyncDesk did not change anything in that file.", self)
        self.demo = QPushButton("Open the demo company", self,
                                objectName="openFailedDemoButton")
        self.demo.setToolTip("A sample company with its own QuickBooks, to try everything "
                             "safely; your own data is never touched")
        self.open_file = QPushButton("Open another company file…", self,
                                     objectName="openFailedOpenButton")
        self.retry = QPushButton("Try again", self, objectName="openFailedRetryButton")
        self.retry.setToolTip("Open the same file again (after fixing what is said above)")
        self.create = QPushButton(START_HERE, self, objectName="openFailedCreateButton")
        self.create.setToolTip("A new, empty company in this file (only when it holds "
                               "nothing: an empty file is replaced)")
        self.create.setVisible(False)

        column = self.column
        column.addWidget(self.title)
        column.addWidget(self.file)
        column.addWidget(self.reason)
        column.addWidget(self.untouched)
        column.addWidget(self.create, 0, Qt.AlignmentFlag.AlignLeft)
        buttons = QHBoxLayout()
        buttons.addWidget(self.retry)
        buttons.addWidget(self.open_file)
        buttons.addWidget(self.demo)
        column.addLayout(buttons)
        column.addWidget(self.status)

        self.demo.clicked.connect(self.demo_requested)
        self.open_file.clicked.connect(self.open_requested)
        self.retry.clicked.connect(self.retry_requested)
        self.create.clicked.connect(self.create_requested)

    def show_problem(self, where: str, why: str, can_create: bool = False) -> None:
        """``can_create``: the file can take a new company (it is empty, or not there).
        ``where`` is a file's path, or a team store's address (postgresql://…)."""
        team = "://" in where
        what = "team company" if team else "company file"
        self.title.setText(f"<h2>SyncDesk could not open this {what}</h2>")
        self.file.setText(f"The {what}: {where}")
        self.untouched.setText("SyncDesk did not change anything in "
                               f"{'that company' if team else 'that file'}.")
        self.reason.setText(upper_first(why))
        self.create.setVisible(can_create)
        self.busy(None)
