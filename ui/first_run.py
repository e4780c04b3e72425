"""The first run: no company store yet. Shown inside the window (never a modal dialog),
it offers the demo company, connecting a QuickBooks company, importing a CSV file, or
opening a company file kept elsewhere."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from ui.card_panel import CardPanel

# importKindCombo's items: (text, what services.documents.import_csv takes)
IMPORT_KINDS = (("Purchase orders", "pos"), ("Supplier invoices", "invoices"),
                ("Suppliers", "suppliers"))

CONNECT_STEPS = (
    "SyncDesk signs in to QuickBooks Online in your web browser; it never sees your "
    "password. You need your Intuit app's client id and secret. In a terminal the same "
    "is <code>syncdesk connect --env production</code>.")


class FirstRunPanel(CardPanel):
    """What to do when there is no company yet; each choice is a signal for the window."""

    demo_requested = Signal()
    open_requested = Signal()
    import_requested = Signal(str)  # pos | invoices | suppliers

    def __init__(self, where: str, parent: QWidget | None = None) -> None:
        super().__init__("firstRunPanel", "firstRunStatus", 560, parent)
        title = QLabel("<h2>Welcome to SyncDesk</h2>", self)
        intro = QLabel(f"There is no company here yet ({where}). How would you like to "
                       "start?", self)
        intro.setWordWrap(True)
        self.demo = QPushButton("Open the demo company", self, objectName="firstRunDemoButton")
        self.demo.setToolTip("A sample company with its own QuickBooks, to try everything "
                             "safely; your own data is never touched")
        self.connect_qbo = QPushButton("Connect a QuickBooks company…", self,
                                       objectName="firstRunConnectButton")
        self.connect_help = QLabel(CONNECT_STEPS, self, objectName="firstRunConnectHelp")
        self.connect_help.setWordWrap(True)
        self.connect_help.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.connect_help.setVisible(False)
        self.import_kind = QComboBox(self, objectName="importKindCombo",
                                     accessibleName="What the CSV file holds")
        for text, _what in IMPORT_KINDS:
            self.import_kind.addItem(text)
        self.import_csv = QPushButton("Import from a CSV file…", self,
                                      objectName="firstRunImportButton")
        self.open_file = QPushButton("Open a company file…", self,
                                     objectName="firstRunOpenButton")

        column = self.column
        column.addWidget(title)
        column.addWidget(intro)
        column.addWidget(self.demo)
        column.addWidget(self.connect_qbo)
        column.addWidget(self.connect_help)
        importing = QHBoxLayout()
        importing.addWidget(self.import_kind)
        importing.addWidget(self.import_csv, 1)
        column.addLayout(importing)
        column.addWidget(self.open_file)
        column.addWidget(self.status)

        self.demo.clicked.connect(self.demo_requested)
        self.open_file.clicked.connect(self.open_requested)
        self.connect_qbo.clicked.connect(lambda: self.connect_help.setVisible(True))
        self.import_csv.clicked.connect(
            lambda: self.import_requested.emit(IMPORT_KINDS[self.import_kind.currentIndex()][1]))
