"""Where the files in ``resources/`` are, wherever SyncDesk runs from.

``resources/`` sits beside ``ui/`` and ``app/`` in the source tree. ``resources_folder``
looks in this order:

1. A PyInstaller bundle: it unpacks its data files under ``sys._MEIPASS``, and the bundle's
   spec copies the folder there as ``resources`` (``datas=[("resources", "resources")]``).
2. The checkout this ``ui/`` is in (``pyproject.toml`` beside it): its own ``resources/``,
   even when a virtual environment shared by several checkouts maps the installed name
   to another one.
3. The installed package ``syncdesk_resources``: ``pip install`` ships ``resources/`` under
   that name (setup.py), so a wheel's copy is in site-packages; an editable install
   (``pip install -e .``) maps the name to the source tree's folder.
4. ``resources/`` beside ``ui/``, wherever that is (the error then names where it looked).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

FOLDER = "resources"
#: The import name under which an install ships ``resources/`` (setup.py).
PACKAGE = "syncdesk_resources"


def bundled_folder() -> Path | None:
    """A PyInstaller bundle's ``resources`` folder, if this is a bundle that has one."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        found = Path(bundle) / FOLDER
        if found.is_dir():
            return found
    return None


def installed_folder() -> Path | None:
    """The folder of the installed package ``syncdesk_resources``, if there is one."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        if Path(location).is_dir():
            return Path(location)
    return None


def checkout_folder() -> Path | None:
    """``resources/`` of the source checkout this ``ui/`` belongs to, if it is one."""
    root = Path(__file__).resolve().parent.parent
    folder = root / FOLDER
    return folder if (root / "pyproject.toml").is_file() and folder.is_dir() else None


def source_folder() -> Path:
    """``resources/`` beside ``ui/`` in the source tree."""
    return Path(__file__).resolve().parent.parent / FOLDER


def resources_folder() -> Path:
    """The ``resources`` folder of this SyncDesk: a bundle's, else its checkout's, else the
    installed package's (see the module's docstring)."""
    return bundled_folder() or checkout_folder() or installed_folder() or source_folder()


def resource_path(*parts: str) -> Path:
    """The path of ``resources/PARTS…`` (e.g. ``resource_path("icons", "state-synced.svg")``);
    FileNotFoundError when this SyncDesk lacks it (a bundle built without its data)."""
    path = resources_folder().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"SyncDesk's {'/'.join((FOLDER, *parts))} is missing "
                                f"(looked in {path.parent})")
    return path
