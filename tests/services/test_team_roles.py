"""Team roles (issue 17): what each role may do is checked by the core, whoever calls it.

The acting user on a SQLite store is the OS user; the tests sign in as someone else by
setting ``LOGNAME`` (which ``getpass.getuser`` reads first).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain.events import Event
from app.domain.roles import Permission, Role, needed_words, parse_role, roles_that_may
from app.domain.states import DocKind, PoStatus
from app.errors import NotAllowed, UserError
from app.services import Services
from app.services.company import restore_company
from app.services.sync_log import LogFilter
from app.store.database import Store
from app.sync.fixes.base import Change, Plan, Side
from app.sync.fixes.document_steps import PO_DATES_CHANGE, approval_what, permissions_needed
from tests.sync.conftest import make_po

# Signs in as different people through the OS user (LOGNAME), which is who acts on a store
# file; on PostgreSQL the acting user is the database login, which
# tests/store/test_team_postgres.py signs in with.
pytestmark = pytest.mark.usefixtures("sqlite_only")


def sign_in(monkeypatch: pytest.MonkeyPatch, login: str) -> None:
    monkeypatch.setenv("LOGNAME", login)


@pytest.fixture
def team(services: Services, monkeypatch: pytest.MonkeyPatch) -> Services:
    """ann (company admin, who made the team), fay (finance user), bob (standard user)."""
    sign_in(monkeypatch, "ann")
    services.team.add("fay", Role.FINANCE, "Fay Finance")
    services.team.add("bob", "standard user")
    return services


def test_the_roles_in_plain_words():
    assert [r.words for r in Role] == ["company admin", "finance user", "standard user"]
    assert parse_role("Finance User") is Role.FINANCE and parse_role("admin") is Role.ADMIN
    with pytest.raises(ValueError, match="the roles are admin"):
        parse_role("boss")
    assert roles_that_may(Permission.OVERRIDE_APPROVAL) == (Role.ADMIN, Role.FINANCE)
    assert needed_words(Permission.SETTINGS) == "a company admin"
    assert needed_words(Permission.OVERRIDE_APPROVAL) == "a finance user or a company admin"


def test_a_store_without_a_team_is_one_persons_and_they_may_do_everything(
        services: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    sign_in(monkeypatch, "whoever")
    me = services.permissions()
    assert me.single_user and me.role is Role.ADMIN and me.login == "whoever"
    assert all(me.may(p) for p in Permission)
    services.settings.set("auto_sync_minutes", 5)
    services.sync_log.page()
    services.company.backup(tmp_path / "copy.db")
    assert services.team.members() == []


def test_the_first_member_added_brings_the_person_adding_in_as_company_admin(
        team: Services):
    members = {m.login: m for m in team.team.members()}
    assert {k: m.role for k, m in members.items()} == {
        "ann": Role.ADMIN, "fay": Role.FINANCE, "bob": Role.STANDARD}
    assert members["ann"].you and not members["bob"].you
    assert members["fay"].name == "Fay Finance" and members["bob"].added_by == "ann"


def test_nobody_can_leave_the_team_without_a_company_admin(
        services: Services, team: Services):
    with pytest.raises(UserError, match="only company admin"):
        team.team.set_role("ann", Role.STANDARD)
    with pytest.raises(UserError, match="only company admin"):
        team.team.remove("ann")
    with pytest.raises(UserError, match="already"):
        team.team.add("bob", Role.ADMIN)
    team.team.set_role("fay", Role.ADMIN)
    team.team.remove("ann")  # fay is a company admin now
    assert [m.login for m in team.team.members()] == ["bob", "fay"]


def test_the_first_member_is_a_company_admin(services: Services,
                                             monkeypatch: pytest.MonkeyPatch):
    sign_in(monkeypatch, "ann")
    with pytest.raises(UserError, match="first member must be a company admin"):
        services.team.add("ann", Role.STANDARD)
    assert services.team.members() == []
    with pytest.raises(UserError, match="no role"):
        services.team.add("bob", "boss")
    with pytest.raises(UserError, match="no spaces"):
        services.team.add("bob smith", Role.STANDARD)


ADMIN_ONLY = {
    "settings": lambda s, tmp: s.settings.set("auto_sync_minutes", 5),
    "disconnect": lambda s, tmp: s.connection.disconnect(),
    "sync log page": lambda s, tmp: s.sync_log.page(),
    "sync log count": lambda s, tmp: s.sync_log.count(LogFilter()),
    "sync log export": lambda s, tmp: s.sync_log.export_csv(tmp / "log.csv"),
    "sync log (command line's)": lambda s, tmp: s.sync.log(),
    "backup": lambda s, tmp: s.company.backup(tmp / "copy.db"),
    "add a member": lambda s, tmp: s.team.add("carl", Role.STANDARD),
}


@pytest.mark.parametrize("what", sorted(ADMIN_ONLY))
@pytest.mark.parametrize("login", ["fay", "bob"])
def test_a_company_admins_work_is_refused_to_the_others(
        team: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, what: str, login: str):
    sign_in(monkeypatch, login)
    with pytest.raises(NotAllowed, match=f"only a company admin can .*; you are signed in as "
                                         f"{login} \\((finance|standard) user\\)\\. Ask ann\\."):
        ADMIN_ONLY[what](team, tmp_path)
    assert not (tmp_path / "copy.db").exists() and not (tmp_path / "log.csv").exists()
    sign_in(monkeypatch, "ann")
    ADMIN_ONLY[what](team, tmp_path)  # the company admin may


def test_the_stores_settings_are_unchanged_after_a_refusal(team: Services,
                                                         monkeypatch: pytest.MonkeyPatch):
    sign_in(monkeypatch, "bob")
    before = {s.key: s.value for s in team.settings.all()}  # reading is everyone's
    with pytest.raises(NotAllowed):
        team.settings.set_many([("auto_sync_minutes", 5), ("company_name", "X")])
    assert {s.key: s.value for s in team.settings.all()} == before


def test_restore_is_a_company_admins(team: Services, store: Store,
                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    backup = team.company.backup(tmp_path / "copy.db").target
    sign_in(monkeypatch, "bob")
    with pytest.raises(NotAllowed, match="back up or restore"):
        restore_company(store.url, backup)
    sign_in(monkeypatch, "ann")
    store.close()
    assert restore_company(store.url, backup).kept is not None


def test_approval_override_is_a_finance_users_or_a_company_admins(
        team: Services, store: Store, monkeypatch: pytest.MonkeyPatch):
    for number in ("PO-1", "PO-2", "PO-3"):
        make_po(store, number, status=PoStatus.PENDING)
    sign_in(monkeypatch, "bob")
    with pytest.raises(NotAllowed, match="only a finance user or a company admin can approve "
                                         "a PO by approval override; you are signed in as bob "
                                         r"\(standard user\)\. Ask ann or Fay Finance\."):
        team.documents.override("PO-1")
    assert team.documents.row(DocKind.PO, "PO-1").status == PoStatus.PENDING.value
    team.documents.approve(DocKind.PO, "PO-1")  # approving is everyone's
    sign_in(monkeypatch, "fay")
    assert team.documents.override("PO-2").status == PoStatus.APPROVED.value
    sign_in(monkeypatch, "ann")
    assert team.documents.override("PO-3").status == PoStatus.APPROVED.value
    actors = [(e.actor, e.action) for e in team.documents.history(DocKind.PO, "PO-2")]
    assert ("fay", Event.APPROVAL_OVERRIDE) in actors


def test_everyday_work_is_every_members_and_the_history_names_them(
        team: Services, store: Store, monkeypatch: pytest.MonkeyPatch):
    make_po(store, "PO-1", status=PoStatus.DRAFT)
    sign_in(monkeypatch, "bob")
    team.documents.edit(DocKind.PO, "PO-1", {"memo": "for the shop"})
    team.documents.submit("PO-1")
    team.sync.exclude(DocKind.PO, "PO-1", "entered by hand")
    history = team.documents.history(DocKind.PO, "PO-1")
    assert {e.actor for e in history[1:]} == {"bob"}
    assert team.sync.last_sync() is None  # when the last sync ran is anyone's to know


def test_a_login_not_on_the_team_may_look_but_change_nothing(
        team: Services, store: Store, monkeypatch: pytest.MonkeyPatch):
    make_po(store, "PO-1", status=PoStatus.DRAFT)
    sign_in(monkeypatch, "zed")
    me = team.permissions()
    assert me.role is None and not me.single_user and not any(me.may(p) for p in Permission)
    assert [r.number for r in team.documents.list(DocKind.PO)] == ["PO-1"]
    refusal = "you are signed in as zed, who is not on this company's team.*Ask a company " \
              r"admin \(ann\) to add you"
    for change in (lambda: team.documents.edit(DocKind.PO, "PO-1", {"memo": "x"}),
                   lambda: team.documents.submit("PO-1"),
                   lambda: team.sync.exclude(DocKind.PO, "PO-1", "no"),
                   lambda: team.sync.run(),
                   lambda: team.company.init()):
        with pytest.raises(NotAllowed, match=refusal):
            change()
    assert {e.actor for e in team.documents.history(DocKind.PO, "PO-1")} == {"ann"}


def test_permissions_say_why_not_for_the_window(team: Services,
                                                monkeypatch: pytest.MonkeyPatch):
    sign_in(monkeypatch, "fay")
    me = team.permissions()
    assert me.role is Role.FINANCE and me.may(Permission.OVERRIDE_APPROVAL)
    assert not me.may(Permission.SETTINGS)
    assert me.why_not(Permission.SETTINGS).startswith("only a company admin can change the "
                                                      "company settings")
    assert me.as_json()["may"]["connection"] is False


def test_a_fix_says_what_it_needs_beyond_everyday_work():
    assert permissions_needed([]) == set()
    assert permissions_needed([
        Change(Side.SYNCDESK, approval_what("PO-1"), "approved", "approved again", "PO-1"),
        Change(Side.SYNCDESK, PO_DATES_CHANGE, "off", "on"),
    ]) == {Permission.OVERRIDE_APPROVAL, Permission.SETTINGS}



def test_a_fix_that_overrides_an_approval_is_refused_to_a_standard_user_before_it_starts(
        team: Services, monkeypatch: pytest.MonkeyPatch):
    plan = Plan("fix_line_amount", "change_amount", (), (
        Change(Side.SYNCDESK, "PO-1 line 1 amount", "10.00", "12.00", "PO-1"),
        Change(Side.SYNCDESK, approval_what("PO-1"), "approved", "approved again", "PO-1")))
    sign_in(monkeypatch, "bob")
    with pytest.raises(NotAllowed, match="approve a PO by approval override"):
        team.fixes.apply(plan)  # refused before it even looks for QuickBooks
    sign_in(monkeypatch, "fay")
    with pytest.raises(UserError) as caught:  # allowed: on to the connection, which is missing
        team.fixes.apply(plan)
    assert not isinstance(caught.value, NotAllowed)
