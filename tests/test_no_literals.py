"""Sync states and problem kinds are spelled by their enums, not as string literals (issue 11).

The check parses ``app/`` and flags every string constant that equals, as a whole, a
``SyncState`` value, a ``Kind`` value or the listing's "needs attention" filter. A sentence
that uses one of the words ("3 failed") is not flagged: only whole-constant equality is.
"""

from __future__ import annotations

import ast
from pathlib import Path

from app.domain.problems import Kind
from app.domain.states import NEEDS_ATTENTION_FILTER, SyncState

APP = Path(__file__).resolve().parent.parent / "app"

WORDS = frozenset({*(s.value for s in SyncState), *(k.value for k in Kind),
                   NEEDS_ATTENTION_FILTER})

# Where the words are defined, or kept on purpose.
EXEMPT = (
    "sandbox/",  # the emulator keeps its own state and its own words (DESIGN.md)
    "store/migrations/",  # a migration is frozen history: it keeps the words of its day
    "domain/states.py",  # the definitions themselves
    "domain/problems.py",
    "domain/events.py",  # history and sync-log words; some equal a state ("queued", "failed")
)

# (file, value): a literal that only happens to equal one of the words.
NOT_A_STATE = {
    ("operations/actor.py", "unknown"),  # the user name when the system gives none
    ("commands/sync.py", "blocked"),  # the words printed after a count ("3 blocked")
    ("commands/sync.py", "failed"),
}

FOR_NOW_FUNCTIONS: dict[str, set[str]] = {}


def literals(path: Path) -> list[tuple[int, str, str]]:
    """(line, enclosing top-level function or "", value) of each string constant that is
    one of the words; parts of f-strings are not whole constants and are skipped."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    in_fstring = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
                  for part in node.values}
    found = []
    for top in tree.body:
        owner = top.name if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef) else ""
        for node in ast.walk(top):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and node.value in WORDS and id(node) not in in_fstring):
                found.append((node.lineno, owner, node.value))
    return found


def offending(root: Path, exempt: tuple[str, ...] = (), not_a_state: set | None = None,
              functions: dict[str, set[str]] | None = None) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(exempt):
            continue
        for line, owner, value in literals(path):
            if (rel, value) in (not_a_state or set()):
                continue
            if owner and owner in (functions or {}).get(rel, set()):
                continue
            found.append(f"{rel}:{line}: {value!r}")
    return found


def test_no_module_spells_a_sync_state_or_problem_kind_as_a_string():
    assert offending(APP, EXEMPT, NOT_A_STATE, FOR_NOW_FUNCTIONS) == []


def test_the_window_spells_none_either():
    assert offending(APP.parent / "ui", (), set(), {}) == []


def test_the_checker_flags_whole_literals_and_not_sentences(tmp_path: Path):
    (tmp_path / "m.py").write_text(
        'STATE = "failed"\n'
        'def f(doc):\n'
        '    if doc.problem == "inactive_vendor":\n'
        '        return "3 failed, 1 blocked"\n'
        '    return f"{doc.number} failed"\n'
        'def keep():\n'
        '    return "needs_attention"\n')
    assert offending(tmp_path) == ["m.py:1: 'failed'", "m.py:3: 'inactive_vendor'",
                                   "m.py:7: 'needs_attention'"]
    assert offending(tmp_path, functions={"m.py": {"keep"}}) == [
        "m.py:1: 'failed'", "m.py:3: 'inactive_vendor'"]


def test_the_allowances_name_files_that_exist():
    for prefix in (*EXEMPT, *FOR_NOW_FUNCTIONS,
                   *(name for name, _ in NOT_A_STATE)):
        assert (APP / prefix).exists(), prefix
