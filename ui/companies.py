"""Companies in the File menu: New company…, Back up…, Restore… (Open company… and Open
recent are the window's own).

One store is one company. A new company is an empty store in a file the user names; a
backup is a consistent copy of the open company's store (safe while it is open); a
restore puts a backup in place of the open company after keeping the company as it is
as a copy beside its file (``NAME.before-restore-TIME.bak``), then shows the restored
company. All of it runs in ``window.ctx.tasks``; the backup and the restore show their
progress, with a Cancel, in a small dialog (``companyWorkDialog``) that ends with what
happened in words.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.services import Services
from app.services.company import where_restore_keeps
from app.work import Cancelled, Progress
from ui.error_dialog import error_words, show_error
from ui.file_choice import BACKUP_FILES, COMPANY_FILES

if TYPE_CHECKING:
    from ui.window import MainWindow

RESTORE_WAITS = ("A sync is running in this window. Restore… can start once it has "
                 "finished (or after Cancel in the status bar).")


def file_of(location: str) -> Path | None:
    """The store's file, for a store that is a file."""
    return Path(location.removeprefix("sqlite:///")) if location.startswith("sqlite:///") \
        else None


def size_words(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


class WorkDialog(QDialog):
    """A long piece of company work: what it is doing, a progress bar, Cancel; then what
    happened, and Close. Opened with ``open()`` (window-modal, never blocking)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="companyWorkDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self._task: Any = None
        self.status = QLabel(self, objectName="companyWorkStatus")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("What is happening")
        self.bar = QProgressBar(self, objectName="companyWorkProgress")
        self.bar.setAccessibleName("Progress")
        self.bar.setRange(0, 0)
        self.buttons = QDialogButtonBox(self)
        self.cancel_button = QPushButton("Cancel", self, objectName="companyWorkCancelButton")
        self.cancel_button.setToolTip("Stop; nothing is left half-written")
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton("Close", self, objectName="companyWorkCloseButton")
        self.close_button.clicked.connect(self.accept)
        self.close_button.setVisible(False)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.AcceptRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.bar)
        layout.addWidget(self.buttons)
        self.ended = False

    def running(self, task: Any, words: str) -> None:
        self._task = task
        self.status.setText(words)
        self.open()

    def progress(self, p: Progress) -> None:
        if self.ended:
            return
        self.bar.setRange(0, max(p.total, 0))
        self.bar.setValue(p.done)
        if p.current:
            self.status.setText(p.current[:1].upper() + p.current[1:] + "…")

    def finish(self, words: str, *, ok: bool = True) -> None:
        self.ended = True
        self._task = None
        self.status.setText(words)
        if ok:
            self.bar.setRange(0, 1)
            self.bar.setValue(1)
        self.bar.setVisible(ok)
        self.cancel_button.setVisible(False)
        self.close_button.setVisible(True)
        self.close_button.setDefault(True)
        self.close_button.setFocus()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText("Stopping…")
        else:
            self.reject()

    def reject(self) -> None:
        """Escape or the title bar's close: a running task is asked to stop first."""
        if self._task is not None:
            self.cancel()
            return
        super().reject()


class Companies(QWidget):
    """The File menu's company actions (not shown itself: it owns the dialogs)."""

    new_opened = Signal(object)  # the new company's Services

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setVisible(False)
        self.window_ = window
        self.work: WorkDialog | None = None  # the backup's or the restore's, once started
        self.confirm: QMessageBox | None = None  # Restore's question
        self.last_error: QMessageBox | None = None
        self.importer: Any = None  # ui/import_dialog.py's Importer, once installed
        self.suppliers: Any = None  # ui/supplier_editor.py's SupplierEditing, once installed
        self.new_action = self._action("&New company…", "newCompanyAction",
                                       "Start a new, empty company in a file of its own",
                                       self.new_company)
        self.backup_action = self._action("&Back up…", "backupAction",
                                          "Save a copy of this company to a file (safe while "
                                          "SyncDesk is open)", self.backup)
        self.restore_action = self._action("&Restore…", "restoreAction",
                                           "Put a backup in place of this company (the "
                                           "company as it is now is kept as a copy first)",
                                           self.restore)

    def _action(self, text: str, name: str, tip: str, slot: Any) -> QAction:
        action = QAction(text, self.window_, objectName=name)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _=False: slot())
        return action

    def company_changed(self) -> None:
        there = self.window_.ctx.services is not None
        for action in (self.backup_action, self.restore_action):
            action.setEnabled(there)

    @property
    def _files(self) -> Any:
        return self.window_.files

    # --- a new company ----------------------------------------------------------------

    def new_company(self) -> None:
        path = self._files.save_file(self.window_, "New company: save it as", COMPANY_FILES,
                                     "Company.db")
        if path:
            self.create(Path(path))

    def create(self, path: Path) -> None:
        """A new, empty company in ``path`` (``.db`` added when it has no extension),
        opened in the window once made. A file with anything in it is refused."""
        from app.services.opening import create_company

        window = self.window_
        if window.ctx.tasks.running("open"):
            return
        if not path.suffix:
            path = path.with_suffix(".db")
        window.statusBar().showMessage(f"Making a new company in {path}…")

        def job(_progress: Any, cancel: Any) -> Services:
            services = create_company(str(path))
            if cancel.is_set():
                services.close()
                raise Cancelled("cancelled")
            return services

        def made(services: Services) -> None:
            window.open_company(services, on_close=services.close)
            window.statusBar().showMessage(f"New company {path.name} is open. Add suppliers "
                                           "(Edit menu) or import a CSV file (File menu).",
                                           15000)
            self.new_opened.emit(services)

        window.ctx.tasks.start(job, "open", on_success=made, on_failure=self._failed)

    def _failed(self, error: BaseException) -> None:
        self.window_.statusBar().clearMessage()
        if isinstance(error, UserError):
            self.last_error = show_error(self.window_, error, "New company")

    # --- back up ------------------------------------------------------------------------

    def backup(self) -> None:
        services = self.window_.ctx.services
        if services is None:
            return
        store = file_of(services.location)
        suggested = ""
        if store is not None:
            suggested = str(store.with_name(f"{store.stem}-backup-{date.today():%Y-%m-%d}.db"))
        path = self._files.save_file(self.window_, "Back up the company to", BACKUP_FILES,
                                     suggested)
        if path:
            self.back_up_to(Path(path))

    def back_up_to(self, target: Path) -> WorkDialog:
        services = self.window_.ctx.services
        dialog = self._work_dialog("Back up")

        def job(progress: Any, cancel: Any) -> tuple[Any, int]:
            report = services.company.backup(target, on_progress=progress, cancel=cancel)
            return report, report.target.stat().st_size

        def done(answer: tuple[Any, int]) -> None:
            report, size = answer
            dialog.finish(f"This company is backed up to {report.target} "
                          f"({size_words(size)}). Keep that file somewhere safe; File > "
                          "Restore… puts it back.")

        task = self.window_.ctx.tasks.start(
            job, "backup", on_progress=dialog.progress, on_success=done,
            on_failure=lambda error: self._work_failed(dialog, error, "The backup", target))
        dialog.running(task, f"Backing up to {target}…")
        return dialog

    def _work_dialog(self, title: str) -> WorkDialog:
        if self.work is not None:
            self.work.deleteLater()
        self.work = WorkDialog(title, self.window_)
        return self.work

    def _work_failed(self, dialog: WorkDialog, error: BaseException, what: str,
                     target: Path) -> None:
        if isinstance(error, Cancelled):
            dialog.finish(f"{what} was cancelled; nothing was written"
                          + (f" to {target}." if what == "The backup" else
                             ": the company is exactly as it was."), ok=False)
            return
        words, details = error_words(error)
        words = words[:1].upper() + words[1:]
        dialog.finish(f"{what} did not happen: {words}" + (f"\n\n{details}" if details else "")
                      + ("" if what == "The backup" else
                         "\n\nThe company is as it was before."), ok=False)

    # --- restore ------------------------------------------------------------------------

    def restore(self) -> None:
        if self.window_.ctx.services is None:
            return
        path = self._files.open_file(self.window_, "Restore the company from a backup",
                                     BACKUP_FILES)
        if path:
            self.ask_restore(Path(path))

    def ask_restore(self, backup: Path) -> QMessageBox | None:
        """Ask first: what a restore does, and that the company as it is now is kept."""
        window = self.window_
        services = window.ctx.services
        if services is None:
            return None
        if window.ctx.tasks.running("sync"):
            self.last_error = show_error(window, UserError(RESTORE_WAITS), "Restore")
            return None
        box = QMessageBox(QMessageBox.Icon.Question, "Restore",
                          f"Put the backup {backup.name} in place of this company?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          window)
        box.setObjectName("restoreConfirm")
        box.setInformativeText(
            "What changed in this company since that backup was made goes out of it. First, "
            f"SyncDesk keeps the company as it is now {where_restore_keeps(services.location)}"
            ", so nothing is lost.\n\n"
            "Documents sent to QuickBooks after the backup was made are looked up there "
            "before the next sync sends them, so none is sent twice.")
        box.button(QMessageBox.StandardButton.Yes).setText("Restore")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(lambda: self.restore_from(backup))
        self.confirm = box
        box.open()
        return box

    def restore_from(self, backup: Path) -> WorkDialog | None:
        """Restore ``backup`` over the open company (kept first), then show it anew."""
        from app.services.company import restore_company
        from app.services.opening import open_services

        window = self.window_
        services = window.ctx.services
        if services is None or window.ctx.tasks.running("restore"):
            return None
        location = services.location
        dialog = self._work_dialog("Restore")

        def job(progress: Any, cancel: Any) -> tuple[Any, Services]:
            report = restore_company(location, backup, on_progress=progress, cancel=cancel)
            return report, open_services(location)

        def done(answer: tuple[Any, Services]) -> None:
            report, restored = answer
            window.reopen_company(restored)
            kept = f" The company as it was just before is kept at {report.kept}." \
                if report.kept else ""
            dialog.finish(f"The company is restored from {report.source}.{kept}")

        def failed(error: BaseException) -> None:
            self._work_failed(dialog, error, "The restore", backup)
            window.refresh_tables()

        task = window.ctx.tasks.start(job, "restore", on_progress=dialog.progress,
                                      on_success=done, on_failure=failed)
        dialog.running(task, f"Restoring from {backup}…")
        return dialog


def install(window: MainWindow) -> Companies:
    """New company… before Open company…; Import a CSV file…, Back up… and Restore…
    before Quit (``companies.importer``, ``ui/import_dialog.py``); New supplier… and Edit
    supplier… in the Edit menu (``companies.suppliers``, ``ui/supplier_editor.py``)."""
    from ui.import_dialog import install as install_import
    from ui.supplier_editor import install as install_supplier_editor

    companies = Companies(window)
    companies.importer = install_import(window)
    companies.suppliers = install_supplier_editor(window)
    menu = window.menus["file"]
    first = menu.actions()[0] if menu.actions() else None
    menu.insertAction(first, companies.new_action)
    quit_action = window.findChild(QAction, "quitAction")
    menu.insertAction(quit_action, companies.backup_action)
    menu.insertAction(quit_action, companies.restore_action)
    menu.insertSeparator(companies.backup_action)
    menu.insertSeparator(quit_action)
    window.company_opened.connect(companies.company_changed)
    companies.company_changed()
    return companies

