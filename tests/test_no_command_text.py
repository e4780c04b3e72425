"""No core text names a command-line command or flag (issue 11): what the user can do
travels as hints (``app/hints.py``), which the command line prints as commands
(``app/commands/hints.py``) and the window shows as buttons."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app.cli import build_parser
from app.commands.hints import as_command
from app.hints import Action, Advice, Hint, plain, render

APP = Path(__file__).resolve().parent.parent / "app"
# Where the command line itself lives: these may name commands and flags.
CLI_PARTS = ("commands", "sandbox", "migrations")
CLI_FILES = ("cli.py",)

def subcommands() -> set[str]:
    parser = build_parser()
    action = next(a for a in parser._actions
                  if a.dest == "command")
    return set(action.choices)


def command_text() -> re.Pattern[str]:
    """``syncdesk`` before one of its subcommands, or a ``--flag``."""
    names = "|".join(sorted(subcommands(), key=len, reverse=True))
    return re.compile(rf"\bsyncdesk (?:{names})\b|(?<![\w-])--[a-z][a-z-]*")


def core_files(root: Path = APP) -> list[Path]:
    return [p for p in sorted(root.rglob("*.py"))
            if p.relative_to(root).parts[0] not in CLI_PARTS
            and str(p.relative_to(root)) not in CLI_FILES]


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value,
                                                                     ast.Constant):
                found.add(id(body[0].value))
    return found


def texts(source: str) -> list[tuple[int, str]]:
    """Every string the code holds (f-strings with ``X`` for each value), docstrings left
    out, with its line."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    inside_fstrings = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
                       for v in node.values}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "X"
                           for v in node.values)
            found.append((node.lineno, text))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings and id(node) not in inside_fstrings:
            found.append((node.lineno, node.value))
    return found


def offending(root: Path = APP) -> list[str]:
    pattern = command_text()
    return [f"{path.relative_to(root)}:{line}: {text!r}"
            for path in core_files(root)
            for line, text in texts(path.read_text(encoding="utf-8"))
            if pattern.search(text)]


def test_no_core_text_names_a_command_or_a_flag():
    assert offending() == []


def test_the_check_sees_commands_and_flags_but_not_docstrings(tmp_path: Path):
    core = tmp_path / "operations"
    core.mkdir()
    (core / "m.py").write_text(
        '"""Run ``syncdesk init`` first (a docstring may say so)."""\n'
        'def f(x):\n'
        '    """Give --db a file."""\n'
        '    a = "run `syncdesk init` first"\n'
        '    b = f"give --db {x} a file"\n'
        '    c = ("see " f"syncdesk show po {x}")\n'
        '    d = "the SyncDesk sandbox, syncdesk-demo, a -- b, use {0}"\n'
        '    return a, b, c, d\n')
    (tmp_path / "commands").mkdir()
    (tmp_path / "commands" / "c.py").write_text('A = "syncdesk init --db X"\n')
    assert [hit.split(":")[1] for hit in offending(tmp_path)] == ["4", "5", "6"]


@pytest.mark.parametrize("action", list(Action))
def test_plain_words_name_no_command(action):
    hint = Hint.of(action, kind="po", number="PO-1", key="enable_po_date_editing",
                   file="backup.db", name="Acme", field="memo", value="x")
    assert not command_text().search(plain(hint)), plain(hint)
    assert plain(hint) and "_" not in plain(hint).replace("enable_po_date_editing", "")


def test_backticks_stay_around_commands_only():
    text = "run `{0}` first, then {1}"
    hints = (Hint.of(Action.CREATE_STORE, words="the new-store setup"),
             Hint.of(Action.LIST_SUPPLIERS))
    assert render(text, hints, as_command) == ("run `syncdesk init` first, then "
                                               "syncdesk list suppliers")
    assert render(text, hints) == "run the new-store setup first, then see the suppliers"
    assert str(Advice(text, *hints)) == render(text, hints)
    # a hint with no command reads as its words, without the backticks
    assert render("`{0}`", (Hint.of(Action.CHOOSE_STORE),), as_command) == (
        "choose another store file")
