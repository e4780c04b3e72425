"""Background work: one small API that runs a service call off the GUI thread.

Every long or networked service call takes the core's one shape of long work
(``app/work.py``: an ``on_progress`` callback and a ``cancel`` event, returning a
report). ``Tasks.start`` runs such a call on a thread pool and always answers on
the GUI thread: ``progress`` as it goes, then exactly one of ``succeeded`` or
``failed``, then ``finished``. No business logic lives here::

    task = tasks.start(lambda progress, cancel: services.sync.run(
        on_progress=progress, cancel=cancel), name="sync")
    task.progress.connect(bar.show_progress)
    task.succeeded.connect(self.sync_done)
    task.failed.connect(self.show_error)

Tests may pass ``inline=True`` to run tasks on the calling thread (signals are
then delivered at once), or use the real pool with ``qtbot.waitSignal``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from app.work import Cancelled, OnProgress, Progress

log = logging.getLogger(__name__)

Job = Callable[[OnProgress, threading.Event], Any]


class Task(QObject):
    """One background call. Its signals arrive on the thread that created it (the GUI's).

    ``failed`` carries the exception: a ``UserError`` has words for the user, a
    ``Cancelled`` means the user asked to stop, anything else is unexpected (its
    traceback is logged before the signal goes).
    """

    progress = Signal(object)  # app.work.Progress
    succeeded = Signal(object)  # the job's report
    failed = Signal(object)  # the exception
    finished = Signal()

    # Emitted on the job's thread; queued over to this object's thread, then re-emitted
    # as the public signals, so that every receiver (lambdas too) runs on the GUI thread.
    _progressed = Signal(object)
    _ended = Signal(bool, object)

    def __init__(self, job: Job, name: str, parent: QObject | None = None, *,
                 inline: bool = False) -> None:
        super().__init__(parent)
        self.name = name
        self.cancel_event = threading.Event()
        self.done = threading.Event()
        self._job = job
        how = Qt.ConnectionType.DirectConnection if inline else Qt.ConnectionType.QueuedConnection
        self._progressed.connect(self.progress.emit, how)
        self._ended.connect(self._deliver, how)

    def cancel(self) -> None:
        """Ask the job to stop at its next safe point (it then fails with ``Cancelled``)."""
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has returned (for closing the window; never on a click)."""
        return self.done.wait(timeout)

    def run(self) -> None:
        """Run the job here and now (the pool's thread, or the caller's when inline)."""
        try:
            result = self._job(self._progressed.emit, self.cancel_event)
        except Cancelled as exc:
            self._finish(False, exc)
        except BaseException as exc:  # every failure reaches a callback
            if not _expected(exc):
                log.error("background task %s failed", self.name, exc_info=exc)
            self._finish(False, exc)
        else:
            self._finish(True, result)

    def _finish(self, ok: bool, value: object) -> None:
        # The last touch of this object on the job's thread: emit, then say done (whoever
        # waits on ``done`` may drop the object as soon as it is set).
        self._ended.emit(ok, value)
        self.done.set()

    @Slot(bool, object)
    def _deliver(self, ok: bool, value: object) -> None:
        (self.succeeded if ok else self.failed).emit(value)
        self.finished.emit()


def _expected(exc: BaseException) -> bool:
    from app.errors import UserError

    return isinstance(exc, UserError)


class _Runnable(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self._task = task
        self.setAutoDelete(True)

    @Slot()
    def run(self) -> None:
        self._task.run()


class Tasks(QObject):
    """The window's background tasks: started here, cancelled and awaited together on close.

    ``inline=True`` runs each task on the calling thread (tests that do not need a thread).

    ``trouble`` carries every failure nobody else answers for: an unexpected error (not a
    ``UserError``, not ``Cancelled``) always, and a ``UserError`` of a task started without
    ``on_failure``. The window shows it in a dialog; the task's name comes with it.
    """

    trouble = Signal(str, object)  # task name, the exception

    def __init__(self, parent: QObject | None = None, *, inline: bool = False,
                 pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._inline = inline
        self._pool = pool or QThreadPool.globalInstance()
        self._running: list[Task] = []
        self._closed = False

    def start(self, job: Job, name: str = "task", *,
              on_progress: Callable[[Progress], Any] | None = None,
              on_success: Callable[[Any], Any] | None = None,
              on_failure: Callable[[BaseException], Any] | None = None) -> Task:
        """Run ``job(on_progress, cancel)`` in the background; the callbacks run on this
        thread (connected before the job starts, so none is missed)."""
        # No Qt parent: a task lives as long as Python holds it (this list, the running
        # job), so that closing the window never destroys one under a running job.
        task = Task(job, name, inline=self._inline)
        if self._closed:  # never run: its company is closed (or closing)
            task.cancel()
            task.done.set()
            return task
        if on_progress is not None:
            task.progress.connect(self._while_alive(on_progress))
        if on_success is not None:
            task.succeeded.connect(self._while_alive(on_success))
        if on_failure is not None:
            task.failed.connect(self._while_alive(on_failure))
        answered = on_failure is not None
        task.failed.connect(self._while_alive(
            lambda exc: self._failed(task.name, exc, answered)))
        task.finished.connect(lambda: self._forget(task))
        self._running.append(task)
        if self._inline:
            task.run()
        else:
            self._pool.start(_Runnable(task))
        return task

    def _while_alive(self, callback: Callable[[Any], Any]) -> Callable[[Any], None]:
        """``callback``, dropped once this object (and so the window that owns it and its
        widgets) is gone: an answer that arrives after the window closed has no one to
        show it to."""

        def call(value: object) -> None:
            if shiboken6.isValid(self) and not self._closed:
                callback(value)

        return call

    def close(self) -> None:
        """The window is closing: from now on no task starts, and an answer still on its
        way is dropped, like one to a deleted window (none may start work on the company
        the window has closed: the store is closed, a team store's database may be gone)."""
        self._closed = True

    def running(self, name: str | None = None) -> list[Task]:
        return [t for t in self._running if name is None or t.name == name]

    def cancel_all(self, timeout: float = 30.0) -> bool:
        """Cancel every task and wait until each has reached its safe point, ``timeout``
        seconds at most for all of them together; True if all did."""
        tasks = list(self._running)
        for task in tasks:
            task.cancel()
        deadline = time.monotonic() + timeout
        stopped = True
        for task in tasks:
            stopped = task.wait(max(0.0, deadline - time.monotonic())) and stopped
        return stopped

    def _failed(self, name: str, exc: BaseException, answered: bool) -> None:
        if isinstance(exc, Cancelled) or (answered and _expected(exc)):
            return
        self.trouble.emit(name, exc)

    def _forget(self, task: Task) -> None:
        if task in self._running:
            self._running.remove(task)
