"""Where the files in ``resources/`` are, wherever SyncDesk runs from.

``resources/`` sits beside ``ui/`` and ``app/`` in the source tree, and an editable install
(``pip install -e .``) runs from that tree. A PyInstaller bundle unpacks its data files
under ``sys._MEIPASS``; the bundle's spec copies the folder there as ``resources``
(``datas=[("resources", "resources")]``). ``resource_path`` looks in that order: the
bundle first, then the source tree.
"""

from __future__ import annotations

import sys
from pathlib import Path

FOLDER = "resources"


def resources_folder() -> Path:
    """The ``resources`` folder of this SyncDesk (a bundle's, else the source tree's)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        found = Path(bundle) / FOLDER
        if found.is_dir():
            return found
    return Path(__file__).resolve().parent.parent / FOLDER


def resource_path(*parts: str) -> Path:
    """The path of ``resources/PARTS…`` (e.g. ``resource_path("icons", "state-synced.svg")``);
    FileNotFoundError when this SyncDesk lacks it (a bundle built without its data)."""
    path = resources_folder().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"SyncDesk's {'/'.join((FOLDER, *parts))} is missing "
                                f"(looked in {path.parent})")
    return path
