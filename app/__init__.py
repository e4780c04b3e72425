"""SyncDesk core: everything the window can do, without Qt.

Nothing under ``app/`` imports PySide6 or ``ui`` (tests/test_layering.py checks).
"""

__version__ = "0.1.0"
