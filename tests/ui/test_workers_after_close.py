"""An answer that arrives after the window that asked for it is gone is dropped.

Closing the window cancels and awaits its tasks, but their answers are queued to the GUI
thread; when the window is deleted before the queue is processed (pytest-qt deletes every
window after its test; an app may delete a closed window), a callback into its deleted
widgets would raise ``Internal C++ object already deleted``.
"""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtWidgets import QLabel, QWidget

from ui.workers import Tasks


def test_an_answer_after_the_owner_is_deleted_is_dropped(qtbot):
    owner = QWidget()
    label = QLabel(owner)
    tasks = Tasks(owner)
    release = threading.Event()
    calls: list[object] = []

    def job(progress, cancel) -> str:
        progress("half way")
        release.wait(10)
        return "answer"

    def shown(value: object) -> None:
        calls.append(value)
        label.setText(str(value))  # raises once the label is deleted

    task = tasks.start(job, "late", on_progress=shown, on_success=shown, on_failure=shown)
    shiboken6.delete(owner)
    release.set()
    assert task.wait(10)
    qtbot.wait(50)  # the queued answers arrive now
    assert calls == []
    assert not shiboken6.isValid(label)


def test_answers_reach_a_living_owner(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    tasks = Tasks(owner)
    calls: list[object] = []
    task = tasks.start(lambda progress, cancel: "answer", "now", on_success=calls.append)
    assert task.wait(10)
    qtbot.waitUntil(lambda: calls == ["answer"], timeout=5000)
