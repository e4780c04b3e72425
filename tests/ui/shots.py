"""Saving screenshots in both colour schemes, for the screenshot tests.

``SHOTS`` is the folder from ``SYNCDESK_SHOTS`` (None: screenshot tests skip).
``each_scheme()`` yields ``light`` then ``dark`` with the application switched to it
(and back to the system's scheme afterwards); save one picture per scheme, named
``NAME-light.png`` / ``NAME-dark.png``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from ui.theme import DARK, LIGHT, use_scheme

SHOTS = os.environ.get("SYNCDESK_SHOTS")


def each_scheme() -> Iterator[str]:
    try:
        for scheme in (LIGHT, DARK):
            use_scheme(scheme)
            QApplication.processEvents()
            yield scheme
    finally:
        use_scheme(None)
        QApplication.processEvents()


def save(widget: QWidget, name: str) -> Path:
    folder = Path(SHOTS or ".")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    QApplication.processEvents()
    assert widget.grab().save(str(path)), f"could not save {path}"
    return path
