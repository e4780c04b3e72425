"""The main window: navigation, the filter bar, the tables, the detail pane, Sync Now.

The window keeps one company open (its ``Services``). Without one (a first run, no
store at the default location) it shows the first-run panel instead of the tables.
Every store or network call goes through ``ctx.tasks``; a failure nobody answers for
reaches ``Tasks.trouble`` and a friendly dialog (``ui/error_dialog.py``).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QEventLoop, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.domain.roles import Permission
from app.domain.states import DocKind, SyncState
from app.errors import KeyringLocked, UserError
from app.hints import plain
from app.services import Services
from app.services.connection import ConnectionHealth
from app.services.documents_views import DocumentRow
from app.services.opening import kept_location, team_address_problem
from app.services.sync import SyncBusy
from app.work import Cancelled, Progress
from ui.actions import DocumentActions
from ui.company_key import offer_add
from ui.context import UiContext
from ui.detail_pane import DetailPane
from ui.documents_view import DocumentsView
from ui.elided_label import ElidedLabel
from ui.error_dialog import show_error
from ui.file_choice import COMPANY_FILES, FileChooser
from ui.filter_bar import FilterBar
from ui.first_run import FirstRunPanel
from ui.open_failed import OpenFailedPanel, can_create, log_open_failure, page_words
from ui.suppliers_view import SuppliersView
from ui.workers import Tasks

log = logging.getLogger(__name__)

PAGES = ("Purchase Orders", "Invoices", "Suppliers")
CLOSE_WAIT = 30.0  # seconds, for all the company's running work together
KINDS = (DocKind.PO, DocKind.INVOICE)
RECENT_KEY = "recent/companies"
RECENT_MAX = 8
SYNC_BUSY = ("Another SyncDesk window or command is syncing this company right now. Try Sync "
             "Now again when it has finished.")
NOTHING_SENT = "Nothing to send"
CLOSING_WORDS = "Finishing the document being sent…"
ENVIRONMENTS = {"local": "local sandbox", "intuit-sandbox": "Intuit sandbox",
                "production": "QuickBooks Online"}

OnClose = Callable[[], Any]


SETTINGS_FILE = "SYNCDESK_SETTINGS_FILE"


def default_settings() -> QSettings:
    """The user's own settings (tests pass a QSettings on an ini file of their own);
    ``$SYNCDESK_SETTINGS_FILE`` names another ini file (the self-test's throwaway one)."""
    other = os.environ.get(SETTINGS_FILE, "").strip()
    if other:
        return QSettings(other, QSettings.Format.IniFormat)
    return QSettings("SyncDesk", "SyncDesk")


STORE_POLL_MS = 4000  # how often the window looks whether the store changed elsewhere


def store_label(location: str) -> str:
    """A store's URL as people know it: its file's path, or a team store's address
    (without a password)."""
    if location.startswith("sqlite:///"):
        return location.removeprefix("sqlite:///")
    return kept_location(location).replace("postgresql+psycopg://", "postgresql://", 1)


def health_words(health: ConnectionHealth) -> str:
    if health.state == "disconnected":
        return "Not connected to QuickBooks"
    where = ENVIRONMENTS.get(health.environment or "", health.environment or "QuickBooks")
    name = health.company or "QuickBooks company"
    if health.state == "needs_reconnect":
        return f"{name} ({where}) — sign in again to sync"
    return f"{name} ({where})"


def when_words(at: datetime, now: datetime | None = None) -> str:
    """A past moment in local time: "today at 14:05", else "3 Dec 2026 at 14:05"."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    local = at.astimezone()
    today = (now or datetime.now().astimezone()).date()
    day = "today" if local.date() == today else f"{local.day} {local:%b %Y}"
    return f"{day} at {local:%H:%M}"


class MainWindow(QMainWindow):
    company_opened = Signal()  # the tables show a (new) company
    sync_finished = Signal(object)  # the report, or the exception that ended the sync

    def __init__(self, services: Services | None, *, title: str = "SyncDesk",
                 settings: QSettings | None = None, on_close: OnClose | None = None,
                 db: str | None = None, where: str | None = None) -> None:
        super().__init__(objectName="mainWindow")
        self._title = title
        self.setWindowTitle(title)
        # Without a company yet the services are missing until one opens (first run).
        self.ctx = UiContext(services, Tasks(self),  # type: ignore[arg-type]
                             settings if settings is not None else default_settings())
        self._on_close = on_close
        self._db = db  # where a first run creates the company (None: the default place)
        self._closing = False
        self._loaded: set[DocKind] = set()
        self._columns_restored = False
        self._sync_words = ""  # how the last sync in this window went
        self._last_sync_when = ""  # "Last sync: today at 14:05", "Not synced yet"
        self._attention: int | None = None  # documents needing attention now (both kinds)
        self._attention_more = False  # at least that many
        self._pane_for: object = None  # what the detail pane was last asked to show
        self._store_marker: tuple[int, ...] | None = None  # the store as last shown
        self._team_seen: tuple[int, str] | None = None  # the team and our role, last look
        # Others' changes (teammates on a team store, a command, another window) show
        # without a restart: the store is asked every few seconds whether it changed.
        self.store_poll = QTimer(self, interval=STORE_POLL_MS)
        self.store_poll.timeout.connect(self._poll_store)
        self._own_changes = 0  # this window's own changes so far (their markers noted)
        self._note_again = False  # an own change came while a look was under way
        self.store_poll.start()
        self._sync_refused = False  # the status bar says another sync holds the company
        self.last_error: QMessageBox | None = None
        self.files = FileChooser()  # every "which file?" (tests give the answers)
        self.ctx.tasks.trouble.connect(self._trouble)

        self.filter_bar = FilterBar(self.ctx)
        self.views = {kind: DocumentsView(self.ctx, kind) for kind in KINDS}
        self.detail = DetailPane(self.ctx)
        self.nav = QTabBar(self, objectName="navigation")
        self.nav.setDocumentMode(True)
        self.nav.setExpanding(False)
        self.nav.setDrawBase(False)
        for page in PAGES:
            self.nav.addTab(page)
        self.pages = QStackedWidget()
        for kind in KINDS:
            self.pages.addWidget(self.views[kind])
        self.suppliers = SuppliersView(self.ctx)
        self.pages.addWidget(self.suppliers)
        middle = QWidget()
        column = QVBoxLayout(middle)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.filter_bar)
        column.addWidget(self.pages, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, objectName="mainSplitter")
        self.splitter.addWidget(middle)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        company_page = QWidget()
        rows = QVBoxLayout(company_page)
        rows.setContentsMargins(6, 4, 6, 0)
        rows.addWidget(self.nav)
        rows.addWidget(self.splitter, 1)
        self.first_run = FirstRunPanel(where or store_label(db or "the default place"))
        self.body = QStackedWidget(objectName="body")
        self.body.addWidget(self.first_run)
        self.body.addWidget(company_page)
        self.open_failed = OpenFailedPanel()
        self.body.addWidget(self.open_failed)
        self._failed_db: str | None = None  # the company file the failed page is about
        self._company_page = company_page
        self.setCentralWidget(self.body)
        self._menus()
        self._toolbar()
        self._status_bar()
        self.nav.currentChanged.connect(self._page)
        self.filter_bar.changed.connect(self._filter)
        for kind, view in self.views.items():
            view.selection_changed.connect(self._selected)
            view.counts_changed.connect(lambda c, k=kind: self.filter_bar.show_counts(c, k))
            view.loaded.connect(lambda kind=kind: self._view_loaded(kind))
        self.actions = DocumentActions(self.ctx, self.selected_rows, self)
        self.detail.add_actions(self.actions.actions())
        self.menus["edit"].addActions(list(self.actions.actions().values()))
        for view in self.views.values():
            self.actions.attach(view.table)
        self.actions.rows_changed.connect(self._rows_changed)
        self.detail.fix_requested.connect(self.actions.fix_document)
        self.first_run.demo_requested.connect(self.open_demo)
        self.first_run.open_requested.connect(self.choose_company)
        self.first_run.connect_qbo.clicked.connect(self.connect_quickbooks)
        self.open_failed.demo_requested.connect(self.open_demo)
        self.open_failed.open_requested.connect(self.choose_company)
        self.open_failed.retry_requested.connect(self.try_again)
        self.open_failed.create_requested.connect(self.start_here)
        from ui.sync_log_view import install as install_sync_log

        self.sync_log = install_sync_log(self)  # the Sync Log page; Resync Failures asks first
        from ui.document_editor import install as install_editor

        self.editor = install_editor(self)  # Edit: New purchase order, New invoice, Edit
        from ui.auto_sync import install as install_auto_sync

        self.extras = install_auto_sync(self)  # Settings…, auto sync, notices of new problems
        from ui.connection_menu import install as install_connection_menu

        self.connection_menu = install_connection_menu(self)  # File → QuickBooks
        from ui.dashboard_view import install as install_dashboard

        self.dashboard = install_dashboard(self)  # the Dashboard page, a Fix… per cause
        from ui.companies import install as install_companies

        # New company, Back up, Restore, Import a CSV file, New supplier, Edit supplier
        self.companies = install_companies(self)
        from ui.passphrase_prompt import install as install_passphrase_prompt

        self.passphrase = install_passphrase_prompt(self)  # an encrypted keyring: ask once
        from ui.desktop import install as install_desktop

        install_desktop(self)  # shortcuts, Help, screen-reader names, light/dark (``desktop``)
        from ui.roles import install as install_roles

        self.roles = install_roles(self)  # what the user's role may not do is disabled
        self._restore_layout()
        if services is not None:
            self._show_company()
        else:
            self._show_first_run()

    # --- building ----------------------------------------------------------------------

    def _menus(self) -> None:
        """The menu bar: File, Edit, View, Sync, Help, in that order. Feature modules add
        their actions through ``self.menus[name]`` (their ``install(window)``)."""
        bar = self.menuBar()
        self.menus: dict[str, QMenu] = {}
        for name, text in (("file", "&File"), ("edit", "&Edit"), ("view", "&View"),
                           ("sync", "&Sync"), ("help", "&Help")):
            self.menus[name] = menu = bar.addMenu(text)
            menu.setObjectName(f"{name}Menu")
        file_menu = self.menus["file"]
        open_action = QAction("&Open company…", self, shortcut=QKeySequence.StandardKey.Open)
        open_action.setObjectName("openCompanyAction")
        open_action.triggered.connect(self.choose_company)
        file_menu.addAction(open_action)
        team_action = QAction("Open &team company…", self, objectName="openTeamCompanyAction")
        team_action.setToolTip("Open a company your team keeps on a PostgreSQL server")
        team_action.triggered.connect(self.choose_team_company)
        file_menu.addAction(team_action)
        self.recent_menu = QMenu("Open &recent", self, objectName="recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addMenu(self.recent_menu)
        demo = QAction("Open the &demo company", self)
        demo.triggered.connect(self.open_demo)
        file_menu.addAction(demo)
        file_menu.addSeparator()  # Import… (ui/import_dialog.py), Back up…, Restore…
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.setObjectName("quitAction")
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

    def _toolbar(self) -> None:
        bar = QToolBar("Main", self, objectName="mainToolBar")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.company = QLabel(self, objectName="companyLabel")
        self.company.setContentsMargins(4, 0, 12, 0)
        bar.addWidget(self.company)
        self.sync_now = QPushButton("Sync Now", self, objectName="syncNowButton")
        self.sync_now.setToolTip("Send what is due to QuickBooks and read its changes (F5)")
        self.sync_now.clicked.connect(self.start_sync)
        bar.addWidget(self.sync_now)
        self.resync = QPushButton("Resync failures", self, objectName="resyncFailuresButton")
        self.resync.setToolTip("Send every failed or blocked document again (not the "
                               "excluded ones)")
        bar.addWidget(self.resync)  # asks first (ui/resync_failures.py, wired by the log page)
        refresh = QAction("Sync Now", self, shortcut=QKeySequence(Qt.Key.Key_F5))
        refresh.setObjectName("syncNowAction")
        refresh.triggered.connect(self.start_sync)
        self.menus["sync"].addAction(refresh)

    def _status_bar(self) -> None:
        status = self.statusBar()
        self.last_sync = ElidedLabel(self, objectName="lastSyncLabel")
        self.progress = QProgressBar(self, objectName="syncProgress")
        self.progress.setMinimumWidth(260)
        self.progress.setVisible(False)
        self.cancel = QPushButton("Cancel", self, objectName="cancelSyncButton")
        self.cancel.setToolTip("Stop after the document being sent now; nothing is lost")
        self.cancel.setVisible(False)
        self.cancel.clicked.connect(self.cancel_sync)
        self.sync_step = ElidedLabel(self, objectName="syncStepLabel")
        status.addWidget(self.last_sync, 1)
        status.addPermanentWidget(self.sync_step)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.cancel)

    # --- the company shown ----------------------------------------------------------------

    @property
    def services(self) -> Services | None:
        return self.ctx.services

    @property
    def first_run_db(self) -> str | None:
        """Where a first run makes the company (None: the default place)."""
        return self._db

    def open_company(self, services: Services, *, on_close: OnClose | None = None,
                     title: str = "SyncDesk", remember: bool = True) -> None:
        """Show ``services``' company instead of the one shown (which is closed)."""
        self._close_company()
        self.ctx.services = services
        self._on_close = on_close
        self._title = title
        self.setWindowTitle(title)
        if remember:
            self.remember(services.location)
        self._show_company()

    def reopen_company(self, services: Services) -> None:
        """The same company anew (after a restore): ``services`` replace the ones shown,
        which close now; the title, and what closing the window closes besides (the demo's
        QuickBooks), stay."""
        earlier, self._on_close = self._on_close, None
        self._close_company()
        old, self.ctx.services = self.ctx.services, services
        if old is not None:
            old.close()

        def close() -> None:
            services.close()
            if callable(earlier):
                earlier()

        self._on_close = close
        self._show_company()

    def _show_company(self) -> None:
        self._loaded.clear()
        self._sync_words = ""
        self._last_sync_when = ""
        self._attention = None
        self._store_marker = None
        self._team_seen = None
        self._sync_refused = False
        self._restore_columns()
        self.detail.clear()
        self.filter_bar.load_suppliers()
        self._busy(None)
        self.body.setCurrentWidget(self._company_page)
        for widget in (self.sync_now, self.resync):
            widget.setEnabled(True)
        for kind in KINDS:
            if kind is not self.current_kind():
                self.views[kind].apply(self.filter_bar.query())
        self._page(self.nav.currentIndex())
        self._ask_health()
        self._ask_last_sync()
        self._ask_attention()
        self._check_store(refresh=False)
        self.company_opened.emit()

    def _show_first_run(self) -> None:
        self.body.setCurrentWidget(self.first_run)
        self._no_company()

    def _no_company(self) -> None:
        self.company.setText("No company open")
        for widget in (self.sync_now, self.resync):
            widget.setEnabled(False)

    def show_open_failed(self, db: str | None, error: BaseException) -> None:
        """The company file ``db`` could not be opened: say which and why, inside the
        window, with the ways on (the demo company, another file, try again). The
        traceback goes to the log file only."""
        from app.services.opening import company_location

        where = store_label(company_location(db))
        log_open_failure(error, db, where)
        self._failed_db = db
        self.open_failed.show_problem(where, page_words(error, db), can_create(error, db))
        self.body.setCurrentWidget(self.open_failed)
        self._no_company()

    def try_again(self) -> None:
        """Open the company file the failed page is about once more."""
        self.open_store(self._failed_db)

    def start_here(self) -> None:
        """A new company in the file the failed page is about (an empty file, or none)."""
        self.open_store(self._failed_db, create=True)

    def _busy(self, text: str | None) -> None:
        self.first_run.busy(text)
        self.open_failed.busy(text)

    def _close_company(self) -> None:
        """Stop the company's work at its next safe point, wait for it (``CLOSE_WAIT``
        seconds at most, all of it together), then close it."""
        if not self.ctx.tasks.cancel_all(CLOSE_WAIT):
            log.warning("closing the company while %s still ran after %.0f s",
                        ", ".join(t.name for t in self.ctx.tasks.running()), CLOSE_WAIT)
        on_close, self._on_close = self._on_close, None
        if callable(on_close):
            on_close()

    def wait_loaded(self, timeout_ms: int = 15000) -> bool:
        """Wait (the window not shown yet) until both tables hold their first page."""
        deadline = time.monotonic() + timeout_ms / 1000
        while self.ctx.services is not None and not self._loaded >= set(KINDS):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            loop = QEventLoop()  # events flow (the answers arrive); the GIL is let go
            QTimer.singleShot(min(int(left * 1000) + 1, 20), loop.quit)
            loop.exec()
        return self._loaded >= set(KINDS)

    def _ask_health(self) -> None:
        services = self.ctx.services
        self.company.setText(store_label(services.location).rsplit("/", 1)[-1])
        self.ctx.tasks.start(lambda _p, _c: services.connection.health(), "health",
                             on_success=self._show_health)

    def _show_health(self, health: ConnectionHealth) -> None:
        if self._closing:
            return
        self.company.setText(health_words(health))
        self.company.setToolTip(health.warning or store_label(self.ctx.services.location))
        if health.company:
            self.setWindowTitle(f"{self._title} — {health.company}")

    def _ask_last_sync(self) -> None:
        services = self.ctx.services
        self.ctx.tasks.start(lambda _p, _c: services.sync.last_sync(), "last sync",
                             on_success=self._show_last_sync)

    def _show_last_sync(self, at: datetime | None) -> None:
        if self._closing:
            return
        self._last_sync_when = f"Last sync: {when_words(at)}" if at else "Not synced yet"
        self._show_sync_words()

    def _ask_attention(self) -> None:
        """How many documents need attention now (the status bar's number), off the GUI
        thread: after a sync, a row action, a change made elsewhere."""
        documents = self.ctx.services.documents

        def job(progress: object, cancel: object) -> list[Any]:
            return [documents.counts(kind).needs_attention for kind in KINDS]

        self.ctx.tasks.start(job, "attention", on_success=self._show_attention)

    def _show_attention(self, counts: list[Any]) -> None:
        if self._closing:
            return
        self._attention = sum(c.count for c in counts)
        self._attention_more = any(c.more for c in counts)
        self._show_sync_words()

    def _show_sync_words(self) -> None:
        """The status bar's left: when the last sync was, how this window's went, and
        how many documents need attention now."""
        parts = [p for p in (self._sync_words, self._attention_words()) if p]
        when = self._last_sync_when or ("Last sync: just now" if self._sync_words else "")
        if not when:
            return
        self.last_sync.setText(" — ".join([when, ", ".join(parts)]) if parts else when)

    def _attention_words(self) -> str:
        if not self._attention or self._last_sync_when == "Not synced yet":
            return ""
        more = "+" if self._attention_more else ""
        verb = "needs" if self._attention == 1 and not more else "need"
        return f"{self._attention:,}{more} {verb} attention"

    # --- what the user does -------------------------------------------------------------

    def current_kind(self) -> DocKind | None:
        row = self.nav.currentIndex()
        return KINDS[row] if 0 <= row < len(KINDS) else None

    def show_page(self, index: int) -> None:
        self.nav.setCurrentIndex(index)

    def _page(self, row: int) -> None:
        self.pages.setCurrentIndex(row)
        kind = self.current_kind()
        self.filter_bar.setVisible(kind is not None)
        self.detail.setVisible(kind is not None)  # the suppliers page has no document to show
        if kind is not None:
            self.filter_bar.set_kind(kind)
            if self.ctx.services is not None:
                self.views[kind].apply(self.filter_bar.query())
        self._selected()

    def _filter(self) -> None:
        kind = self.current_kind()
        if kind is not None and self.ctx.services is not None:
            self.views[kind].apply(self.filter_bar.query())

    def selected_rows(self) -> list[DocumentRow]:
        kind = self.current_kind()
        return self.views[kind].selected_rows() if kind else []

    def _selected(self) -> None:
        rows = self.selected_rows()
        self.actions.update()
        self._pane_for = self._pane_key(rows)
        if len(rows) == 1:
            self.detail.show_document(rows[0].kind, rows[0].number)
        elif rows:
            self.detail.clear(f"{len(rows)} documents selected. Resend, Approve, Exclude and "
                              "Include act on all of them.")
        else:
            self.detail.clear()

    @staticmethod
    def _pane_key(rows: list[DocumentRow]) -> object:
        if len(rows) == 1:
            return (rows[0].kind, rows[0].number)
        return len(rows)

    def _view_loaded(self, kind: DocKind) -> None:
        """A table shows a new first page: its selection may have gone with the old rows
        (a model reset says nothing), so the pane and the actions follow what is selected
        now (the view selects again what it still shows)."""
        self._loaded.add(kind)
        if kind is not self.current_kind():
            return
        if self._pane_key(self.selected_rows()) != self._pane_for:
            self._selected()
        else:
            self.actions.update()

    def start_sync(self) -> None:
        """Sync Now: pull QuickBooks' changes, then send what is due."""
        self._run_sync(lambda services, progress, cancel: services.sync.run(
            on_progress=progress, cancel=cancel), "Syncing…")

    def resync_failures(self) -> None:
        """Send every failed or blocked document again (one sync, with its progress)."""
        self._run_sync(lambda services, progress, cancel: services.sync.resync_failures(
            on_progress=progress, cancel=cancel), "Sending the failed documents again…")

    def _run_sync(self, call: Callable[[Services, Any, Any], Any], text: str) -> None:
        services = self.ctx.services
        if services is None or self._closing or self.ctx.tasks.running("sync") or \
                not self.ctx.may(Permission.WORK):  # not on the company's team (ui/roles.py)
            return
        for widget in (self.sync_now, self.resync):
            widget.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setFormat(text)
        self.progress.setVisible(True)
        self.sync_step.setText(text)
        self.sync_step.setToolTip("")
        self.sync_step.setVisible(True)
        self.cancel.setText("Cancel")
        self.cancel.setEnabled(True)
        self.cancel.setVisible(True)
        self.statusBar().clearMessage()
        self.ctx.tasks.start(lambda progress, cancel: call(services, progress, cancel), "sync",
                             on_progress=self._sync_progress, on_success=self._sync_done,
                             on_failure=self._sync_failed)

    def _sync_progress(self, p: Progress) -> None:
        if self._closing:
            return
        self.progress.setRange(0, max(p.total, 0))
        self.progress.setValue(p.done)
        self.progress.setFormat(f"{p.done} of {p.total}" if p.total else "Starting")
        if p.current:  # the document being sent, or the step (a busy bar shows no text)
            problems = f" ({p.problems} need attention so far)" if p.problems else ""
            self.sync_step.setText(f"{p.current}{problems}")

    def _sync_done(self, report: Any) -> None:
        synced = report.count(SyncState.SYNCED)
        if report.cancelled:
            words = "cancelled: what was sent stays sent, the rest goes next time"
        elif report.stopped:
            words = f"stopped early: {synced} synced"
        elif not report.outcomes:  # QuickBooks' changes may still have been read
            words = NOTHING_SENT
        elif synced:
            words = f"{synced} synced"
        else:  # sent again (Resync failures) and still refused or blocked
            words = f"{len(report.outcomes)} sent, none synced"
        # How many need attention is asked of the store (``_ask_attention``), so that it
        # stays true after a row action or a change made elsewhere.
        self._sync_ended(words, report)
        if report.stopped and not self._closing:  # QuickBooks failing: say so, not only below
            self._sync_error(UserError(report.stopped_words(plain)))

    def _sync_failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self._sync_ended("cancelled", error)
            return
        if isinstance(error, SyncBusy):
            self._sync_busy(error)
            return
        words = "stopped: " + (error.words(plain) if isinstance(error, UserError)
                               else "something unexpected happened")
        self._sync_ended(words, error)
        if isinstance(error, KeyringLocked) and not self._closing:
            self.passphrase.ask(then=self.start_sync)  # unlock, then sync again
        elif isinstance(error, UserError) and not self._closing:
            self._sync_error(error)

    def _sync_error(self, error: UserError) -> None:
        """Say why a sync stopped in one box: a box still open from an earlier sync (an auto
        sync every 15 minutes while QuickBooks is down) is replaced, not piled on."""
        previous, self.last_error = self.last_error, None
        if previous is not None:
            try:
                if previous.isVisible():
                    previous.close()
            except RuntimeError:
                pass  # closed and deleted already
        self.last_error = show_error(self, error, "Sync")
        offer_add(self.last_error, error, self.connection_menu.key)  # a team's key missing

    def _sync_busy(self, error: SyncBusy) -> None:
        """This company is being synced elsewhere: nothing was done here, so the last
        sync's words stay as they were; the status bar says why and what to do."""
        if self._closing:
            return
        self._sync_idle()
        self.sync_step.setText(SYNC_BUSY)
        self.sync_step.setToolTip(error.words(plain))
        self.sync_step.setVisible(True)
        self._sync_refused = True
        self.sync_finished.emit(error)

    def _sync_idle(self) -> None:
        self._sync_refused = False
        self.progress.setVisible(False)
        self.sync_step.setVisible(False)
        self.sync_step.setToolTip("")
        self.cancel.setVisible(False)
        for widget in (self.sync_now, self.resync):
            widget.setEnabled(self.ctx.may(Permission.WORK))

    def _sync_ended(self, words: str, outcome: object) -> None:
        if self._closing:
            return
        self._sync_idle()
        self._sync_words = words
        self._last_sync_when = ""
        self._show_sync_words()
        self.refresh_tables()
        self._ask_last_sync()
        self._ask_attention()
        self._check_store(refresh=False)
        self.sync_finished.emit(outcome)

    def refresh_tables(self) -> None:
        """Ask the store again; each table keeps its filter, sort and the selected
        documents it still shows (``DocumentsView``); the pane follows (``_view_loaded``)."""
        for view in self.views.values():
            view.refresh()
        if self.suppliers.isVisible():
            self.suppliers.refresh()

    # --- changes made elsewhere (another window, a command) --------------------------------

    def _check_store(self, refresh: bool = True) -> None:
        """Ask the store whether it changed since this window last looked (off the GUI
        thread); if it did and ``refresh``, show it anew: the tables (keeping filter and
        selection), the counts, the last sync. ``refresh=False`` only notes the marker
        (after this window's own change)."""
        services = self.ctx.services
        if services is None or self._closing:
            return
        if not refresh:
            self._own_changes += 1
        if self.ctx.tasks.running("changes"):
            # a look already under way may predate this window's own change: look again
            self._note_again = self._note_again or not refresh
            return
        seen = self._own_changes
        self.ctx.tasks.start(lambda _p, _c: services.sync.changes(), "changes",
                             on_success=lambda changes: self._store_looked(changes, refresh,
                                                                          seen))

    def _poll_store(self) -> None:
        """The timer's look, only while this window has no work of its own under way (its
        own changes show as they are made)."""
        if not self._busy_elsewhere():
            self._check_store()

    def _busy_elsewhere(self) -> bool:
        return any(task.name != "changes" for task in self.ctx.tasks.running())

    def _store_looked(self, changes: Any, refresh: bool, seen: int) -> None:
        if self._closing or self.ctx.services is None:
            return
        changed = self._store_marker is not None and changes.marker != self._store_marker
        # Someone else's change shows now, unless this window made (or is making) one
        # meanwhile; while it is busy the marker stays, so the next look shows the change.
        later = refresh and changed and (seen != self._own_changes or self._busy_elsewhere())
        if not later:
            self._store_marker = changes.marker
        if self._sync_refused and not changes.syncing and not self.ctx.tasks.running("sync"):
            self._sync_idle()  # the other sync has finished: Sync Now works again
        if self._team_seen is not None and changes.team != self._team_seen:
            self.roles.refresh(again=True)  # an admin changed our role (or the team)
        self._team_seen = changes.team
        if self._note_again:
            self._note_again = False
            self._check_store(refresh=False)
            return
        if refresh and changed and not later:
            self.refresh_tables()
            self._ask_last_sync()
            self._ask_attention()
            if self.detail.shown is not None:
                self.detail.refresh()

    def changeEvent(self, event: QEvent) -> None:
        """Back to this window: look whether the store changed meanwhile (only change
        events come here, so nothing is added to the handling of every event)."""
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self._check_store()
        super().changeEvent(event)

    def cancel_sync(self) -> None:
        for task in self.ctx.tasks.running("sync"):
            task.cancel()
        self.cancel.setText("Cancelling…")
        self.cancel.setEnabled(False)

    def _rows_changed(self, rows: list[DocumentRow]) -> None:
        """Documents changed by a row action: their rows in place, the detail pane anew."""
        for kind, view in self.views.items():
            view.replace_rows([r for r in rows if r.kind is kind])
            if any(r.kind is kind for r in rows):
                view.recount()  # the filter bar's counts, off the GUI thread, no reload
        if self.detail.shown in {(r.kind, r.number) for r in rows}:
            self.detail.refresh()
        self.actions.update()
        self._ask_attention()
        self._check_store(refresh=False)

    # --- opening a company ----------------------------------------------------------------

    def open_demo(self) -> None:
        """The demo company, made in the background (its store, its QuickBooks, connected)."""
        from app.services.demo import open_demo

        if self.ctx.tasks.running("open"):
            return

        def job(progress: Any, cancel: Any) -> Any:
            demo = open_demo(on_progress=progress, cancel=cancel)
            if cancel.is_set():  # the window closed meanwhile: leave nothing running
                demo.close()
                raise Cancelled("cancelled")
            return demo

        self._busy("Opening the demo company…")
        self.ctx.tasks.start(job, "open", on_success=lambda demo: self.open_company(
            demo.services, on_close=demo.close, title="SyncDesk — demo company",
            remember=False), on_failure=self._open_failed)

    def connect_quickbooks(self) -> Any:
        """The connect dialog (ui/connection_menu.py), opened without blocking."""
        return self.connection_menu.open_dialog()

    def choose_company(self) -> None:
        path = self.files.open_file(self, "Open a company", COMPANY_FILES)
        if path:
            self.open_store(path)

    def choose_team_company(self) -> None:
        """Ask for a team store's address (postgresql://user@server/database) and open it."""
        address, ok = QInputDialog.getText(
            self, "Open a team company",
            "The team company's address (ask whoever set it up), e.g.\n"
            "postgresql://ann@books.example.com/company\n\n"
            "Keep the password in PostgreSQL's password file rather than here.")
        if not ok or not address.strip():
            return
        problem = team_address_problem(address)
        if problem is not None:
            QMessageBox.warning(self, "Open a team company", f"That address won't do: {problem}.")
            return
        self.open_store(address.strip())

    def open_store(self, db: str | None, *, create: bool = False) -> None:
        """Open the company store ``db`` (a path or URL; None: the default place) in the
        background, then show it."""
        from app.services.opening import company_location, open_services, start_company

        if self.ctx.tasks.running("open"):
            return

        def job(progress: Any, cancel: Any) -> Services:
            services = start_company(db) if create else open_services(db)
            if cancel.is_set():
                services.close()
                raise Cancelled("cancelled")
            return services

        self._busy(f"Opening {store_label(company_location(db))}…")
        self.ctx.tasks.start(job, "open", on_success=lambda services: self.open_company(
            services, on_close=services.close),
            on_failure=lambda error: self._store_failed(db, error))

    def _store_failed(self, db: str | None, error: BaseException) -> None:
        """A company file that would not open: with no company open, the page says which
        and why; with one open, a dialog does and the open company stays."""
        if isinstance(error, Cancelled) or self._closing:
            return
        if self.ctx.services is None:
            self.show_open_failed(db, error)
        else:
            self._open_failed(error)

    def _open_failed(self, error: BaseException) -> None:
        self._busy(None)
        if isinstance(error, UserError) and not self._closing:
            self.last_error = show_error(self, error, "Opening a company")

    def remember(self, location: str) -> None:
        """Put a company first in File > Open recent."""
        location = kept_location(location)  # never a password in the settings file
        recent = [r for r in self.recent() if r != location]
        self.ctx.settings.setValue(RECENT_KEY, [location, *recent][:RECENT_MAX])

    def recent(self) -> list[str]:
        value = self.ctx.settings.value(RECENT_KEY, [])
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value or []]

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for location in self.recent():
            action = self.recent_menu.addAction(store_label(location))
            action.triggered.connect(lambda _=False, where=location: self.open_store(where))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("No company opened yet").setEnabled(False)

    # --- layout remembered, trouble, closing ----------------------------------------------

    def _restore_layout(self) -> None:
        settings = self.ctx.settings
        # A value of another type (a settings file edited by hand, or damaged) is ignored.
        geometry = settings.value("window/geometry")
        if not isinstance(geometry, QByteArray | bytes) or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        splitter = settings.value("window/splitter")
        if not isinstance(splitter, QByteArray | bytes) or not self.splitter.restoreState(
                splitter):
            self.splitter.setSizes([900, 380])  # the invoice table whole at 1280 wide

    def _restore_columns(self) -> None:
        """The tables' columns as left (a restored sort asks the store: a company is open)."""
        if self._columns_restored:
            return
        self._columns_restored = True
        # Hidden columns and widths: each DocumentsView remembers its own (column chooser).

    def save_layout(self) -> None:
        settings = self.ctx.settings
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/splitter", self.splitter.saveState())
        settings.sync()

    def _say_finishing(self) -> None:
        """Closing waits for the document in flight (``CLOSE_WAIT`` at most): say so, and
        paint it now, since the GUI thread waits next."""
        self.cancel.setText("Cancelling…")
        self.cancel.setEnabled(False)
        self.progress.setFormat(CLOSING_WORDS)
        self.sync_step.setText(CLOSING_WORDS)
        self.sync_step.setVisible(True)
        self.statusBar().repaint()

    def _trouble(self, name: str, error: BaseException) -> None:
        if self._closing:
            return
        self.last_error = show_error(self, error)

    def closeEvent(self, event: QCloseEvent) -> None:
        """A running sync stops after the document in flight; nothing is left half-done."""
        if not self._closing:
            self.save_layout()
            if self.ctx.tasks.running("sync"):
                self._say_finishing()
            self._closing = True
            self.store_poll.stop()
            self.ctx.tasks.close()  # answers still on their way start no new work
            self._close_company()
        super().closeEvent(event)
