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


def test_after_close_no_answer_arrives_and_no_task_starts(qtbot):
    """The window closed (its company too) while an answer was on its way: the answer,
    which would have asked the store again (a table's counts after its rows), is dropped,
    and a task started anyway never runs; on a team store its database may be gone."""
    owner = QWidget()
    qtbot.addWidget(owner)
    tasks = Tasks(owner)
    release = threading.Event()
    ran: list[str] = []

    def rows(progress, cancel) -> str:
        release.wait(10)
        ran.append("rows")
        return "rows"

    def counts(progress, cancel) -> str:
        ran.append("counts")
        return "counts"

    answers: list[object] = []
    task = tasks.start(rows, "rows", on_success=lambda value: (
        answers.append(value), tasks.start(counts, "counts")))
    tasks.close()
    release.set()
    assert tasks.cancel_all(10) and task.wait(10)
    qtbot.wait(50)  # the queued answer arrives now
    late = tasks.start(counts, "counts", on_success=answers.append)
    qtbot.wait(50)
    assert answers == [] and ran == ["rows"]
    assert late.cancelled and late.done.is_set() and tasks.running() == []
