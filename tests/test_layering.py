"""The layering rules of DESIGN.md, checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"


def imported_modules(path: Path) -> list[str]:
    """Every module ``path`` imports, absolute: ``from app import sync`` gives ``app.sync``
    (and ``app``), a relative import is resolved against ``path``'s package."""
    return modules_in(path.read_text(encoding="utf-8"), _package_of(path))


def modules_in(text: str, package: str) -> list[str]:
    tree = ast.parse(text)
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(p for p in [*parts, base] if p)
            names.append(base)
            names.extend(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


def _package_of(path: Path) -> str:
    try:
        relative = path.resolve().relative_to(APP.parent)
    except ValueError:
        return ""
    return ".".join(relative.parent.parts)


def offending(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        shown: list[str] = []
        for name in imported_modules(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden) and not any(
                    name.startswith(s + ".") for s in shown):  # `from m import x`: m once
                shown.append(name)
                found.append(f"{path.relative_to(folder)} imports {name}")
    return found


def test_app_never_imports_qt_or_ui():
    assert offending(APP, ("PySide6", "PyQt5", "PyQt6", "shiboken6", "ui")) == []


def test_the_window_asks_services_only():
    """ui/ holds no query and no business rule: it reaches the core through app.services
    (plus errors, hints, work and the domain's enums and words)."""
    assert offending(APP.parent / "ui", ("app.store", "app.sync", "app.operations",
                                         "app.connection", "app.qbo", "app.sandbox",
                                         "sqlmodel", "sqlalchemy")) == []


def test_sandbox_keeps_its_own_state():
    assert offending(APP / "sandbox", ("app.store", "app.qbo", "app.sync", "app.domain",
                                       "app.operations")) == []


def test_the_checker_sees_an_offending_import(tmp_path: Path):
    bad = tmp_path / "pkg"
    bad.mkdir()
    (bad / "m.py").write_text("from PySide6.QtCore import QObject\nimport ui.window\n")
    assert offending(bad, ("PySide6", "ui")) == [
        "m.py imports PySide6.QtCore", "m.py imports ui.window"]


def test_the_checker_sees_from_imports_of_modules_and_relative_imports():
    names = modules_in("from app import sync\nfrom ..store import models\n", "app.qbo")
    assert "app.sync" in names and "app.store.models" in names


@pytest.mark.parametrize("module", ["app.domain.workflow", "app.domain.money",
                                    "app.domain.settings"])
def test_domain_rules_import_no_store(module: str):
    path = APP.parent / (module.replace(".", "/") + ".py")
    assert [n for n in imported_modules(path) if n.startswith(("app.store", "sqlmodel",
                                                                "sqlalchemy"))] == []


@pytest.mark.parametrize(("layer", "forbidden"), [
    ("qbo", ("app.sync", "app.store", "app.operations", "app.services", "app.connection")),
    ("store", ("app.sync", "app.operations", "app.services", "app.connection")),
    ("operations", ("app.sync", "app.services", "app.connection")),
    ("domain", ("app.store", "app.sync", "app.operations", "app.services", "app.qbo",
                "sqlmodel", "sqlalchemy")),
    ("sync", ("app.services",)),
])
def test_core_layers_point_down(layer: str, forbidden: tuple[str, ...]):
    assert offending(APP / layer, forbidden) == []


def top_level_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")}


def test_document_operations_live_in_one_module_per_job():
    """Creating, workflow steps and editing each have their own module (issue 11)."""
    ops = APP / "operations"
    assert not (ops / "documents.py").exists()
    creating = top_level_names(ops / "creating.py")
    steps = top_level_names(ops / "workflow_steps.py")
    editing = top_level_names(ops / "editing.py")
    assert {"create_po", "create_invoice", "check_invoice_links", "po_line_ids",
            "queue"} <= creating
    assert {"change_po_status", "change_invoice_status"} <= steps
    assert {"edit_po", "edit_invoice", "Change", "EditResult"} <= editing
    assert not creating & steps and not creating & editing and not steps & editing
    # The arrows point one way: editing may run a workflow step, a step may queue; never back.
    assert not {"app.operations.workflow_steps", "app.operations.editing"} & set(
        imported_modules(ops / "creating.py"))
    assert "app.operations.editing" not in imported_modules(ops / "workflow_steps.py")


# What the command line may use: the services, and errors, hints, progress and formatting.
COMMANDS_MAY_IMPORT = ("app.services", "app.commands", "app.errors", "app.hints", "app.work",
                       "app.text", "app.domain")


def test_commands_call_services_only():
    """Commands parse their arguments, call a service and print (DESIGN.md, issue 11)."""
    found = [f"{path.name} imports {name}"
             for path in sorted((APP / "commands").rglob("*.py"))
             for name in imported_modules(path)
             if name.startswith(("sqlmodel", "sqlalchemy"))
             or (name.startswith("app") and not name.startswith(COMMANDS_MAY_IMPORT))]
    assert found == []


def test_the_cli_finds_store_problems_through_services():
    assert [n for n in imported_modules(APP / "cli.py") if n.startswith("app.store")] == []
