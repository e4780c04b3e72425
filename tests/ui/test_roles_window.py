"""The window disables what the signed-in user's role may not do, saying why (issue 17).

Signs in as the team's people with ``people`` (``tests/team_people.py``): the OS user on
a SQLite store, a database login of their own on PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QPushButton

from app.domain.roles import Role
from app.domain.states import DocKind, PoStatus
from app.operations import team
from app.services.opening import open_company
from app.store.database import open_store, resolve_db_url
from tests.team_people import People
from ui import create_main_window
from ui.roles import SYNC_LOG_PAGE

WAIT = 30000
GUARDED = ("settingsAction", "backupAction", "restoreAction", "connectAction")


def company(people: People, *team: tuple[str, Role]) -> People:
    """The demo company's documents in the test's store, set up by ann, with ann (company
    admin) and ``team`` (names of people, and their roles)."""
    with open_company(people.sign_in("ann"), create=True) as services:
        services.company.init(demo_company=True)
        for name, role in team:
            services.team.add(people.login(name), role)
    return people


def open_window(qtbot, tmp_path: Path, people: People, name: str):
    """The window on the test's store, ``name`` signed in."""
    window = create_main_window(["--db", people.sign_in(name)], settings=QSettings(
        str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.ctx.permissions is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: not window.ctx.tasks.running(), timeout=WAIT)
    return window


def sync_log_tab(window) -> int:
    return next(i for i in range(window.nav.count()) if window.nav.tabText(i) == SYNC_LOG_PAGE)


def pending_po(window) -> str:
    rows = window.ctx.services.documents.list(DocKind.PO)
    return next(r.number for r in rows if r.status == PoStatus.PENDING.value)


def override_button(qtbot, window, number: str) -> QPushButton:
    editor = window.editor.open(DocKind.PO, number)
    button = editor.findChild(QPushButton, "overrideButton")
    qtbot.waitUntil(lambda: button.isVisible(), timeout=WAIT)
    return button


def test_a_standard_users_window_has_an_admins_actions_disabled(
        qtbot, tmp_path: Path, people: People):
    company(people, ("bob", Role.STANDARD))
    ann, bob = people.logins("ann", "bob")
    window = open_window(qtbot, tmp_path, people, "bob")
    for name in GUARDED:
        action = window.findChild(QAction, name)
        assert not action.isEnabled(), name
        assert action.toolTip().startswith("Only a company admin can"), name
        assert f"you are signed in as {bob} (standard user). Ask {ann}." in action.toolTip()
    tab = sync_log_tab(window)
    assert not window.nav.isTabEnabled(tab)
    assert "see the sync log" in window.nav.tabToolTip(tab)
    assert window.sync_now.isEnabled()  # syncing is every member's
    label = window.findChild(QLabel, "signedInLabel")
    assert label.isVisible() and label.text() == f"Signed in as {bob} (standard user)"
    button = override_button(qtbot, window, pending_po(window))
    assert not button.isEnabled()
    assert "only a finance user or a company admin" in button.toolTip().lower()
    window.close()


def test_a_finance_user_may_override_and_the_admin_may_do_everything(
        qtbot, tmp_path: Path, people: People):
    company(people, ("fay", Role.FINANCE))
    window = open_window(qtbot, tmp_path, people, "fay")
    assert override_button(qtbot, window, pending_po(window)).isEnabled()
    assert not window.findChild(QAction, "settingsAction").isEnabled()
    window.close()

    window = open_window(qtbot, tmp_path, people, "ann")
    for name in GUARDED:
        assert window.findChild(QAction, name).isEnabled(), name
    assert window.nav.isTabEnabled(sync_log_tab(window))
    assert window.findChild(QLabel, "signedInLabel").text() == \
        f"Signed in as {people.login('ann')} (company admin)"
    window.close()


def test_a_one_person_company_looks_as_before(qtbot, tmp_path: Path, people: People):
    company(people)
    window = open_window(qtbot, tmp_path, people, "whoever")
    for name in GUARDED:
        assert window.findChild(QAction, name).isEnabled(), name
    assert window.nav.isTabEnabled(sync_log_tab(window))
    assert not window.findChild(QLabel, "signedInLabel").isVisible()
    window.close()


def test_a_login_not_on_the_team_cannot_sync(qtbot, tmp_path: Path, people: People):
    company(people, ("bob", Role.STANDARD))
    window = open_window(qtbot, tmp_path, people, "zed")
    assert not window.sync_now.isEnabled() and not window.resync.isEnabled()
    assert "not on this company's team" in window.sync_now.toolTip()
    window.start_sync()
    assert not window.ctx.tasks.running("sync")
    window.close()


def test_a_role_changed_elsewhere_shows_without_reopening(qtbot, tmp_path: Path,
                                                           people: People):
    """ann, on another computer, makes bob a company admin, then takes him off the team:
    bob's open window follows at its next look at the store (every few seconds)."""
    company(people, ("bob", Role.STANDARD))
    ann, bob = people.logins("ann", "bob")
    window = open_window(qtbot, tmp_path, people, "bob")
    settings = window.findChild(QAction, "settingsAction")
    label = window.findChild(QLabel, "signedInLabel")
    assert not settings.isEnabled()

    def as_ann(change) -> None:  # ann's own store and session; bob's window sees the store
        store = open_store(resolve_db_url(people.address("ann")))  # bob stays signed in
        try:
            with store.session() as session:
                change(session)
        finally:
            store.close()

    as_ann(lambda session: team.set_role(session, ann, bob, Role.ADMIN))
    qtbot.waitUntil(settings.isEnabled, timeout=WAIT)
    assert label.text() == f"Signed in as {bob} (company admin)"
    assert window.nav.isTabEnabled(sync_log_tab(window))

    as_ann(lambda session: team.remove_member(session, ann, bob))
    qtbot.waitUntil(lambda: not window.sync_now.isEnabled(), timeout=WAIT)
    assert not settings.isEnabled()
    assert "not on this company's team" in window.sync_now.toolTip()
    window.close()
