"""Guards against a Qt binding that corrupts memory on this Python.

PySide6 6.12.0 on CPython 3.11 drops references to None in model resets and
row inserts until the process aborts (``Fatal Python error: none_dealloc``).
pyproject.toml pins around it; this test fails CI if a bad pairing slips in.
It runs in a subprocess because the failure is a hard crash.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt
    from PySide6.QtWidgets import QApplication, QListView

    class Model(QAbstractListModel):
        def __init__(self):
            super().__init__()
            self.rows = []

        def rowCount(self, parent=QModelIndex()):
            return 0 if parent.isValid() else len(self.rows)

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.rows[index.row()]
            return None

    app = QApplication([])
    model = Model()
    view = QListView()
    view.setModel(model)
    before = sys.getrefcount(None)
    for i in range(20000):
        model.beginResetModel()
        model.rows = [str(i)]
        model.endResetModel()
        model.beginInsertRows(QModelIndex(), 1, 1)
        model.rows.append("x")
        model.endInsertRows()
    drift = before - sys.getrefcount(None)
    print("refcount drift", drift)
    sys.exit(1 if drift > 1000 else 0)
""")


def test_model_resets_do_not_corrupt_reference_counts():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env=env, timeout=300, check=False)
    assert done.returncode == 0, f"Qt binding unsafe on this Python:\n{done.stdout}{done.stderr}"
