"""Two SyncDesk processes racing to save one PO: one save wins, the other is refused
(both read version 1 first); edits that name no version both go through, one on top of
the other."""

from __future__ import annotations

import multiprocessing
from dataclasses import replace
from typing import Any

from app.domain.states import DocKind
from app.services.documents import DocumentService, EditConflict
from app.store.database import open_store
from tests.operations.test_edit_versions import make_po

PO = DocKind.PO
WAIT = 60  # seconds: a spawned process imports SyncDesk first


def _save_draft(url: str, actor: str, memo: str, ready: Any, answers: Any) -> None:
    """One desk: open PO-1 (version 1), wait for the other, then save a new memo."""
    store = open_store(url)
    try:
        docs = DocumentService(store, actor=lambda: actor)
        draft = docs.draft(PO, "PO-1")
        ready.wait(WAIT)
        try:
            docs.save("PO-1", replace(draft, memo=memo))
            answers.put((actor, "saved", draft.revision, ""))
        except EditConflict as exc:
            answers.put((actor, "refused", draft.revision, str(exc)))
    except BaseException as exc:  # the test shows what went wrong in the child
        answers.put((actor, "crashed", None, repr(exc)))
    finally:
        store.close()


def _edit_field(url: str, actor: str, name: str, value: str, ready: Any, answers: Any
                ) -> None:
    """One desk's one-shot edit (no version named), as the command line makes it."""
    store = open_store(url)
    try:
        ready.wait(WAIT)
        outcome = DocumentService(store, actor=lambda: actor).edit(PO, "PO-1", {name: value})
        answers.put((actor, "saved", outcome.revision, ""))
    except BaseException as exc:
        answers.put((actor, "crashed", None, repr(exc)))
    finally:
        store.close()


def _race(target: Any, jobs: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(len(jobs))
    answers = context.Queue()
    processes = [context.Process(target=target, args=(*job, ready, answers)) for job in jobs]
    for process in processes:
        process.start()
    try:
        return sorted(answers.get(timeout=WAIT * 2) for _ in processes)
    finally:
        for process in processes:
            process.join(WAIT)
            assert process.exitcode == 0


def test_two_processes_save_one_po_and_exactly_one_is_refused(store):
    make_po(store)
    answers = _race(_save_draft, [(store.url, "ann", "ann's memo"),
                                  (store.url, "bob", "bob's memo")])
    assert [a[2] for a in answers] == [1, 1]  # both started from version 1
    outcomes = sorted(a[1] for a in answers)
    assert outcomes == ["refused", "saved"], answers
    (winner, *_), (loser, _, _, words) = sorted(answers, key=lambda a: a[1] != "saved")
    assert f"was changed by {winner} at " in words and "(version 2: memo)" in words
    assert "after you opened version 1; your changes were not saved" in words
    detail = DocumentService(store).detail(PO, "PO-1")
    assert (detail.revision, detail.memo, detail.edited_by) == (2, f"{winner}'s memo", winner)
    assert loser != winner


def test_one_shot_edits_in_two_processes_are_both_kept(store):
    make_po(store)
    answers = _race(_edit_field, [(store.url, "ann", "memo", "Rush"),
                                  (store.url, "bob", "line.1.qty", "12")])
    assert sorted(a[2] for a in answers) == [2, 3], answers
    detail = DocumentService(store).detail(PO, "PO-1")
    assert (detail.revision, detail.memo, detail.lines[0].qty) == (3, "Rush", 12)
