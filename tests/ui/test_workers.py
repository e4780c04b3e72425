"""The background-work API: results, failures, progress and cancel reach the GUI thread."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread

from app.errors import UserError
from app.work import Cancelled, check_cancel, report_progress
from ui.workers import Task, Tasks


@pytest.fixture
def tasks(qapp):
    tasks = Tasks()
    yield tasks
    tasks.cancel_all(5)


def _gui_thread(qapp) -> QThread:
    return qapp.thread()


def test_result_and_progress_arrive_on_the_gui_thread(qtbot, qapp, tasks):
    seen: list[tuple[str, bool]] = []
    worker_threads: list[int] = []

    def job(progress, cancel):
        worker_threads.append(threading.get_ident())
        for n in range(3):
            report_progress(progress, n + 1, 3, f"document {n + 1}")
        return "report"

    def on_progress(p):
        seen.append((p.current, QThread.currentThread() is _gui_thread(qapp)))

    task = tasks.start(job, "sync", on_progress=on_progress)
    with qtbot.waitSignal(task.succeeded, timeout=5000) as blocker:
        pass
    assert blocker.args == ["report"]
    assert worker_threads and worker_threads[0] != threading.get_ident()
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=2000)
    assert seen == [("document 1", True), ("document 2", True), ("document 3", True)]


def test_a_failure_always_reaches_the_callback(qtbot, tasks, caplog):
    def broken(progress, cancel):
        raise RuntimeError("bug")

    task = tasks.start(broken, "broken")
    with qtbot.waitSignal(task.failed, timeout=5000) as blocker:
        pass
    assert isinstance(blocker.args[0], RuntimeError)
    assert "background task broken failed" in caplog.text  # the traceback goes to the log


def test_a_user_error_is_not_logged_as_a_bug(qtbot, tasks, caplog):
    def refused(progress, cancel):
        raise UserError("the store is read-only")

    task = tasks.start(refused, "refused")
    with qtbot.waitSignal(task.failed, timeout=5000) as blocker:
        pass
    assert str(blocker.args[0]) == "the store is read-only"
    assert "failed" not in caplog.text


def test_cancel_stops_the_job_at_its_next_safe_point(qtbot, tasks):
    started = threading.Event()
    steps: list[int] = []

    def long_job(progress, cancel):
        for n in range(1000):
            started.set()
            check_cancel(cancel)
            steps.append(n)
            cancel.wait(0.01)
        return "all done"

    task = tasks.start(long_job, "long")
    assert started.wait(5)
    with qtbot.waitSignal(task.failed, timeout=5000) as blocker:
        task.cancel()
    assert isinstance(blocker.args[0], Cancelled)
    # ``failed`` may reach the GUI thread before the job's thread has set ``done`` (it
    # emits, then sets): wait for it rather than look at once.
    assert task.wait(5)
    assert len(steps) < 1000
    qtbot.waitUntil(lambda: tasks.running() == [], timeout=2000)


def test_cancel_all_waits_for_every_task(qtbot, tasks):
    ended = threading.Event()

    def job(progress, cancel):
        cancel.wait(10)
        ended.set()
        check_cancel(cancel)

    tasks.start(job, "a")
    tasks.start(job, "b")
    assert tasks.cancel_all(5) is True
    assert ended.is_set()


def test_cancel_all_waits_once_for_all_tasks_not_once_for_each(qtbot, tasks, monkeypatch):
    """One deadline for every task together: a close with several stuck tasks waits the
    timeout once, not the timeout times the number of tasks."""
    release = threading.Event()
    asked: list[float | None] = []
    wait = Task.wait

    def recording_wait(self, timeout=None):
        asked.append(timeout)
        return wait(self, timeout)

    monkeypatch.setattr(Task, "wait", recording_wait)

    def stuck(progress, cancel):  # a call that only stops at a safe point far away
        release.wait(60)

    for name in ("a", "b", "c"):
        tasks.start(stuck, name)
    try:
        assert tasks.cancel_all(0.3) is False  # none stopped: each is still running
        assert len(asked) == 3 and all(t is not None and t >= 0 for t in asked)
        assert sum(asked) <= 0.3  # the one deadline shared, whatever the clock did
    finally:
        release.set()
    assert tasks.cancel_all(30) is True
    qtbot.waitUntil(lambda: tasks.running() == [], timeout=5000)


def test_inline_tasks_answer_at_once(qapp):
    tasks = Tasks(inline=True)
    got: list[object] = []
    tasks.start(lambda progress, cancel: 42, on_success=got.append)
    tasks.start(lambda progress, cancel: 1 / 0, on_failure=got.append)
    assert got[0] == 42 and isinstance(got[1], ZeroDivisionError)


def test_many_short_tasks_each_answer_once(qtbot, tasks):
    """Lifetimes: tasks ending while the GUI thread forgets them must never crash."""
    answers: list[int] = []
    for n in range(200):
        tasks.start(lambda progress, cancel, n=n: (report_progress(progress, 1, 1), n)[1],
                    on_success=answers.append)
    qtbot.waitUntil(lambda: len(answers) == 200, timeout=20000)
    assert sorted(answers) == list(range(200))
    qtbot.waitUntil(lambda: tasks.running() == [], timeout=5000)
