"""Where ``ui.resources`` finds ``resources/`` (issue "Packaging"): a PyInstaller bundle's
copy first, then the checkout's own, then the installed package ``syncdesk_resources``."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from ui import resources
from ui.resources import resource_path, resources_folder

REPO = Path(__file__).resolve().parents[2]
ABSENT = "syncdesk_resources_not_installed_here"
CHECKOUT = resources.checkout_folder


def make_folder(root: Path, name: str, package: bool = False) -> Path:
    """``root/name`` with one icon in it (and an ``__init__.py`` when ``package``)."""
    folder = root / name
    (folder / "icons").mkdir(parents=True)
    (folder / "icons" / "state-synced.svg").write_text("<svg/>", encoding="utf-8")
    if package:
        (folder / "__init__.py").write_text('"""Test copy."""\n', encoding="utf-8")
    return folder


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed ``syncdesk_resources`` in a site folder ahead of every other, and this
    ``ui/`` taken for an installed one (outside any checkout)."""
    monkeypatch.setattr(resources, "checkout_folder", lambda: None)
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.delitem(sys.modules, resources.PACKAGE, raising=False)
    monkeypatch.syspath_prepend(str(site))
    return make_folder(site, resources.PACKAGE, package=True)


@pytest.fixture
def not_a_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)


def test_a_bundle_comes_first(tmp_path, monkeypatch, installed):
    bundle = tmp_path / "bundle"
    make_folder(bundle, "resources")
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert resources_folder() == bundle / "resources"
    assert resource_path("icons", "state-synced.svg") == \
        bundle / "resources" / "icons" / "state-synced.svg"


def test_a_bundle_without_the_folder_is_passed_over(tmp_path, monkeypatch, installed):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "empty bundle"), raising=False)
    assert resources_folder() == installed


def test_the_installed_package_comes_before_the_source_tree(not_a_bundle, installed):
    assert resources_folder() == installed
    assert resource_path("icons", "state-synced.svg") == \
        installed / "icons" / "state-synced.svg"
    assert resources.PACKAGE not in sys.modules  # found, not imported


def test_a_checkout_uses_its_own_folder_before_an_installed_one(not_a_bundle, installed,
                                                                monkeypatch):
    """One virtual environment serving several checkouts maps the installed name to one of
    them; each checkout still reads its own ``resources/``."""
    monkeypatch.setattr(resources, "checkout_folder", CHECKOUT)  # ``installed`` hid it
    assert resources.installed_folder() == installed
    assert resources_folder() == REPO / "resources"


def test_the_folder_beside_ui_when_nothing_else_is_there(not_a_bundle, monkeypatch):
    monkeypatch.setattr(resources, "PACKAGE", ABSENT)
    monkeypatch.setattr(resources, "checkout_folder", lambda: None)
    assert resources_folder() == REPO / "resources"
    assert resource_path("oauth", "redirect.html").is_file()


def test_a_missing_file_names_the_folder_looked_in(not_a_bundle, installed):
    with pytest.raises(FileNotFoundError, match=r"resources/icons/nothing\.svg is missing") \
            as caught:
        resource_path("icons", "nothing.svg")
    assert str(installed / "icons") in str(caught.value)


def test_setup_py_ships_resources_under_the_name_looked_for():
    """setup.py's ``package_dir`` maps ``resources.PACKAGE`` to ``resources/``."""
    tree = ast.parse((REPO / "setup.py").read_text(encoding="utf-8"))
    package_dir = next(keyword.value for node in ast.walk(tree) if isinstance(node, ast.Call)
                       for keyword in node.keywords if keyword.arg == "package_dir")
    assert ast.literal_eval(package_dir) == {resources.PACKAGE: resources.FOLDER}
    assert (REPO / resources.FOLDER / "__init__.py").is_file()
