"""The fix-it wizard: one ``QWizard`` for every fix id, built from the fix service's read
models (``FixChoices`` → ``Plan`` → ``FixResult``), and ``FixLauncher``, which opens it
for a document ("Fix it…").

Nothing is written before the user presses "Fix it" on the preview page: choosing,
filling in and previewing only read (the plan is asked off the GUI thread, so a fix
that asks QuickBooks never freezes the window). Cancel before that changes nothing;
Cancel while the fix runs asks it to stop at its next safe point and says what was done.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget, QWizard

from app.domain.problems import FIX_TITLES
from app.domain.problems import label as problem_label
from app.domain.states import DocKind
from app.errors import UserError
from app.services.documents_views import DocumentDetail
from app.services.fixes import FixChoices, FixResult, InputError, Option, Plan
from app.work import Cancelled, Progress
from ui.context import UiContext
from ui.fix_pages import (
    APPLY,
    INPUTS,
    OPTION,
    PREVIEW,
    PROBLEM,
    RESULT,
    ApplyPage,
    FixPage,
    InputsPage,
    OptionPage,
    PreviewPage,
    ProblemPage,
    ResultPage,
    document_words,
    state_words,
)
from ui.problem_dialog import ProblemDialog

RETRY = "retry"  # a problem that clears by itself: the window shows it (no wizard)
GROUP_RETRIES = ("These documents go to QuickBooks again with the next sync by themselves; "
                 "Resync failures sends them now.")
UNEXPECTED = ("Something went wrong; the details are in SyncDesk's log file. Nothing was "
              "left half-done: running the fix again carries on where it stopped.")


def fix_name(subject: FixChoices) -> str:
    return FIX_TITLES.get(subject.fix) or problem_label(subject.targets[0].problem.kind.value)


Ref = tuple[DocKind, str]


class FixWizard(QWizard):
    """The wizard of one fix (a document's, or a problem group's when the user chooses to
    fix them all). ``changed`` carries the documents the fix touched once it has run
    (whether it went through or not), for the window to show them anew."""

    changed = Signal(list)  # [(DocKind, number)]

    def __init__(self, ctx: UiContext, single: FixChoices, group: FixChoices | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="fixWizard")
        self._ctx = ctx
        self.single, self.group = single, group
        self.name = fix_name(single)
        self.setWindowTitle(f"Fix: {self.name}")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        self.problem_page = ProblemPage(f"Fix: {self.name}", single, group)
        self.option_page = OptionPage()
        self.inputs_page = InputsPage()
        self.preview_page = PreviewPage()
        self.apply_page = ApplyPage()
        self.result_page = ResultPage()
        for at, page in ((PROBLEM, self.problem_page), (OPTION, self.option_page),
                         (INPUTS, self.inputs_page), (PREVIEW, self.preview_page),
                         (APPLY, self.apply_page), (RESULT, self.result_page)):
            self.setPage(at, page)
        self.setStartId(PROBLEM)
        self.plan: Plan | None = None
        self.result: FixResult | None = None
        self.error: BaseException | None = None
        self.cancel_asked = False
        self._plan_key: tuple[Any, ...] | None = None
        self._asked = 0
        self._planning: list[Any] = []
        self._applying: Any = None
        self.resize(680, 500)

    # --- what is being fixed -------------------------------------------------------------

    @property
    def bulk(self) -> bool:
        return self.group is not None and self.problem_page.bulk.isChecked()

    @property
    def subject(self) -> FixChoices:
        return self.group if self.bulk and self.group is not None else self.single

    # --- the plan (asked off the GUI thread) ---------------------------------------------

    def planned(self, page: FixPage, option: Option, inputs: Mapping[str, str]) -> bool:
        """Whether the plan of ``option`` with ``inputs`` is at hand (the page may go on);
        if not, it is asked in the background and the wizard goes on when it comes."""
        key = (self.bulk, option.name, tuple(sorted(inputs.items())))
        if self.plan is not None and self._plan_key == key:
            return True
        if page.busy:
            return False
        self.plan = self._plan_key = None
        page.set_busy(True)
        self._asked += 1
        asked, subject, fixes = self._asked, self.subject, self._ctx.services.fixes
        given = dict(inputs) or None

        def job(progress: object, cancel: object) -> Plan:
            return fixes.plan(subject, option.name, given)

        task = self._ctx.tasks.start(
            job, "fix-plan", on_success=lambda plan: self._planned(asked, page, key, plan),
            on_failure=lambda exc: self._not_planned(asked, page, exc))
        self._planning.append(task)
        return False

    def _planned(self, asked: int, page: FixPage, key: tuple[Any, ...], plan: Plan) -> None:
        page.set_busy(False)
        if asked != self._asked or self.currentPage() is not page:
            return  # the user went elsewhere meanwhile
        self.plan, self._plan_key = plan, key
        self.next()

    def _not_planned(self, asked: int, page: FixPage, exc: BaseException) -> None:
        page.set_busy(False)
        if asked != self._asked or self.currentPage() is not page or isinstance(exc, Cancelled):
            return
        if isinstance(exc, InputError) and isinstance(page, InputsPage):
            page.show_errors(exc.errors)
        else:
            words = str(exc) if isinstance(exc, UserError) else UNEXPECTED
            page.show_error(words)  # type: ignore[attr-defined]

    # --- applying ------------------------------------------------------------------------

    @property
    def applying(self) -> bool:
        return self._applying is not None and self.result is None and self.error is None

    def start_apply(self) -> None:
        """Make the plan's changes, resend, verify: the one step that writes."""
        if self._applying is not None or self.plan is None:
            return
        plan, fixes = self.plan, self._ctx.services.fixes

        def job(progress: Any, cancel: Any) -> FixResult:
            return fixes.apply(plan, on_progress=progress, cancel=cancel)

        self._applying = self._ctx.tasks.start(job, "fix-apply", on_progress=self._progress,
                                               on_success=self._applied,
                                               on_failure=self._apply_failed)

    def _progress(self, progress: Progress) -> None:
        self.apply_page.show_step(progress.done, progress.total, progress.current)

    def _applied(self, result: FixResult) -> None:
        self.result = result
        self._ended()

    def _apply_failed(self, exc: BaseException) -> None:
        self.error = exc
        self._ended()

    def _ended(self) -> None:
        self.apply_page.finish()
        self.button(QWizard.WizardButton.CancelButton).setEnabled(True)
        self.changed.emit(self.touched())
        if self.currentId() == APPLY:
            self.next()

    def touched(self) -> list[Ref]:
        """The documents the fix is about: its targets and the ones it sends again."""
        refs: list[Ref] = [t.ref for t in self.subject.targets]
        if self.plan is not None:
            refs += [r for r in self.plan.resend if r not in refs]
        return refs

    # --- cancel --------------------------------------------------------------------------

    def reject(self) -> None:
        """Cancel: before "Fix it" nothing was written, so the wizard just closes; while
        the fix runs, it is asked to stop at its next safe point (the result page then
        says what was done)."""
        if self.applying:
            self.cancel_asked = True
            self._applying.cancel()
            self.apply_page.step.setText("Stopping after the step under way…")
            self.button(QWizard.WizardButton.CancelButton).setEnabled(False)
            return
        for task in self._planning:
            task.cancel()
        self._asked += 1
        super().reject()

    # --- the outcome ---------------------------------------------------------------------

    def outcome_title(self) -> str:
        if self.result is not None and self.result.fixed:
            return "Fixed"
        if isinstance(self.error, Cancelled) or (self.cancel_asked and self.error is None):
            return "Stopped"
        return "Not fixed yet"

    def outcome_words(self) -> str:
        if self.error is not None:
            if isinstance(self.error, Cancelled):
                return ("You stopped the fix. What it had already done is in each "
                        "document's history; running the fix again finishes the job.")
            return str(self.error) if isinstance(self.error, UserError) else UNEXPECTED
        result = self.result
        if result is None:
            return ""
        if result.fixed:
            many = len(result.documents) > 1
            return ("The changes are made and " + ("every document is" if many else
                    "the document is") + " in QuickBooks now.")
        if self.cancel_asked and result.report is None and result.plan.resend:
            return ("You stopped the fix after its changes were made, before the documents "
                    "went to QuickBooks again. They go with the next sync, or use Resend.")
        if result.refused:  # the changes stay made; only the resend did not go through
            return result.kept_words()
        if not result.sent:
            return ("Done; nothing was sent to QuickBooks this time. Below is where each "
                    "document stands.")
        return ("The changes are made, but QuickBooks did not take everything yet. Below is "
                "what is still wrong; “Fix it…” on the document shows the way on.")

    def outcome_rows(self) -> list[tuple[str, str]]:
        if self.result is None:
            return []
        return [(document_words(d.kind, d.number), state_words(d.sync_state, d.problem))
                for d in self.result.documents]


@dataclass
class Opening:
    """What opening "Fix it…" found: the document, its fix's choices (alone and for its
    problem group), or why SyncDesk has no wizard for it."""

    detail: DocumentDetail | None
    single: FixChoices | None
    group: FixChoices | None
    why: str = ""
    bulk: bool = False  # the whole group chosen already (a problem group's Fix)


class FixLauncher(QObject):
    """Opens the fix-it wizard for a document, or, for a problem with no wizard (one that
    clears by itself, one SyncDesk cannot repair yet), the problem dialog. ``rows_changed``
    carries the new rows of the documents a fix touched."""

    rows_changed = Signal(list)  # [DocumentRow]

    def __init__(self, ctx: UiContext, parent: QWidget) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._parent = parent
        self.wizard: FixWizard | None = None
        self.problem_dialog: ProblemDialog | None = None
        self.message: QMessageBox | None = None
        self._opening = False

    @property
    def busy(self) -> bool:
        return self._opening or (self.wizard is not None and self.wizard.isVisible())

    def open(self, kind: DocKind, number: str) -> None:
        """Find the ways to fix the document (in the background), then show them."""
        if self.busy:
            if self.wizard is not None and self.wizard.isVisible():
                self.wizard.raise_()
            return
        services = self._ctx.services

        def job(progress: object, cancel: Any) -> Opening:
            detail = services.documents.detail(kind, number)
            if detail.last_error is not None and detail.last_error.fix == RETRY:
                return Opening(detail, None, None)  # it goes again by itself: the dialog
            try:
                single = services.fixes.choices(kind, number, cancel=cancel)
            except UserError as exc:
                return Opening(detail, None, None, str(exc))
            return Opening(detail, single, _group_choices(detail, number, cancel))

        def _group_choices(detail: DocumentDetail, number: str, cancel: Any
                           ) -> FixChoices | None:
            key = detail.last_error.group if detail.last_error else None
            if not key or not any(g.key == key and len(g.documents) > 1 and number in
                                  g.documents for g in services.sync.problem_groups()):
                return None
            try:
                group = services.fixes.group_choices(key, cancel=cancel)
            except UserError:  # they need different fixes: one at a time
                return None
            return group if len(group.targets) > 1 else None

        self._set_opening(True)
        self._ctx.tasks.start(job, "fix-open", on_success=self._opened,
                              on_failure=self._not_opened)

    def open_group(self, key: str) -> None:
        """The wizard for every document of one problem group (``key``), fixing them all
        at once chosen already, as its checkbox does (a dashboard group's Fix); a message
        for a group that goes again by itself."""
        if self.busy:
            if self.wizard is not None and self.wizard.isVisible():
                self.wizard.raise_()
            return
        services = self._ctx.services

        def job(progress: object, cancel: Any) -> Opening:
            group = services.fixes.group_choices(key, cancel=cancel)
            if group.fix == RETRY:
                return Opening(None, None, None, GROUP_RETRIES)
            first = group.targets[0]
            if len(group.targets) == 1:
                return Opening(None, group, None)
            single = services.fixes.choices(first.kind, first.number, cancel=cancel)
            return Opening(None, single, group, bulk=True)

        self._set_opening(True)
        self._ctx.tasks.start(job, "fix-open", on_success=self._opened,
                              on_failure=self._not_opened)

    def _set_opening(self, opening: bool) -> None:
        """While the ways to fix are looked up (QuickBooks may be asked), a busy cursor."""
        if opening and not self._opening:
            QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        elif self._opening and not opening:
            QApplication.restoreOverrideCursor()
        self._opening = opening

    def _opened(self, opening: Opening) -> None:
        self._set_opening(False)
        if opening.single is None:
            if opening.detail is None or opening.detail.last_error is None:
                self._tell(opening.why)
                return
            self.problem_dialog = ProblemDialog(opening.detail, self._parent, why=opening.why)
            self.problem_dialog.open()
            return
        if self.wizard is not None:  # the one of a fix done or cancelled before
            self.wizard.setParent(None)
            self.wizard.deleteLater()
        self.wizard = FixWizard(self._ctx, opening.single, opening.group, self._parent)
        if opening.bulk:
            self.wizard.problem_page.bulk.setChecked(True)
        self.wizard.changed.connect(self.refresh)
        self.wizard.open()

    def _not_opened(self, exc: BaseException) -> None:
        self._set_opening(False)
        if not isinstance(exc, Cancelled):
            self._tell(str(exc) if isinstance(exc, UserError) else UNEXPECTED)

    def refresh(self, refs: list[Ref]) -> None:
        """Ask for the rows of ``refs`` anew; ``rows_changed`` brings them."""
        documents = self._ctx.services.documents

        def job(progress: object, cancel: object) -> list[Any]:
            rows = []
            for kind, number in refs:
                with contextlib.suppress(UserError):  # gone meanwhile: nothing to show
                    rows.append(documents.row(kind, number))
            return rows

        self._ctx.tasks.start(job, "fix-rows", on_success=self.rows_changed.emit)

    def _tell(self, text: str) -> None:
        self.message = QMessageBox(QMessageBox.Icon.Information, "Fix it", text,
                                   QMessageBox.StandardButton.Ok, self._parent)
        self.message.setObjectName("fixMessage")
        self.message.open()
