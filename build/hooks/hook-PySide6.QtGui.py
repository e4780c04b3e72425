"""Replaces PyInstaller's hook for this PySide6 module: the same collection without the Qt
plugins and translations SyncDesk leaves out (build/bundle_config.py)."""

from bundle_config import qt_dependencies

hiddenimports, binaries, datas = qt_dependencies(__file__)
