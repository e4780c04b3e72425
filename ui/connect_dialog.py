"""Connect a company to QuickBooks Online: where to, then sign in (in the browser for
Intuit; by itself for a local SyncDesk sandbox). The sign-in runs as a background task
(``services.connection.connect``), with its progress said and a Cancel that stops the
wait; the dialog never blocks the window (it is opened with ``open``, not ``exec``)."""

from __future__ import annotations

import webbrowser
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.hints import plain
from app.services import Services
from app.services.connection import ConnectOptions
from app.work import Cancelled, Progress
from ui.workers import Tasks

# environmentCombo's items: (text, environment)
ENVIRONMENTS = (("QuickBooks Online (your company)", "production"),
                ("Intuit's developer sandbox", "intuit-sandbox"),
                ("A local SyncDesk sandbox", "local"))

#: Gives the services of the company to connect (opening or creating its store) and
#: whether they are the dialog's own (closed if connecting fails); runs in the task.
Target = Callable[[], tuple[Services, bool]]


class ConnectDialog(QDialog):
    connected = Signal(object, object)  # the services, the ConnectReport

    def __init__(self, tasks: Tasks, target: Target, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="connectDialog")
        self.setWindowTitle("Connect to QuickBooks")
        self._tasks = tasks
        self._target = target
        self._task: Any = None
        self.environment = QComboBox(self, objectName="environmentCombo")
        for text, _env in ENVIRONMENTS:
            self.environment.addItem(text)
        self.base_url = QLineEdit(self, objectName="baseUrlEdit")
        self.base_url.setPlaceholderText("http://127.0.0.1:PORT")
        self.base_url.setToolTip("The address `syncdesk sandbox` prints")
        self.client_id = QLineEdit(self, objectName="clientIdEdit")
        self.client_secret = QLineEdit(self, objectName="clientSecretEdit")
        self.client_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.status = QLabel("SyncDesk opens QuickBooks' sign-in page in your browser; "
                             "your password stays with Intuit.", self, objectName="connectStatus")
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Connect to", self.environment)
        form.addRow("Sandbox address", self.base_url)
        form.addRow("Intuit app's client id", self.client_id)
        form.addRow("Client secret", self.client_secret)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.connect_button = self.buttons.addButton(
            "Connect", QDialogButtonBox.ButtonRole.AcceptRole)
        self.connect_button.setObjectName("connectButton")
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.stop)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.environment.currentIndexChanged.connect(self._fields)
        self._fields()

    def choose(self, environment: str) -> None:
        self.environment.setCurrentIndex(
            next(i for i, (_t, env) in enumerate(ENVIRONMENTS) if env == environment))

    def _environment(self) -> str:
        return ENVIRONMENTS[self.environment.currentIndex()][1]

    def _fields(self) -> None:
        local = self._environment() == "local"
        self.base_url.setEnabled(local)
        self.client_id.setEnabled(not local)
        self.client_secret.setEnabled(not local)

    def options(self) -> ConnectOptions:
        local = self._environment() == "local"
        return ConnectOptions(self._environment(),
                              base_url=(self.base_url.text().strip() or None) if local else None,
                              client_id=None if local else self.client_id.text().strip() or None,
                              client_secret=None if local
                              else self.client_secret.text() or None)

    def start(self) -> None:
        """Sign in, in the background."""
        if self._task is not None:
            return
        options, target = self.options(), self._target
        browser = None if options.local else webbrowser.open

        def job(progress: Any, cancel: Any) -> tuple[Services, Any]:
            services, own = target()
            try:
                return services, services.connection.connect(
                    options, browser, on_progress=progress, cancel=cancel)
            except BaseException:
                if own:
                    services.close()
                raise

        self.connect_button.setEnabled(False)
        self.status.setText("Connecting…")
        self._task = self._tasks.start(job, "connect", on_progress=self._progress,
                                       on_success=self._done, on_failure=self._failed)

    def stop(self) -> None:
        """Cancel: stop waiting for the sign-in (nothing is kept), or just close."""
        if self._task is not None:
            self._task.cancel()
            self.status.setText("Stopping…")
        else:
            self.reject()

    def _progress(self, p: Progress) -> None:
        if p.current:
            self.status.setText(p.current)

    def _done(self, answer: tuple[Services, Any]) -> None:
        self._task = None
        services, report = answer
        self.connected.emit(services, report)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._task = None
        self.connect_button.setEnabled(True)
        if isinstance(error, Cancelled):
            self.status.setText("Not connected: you stopped the sign-in.")
        elif isinstance(error, UserError):
            self.status.setText(error.words(plain))
        else:
            self.status.setText("Connecting failed unexpectedly; the details are in "
                                "SyncDesk's log file.")
