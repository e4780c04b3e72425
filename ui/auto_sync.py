"""Auto sync: the window syncs by itself every N minutes (the company's
``auto_sync_minutes``; 0 is off), through the same path as Sync Now. Never two at once: a
firing while this window syncs, or while another SyncDesk holds the company's sync, is
skipped and says so. The status bar's ``nextAutoSyncLabel`` says when the next one runs.

The interval is read when a company opens and again after Settings are saved. The count
restarts after every sync (Sync Now included), so an auto sync never follows a manual one
at once. ``minute_ms`` is how long a minute is (tests make it short).

``install(window)`` is the window's one call for this part: Edit → Settings…
(``ui/settings_dialog.py``), auto sync, and the notices of new problems (``ui/tray.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel

from app.services.settings import SettingChange
from ui.settings_dialog import INTERVAL_KEY, SettingsEntry
from ui.settings_dialog import install as install_settings
from ui.tray import ProblemNotices

if TYPE_CHECKING:
    from ui.window import MainWindow

MINUTE_MS = 60_000
OFF = "Auto sync off"
SYNCING = "Syncing automatically…"


class AutoSync(QObject):
    """The timer of one window's automatic syncs, and what the status bar says of it."""

    fired = Signal()  # the interval has passed
    started = Signal()  # an automatic sync has started
    skipped = Signal(str)  # a firing did not sync: why
    scheduled = Signal(object)  # the next automatic sync's local time, or None: off

    def __init__(self, window: MainWindow, minute_ms: int = MINUTE_MS) -> None:
        super().__init__(window)
        self.window = window
        self.minute_ms = minute_ms
        self.minutes = 0  # as the company's setting says
        self.next_at: datetime | None = None
        self.last_skip = ""
        self._asking = False  # a look at the store's sync lock is under way
        self._generation = 0  # a company opened: older answers are dropped
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.fire)
        self.label = QLabel(OFF, window, objectName="nextAutoSyncLabel")
        self.label.setAccessibleName("Automatic sync")
        self.label.setContentsMargins(8, 0, 8, 0)
        self.label.setVisible(False)
        window.statusBar().addPermanentWidget(self.label)
        window.company_opened.connect(self.reload)
        window.sync_finished.connect(self._sync_ended)

    # --- the interval ----------------------------------------------------------------------

    def reload(self) -> None:
        """Read the company's interval (off the GUI thread), then count from now."""
        services = self.window.ctx.services
        self._generation += 1
        if services is None:
            self.set_minutes(0)
            return
        generation = self._generation
        settings = services.settings

        def job(_p: object, _c: object) -> int:
            return next(int(s.value) for s in settings.all() if s.key == INTERVAL_KEY)

        self.window.ctx.tasks.start(
            job, "auto-sync", on_success=lambda minutes: self._read(generation, minutes))

    def _read(self, generation: int, minutes: int) -> None:
        if generation == self._generation and not self._closing():
            self.set_minutes(minutes)

    def settings_saved(self, changes: list[SettingChange]) -> None:
        for change in changes:
            if change.key == INTERVAL_KEY:
                self.set_minutes(int(change.new))

    def set_minutes(self, minutes: int) -> None:
        self.minutes = max(int(minutes), 0)
        self.schedule()

    # --- the timer -----------------------------------------------------------------------

    def schedule(self) -> None:
        """Count the interval again from now (after a sync, a change of interval)."""
        self.timer.stop()
        if self._closing():
            return
        self.label.setVisible(self.window.ctx.services is not None)
        if not self.minutes or self.window.ctx.services is None:
            self.next_at = None
            self._say()
            self.scheduled.emit(None)
            return
        interval = self.minutes * self.minute_ms
        self.next_at = datetime.now() + timedelta(milliseconds=interval)
        self.timer.start(interval)
        self._say()
        self.scheduled.emit(self.next_at)

    def _sync_ended(self, _outcome: object) -> None:
        self.last_skip = ""  # the sync that made a firing skip has ended
        self.schedule()

    def _say(self) -> None:
        if self.next_at is None:
            text = OFF
            tip = "Settings… (Edit menu) sets how often SyncDesk syncs by itself"
        else:
            text = f"Next auto sync at {self.next_at:%H:%M}"
            every = "every minute" if self.minutes == 1 else f"every {self.minutes} minutes"
            tip = f"SyncDesk syncs by itself {every} while this window is open"
        if self.last_skip and self.next_at is not None:
            text = f"{self.last_skip}; next at {self.next_at:%H:%M}"
        self.label.setText(text)
        self.label.setToolTip(tip)

    def fire(self) -> None:
        """The interval has passed: sync, unless a sync runs (here or elsewhere)."""
        self.fired.emit()
        services = self.window.ctx.services
        if services is None or self._closing():
            return
        if self.window.ctx.tasks.running("sync") or self._asking:
            self._skip("a sync was running")
            return
        self._asking = True
        generation = self._generation
        sync = services.sync
        self.window.ctx.tasks.start(lambda _p, _c: sync.changes().syncing, "auto-sync",
                                    on_success=lambda busy: self._go(generation, busy),
                                    on_failure=lambda error: self._go(generation, False))

    def _go(self, generation: int, busy: Any) -> None:
        self._asking = False
        if generation != self._generation or self._closing():
            return
        if busy:
            self._skip("another SyncDesk was syncing this company")
            return
        if self.window.ctx.tasks.running("sync"):  # Sync Now was pressed meanwhile
            self._skip("a sync was running")
            return
        self.last_skip = ""
        self.window._run_sync(lambda services, progress, cancel: services.sync.run(
            on_progress=progress, cancel=cancel, auto_retry=True), SYNCING)
        if self.window.ctx.tasks.running("sync"):
            self.label.setText(SYNCING)
            self.started.emit()
        else:
            self.schedule()

    def _skip(self, why: str) -> None:
        self.last_skip = f"Auto sync at {datetime.now():%H:%M} skipped: {why}"
        self.skipped.emit(why)
        if not self.window.ctx.tasks.running("sync"):
            self.schedule()  # else the running sync's end counts the interval again
        else:
            self._say()

    def _closing(self) -> bool:
        return bool(getattr(self.window, "_closing", False))


class Extras(QObject):
    """What ``install`` added to the window: Settings…, auto sync, notices."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.settings: SettingsEntry = install_settings(window)
        self.auto_sync = AutoSync(window)
        self.notices = ProblemNotices(window)
        self.settings.saved.connect(self.auto_sync.settings_saved)


def install(window: MainWindow) -> Extras:
    """Edit → Settings…, auto sync at the company's interval with the status bar's next
    time, and the notices of new problems after a sync."""
    return Extras(window)
