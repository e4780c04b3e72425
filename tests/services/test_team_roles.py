"""Team roles (issue 17): what each role may do is checked by the core, whoever calls it.

The acting user on a SQLite store is the OS user, on a PostgreSQL store the database
login; the tests sign in as someone with ``people`` (``tests/team_people.py``), on both.
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
from tests.team_people import People


@pytest.fixture
def team(store: Store, people: People) -> Services:
    """ann (company admin, who made the team), fay (finance user), bob (standard user) on
    the test's store (with its suppliers); the services acting as ann."""
    as_ann = people.services("ann")
    as_ann.team.add(people.login("fay"), Role.FINANCE, "Fay Finance")
    as_ann.team.add(people.login("bob"), "standard user")
    return as_ann


def test_the_roles_in_plain_words():
    assert [r.words for r in Role] == ["company admin", "finance user", "standard user"]
    assert parse_role("Finance User") is Role.FINANCE and parse_role("admin") is Role.ADMIN
    with pytest.raises(ValueError, match="the roles are admin"):
        parse_role("boss")
    assert roles_that_may(Permission.OVERRIDE_APPROVAL) == (Role.ADMIN, Role.FINANCE)
    assert needed_words(Permission.SETTINGS) == "a company admin"
    assert needed_words(Permission.OVERRIDE_APPROVAL) == "a finance user or a company admin"


def test_a_store_without_a_team_is_one_persons_and_they_may_do_everything(
        store: Store, people: People, tmp_path: Path):
    services = people.services("whoever")
    me = services.permissions()
    assert me.single_user and me.role is Role.ADMIN and me.login == people.login("whoever")
    assert all(me.may(p) for p in Permission)
    services.settings.set("auto_sync_minutes", 5)
    services.sync_log.page()
    services.company.backup(tmp_path / "copy.db")
    assert services.team.members() == []


def test_the_first_member_added_brings_the_person_adding_in_as_company_admin(
        team: Services, people: People):
    ann, fay, bob = people.logins("ann", "fay", "bob")
    members = {m.login: m for m in team.team.members()}
    assert {k: m.role for k, m in members.items()} == {
        ann: Role.ADMIN, fay: Role.FINANCE, bob: Role.STANDARD}
    assert members[ann].you and not members[bob].you
    assert members[fay].name == "Fay Finance" and members[bob].added_by == ann


def test_nobody_can_leave_the_team_without_a_company_admin(
        team: Services, people: People):
    ann, fay, bob = people.logins("ann", "fay", "bob")
    with pytest.raises(UserError, match="only company admin"):
        team.team.set_role(ann, Role.STANDARD)
    with pytest.raises(UserError, match="only company admin"):
        team.team.remove(ann)
    with pytest.raises(UserError, match="already"):
        team.team.add(bob, Role.ADMIN)
    team.team.set_role(fay, Role.ADMIN)
    team.team.remove(ann)  # fay is a company admin now
    assert [m.login for m in team.team.members()] == [bob, fay]


def test_the_first_member_is_a_company_admin(store: Store, people: People):
    services = people.services("ann")
    with pytest.raises(UserError, match="first member must be a company admin"):
        services.team.add(people.login("ann"), Role.STANDARD)
    assert services.team.members() == []
    with pytest.raises(UserError, match="no role"):
        services.team.add(people.login("bob"), "boss")
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
@pytest.mark.parametrize("person", ["fay", "bob"])
def test_a_company_admins_work_is_refused_to_the_others(
        team: Services, people: People, tmp_path: Path, what: str, person: str):
    login, ann = people.logins(person, "ann")
    with pytest.raises(NotAllowed, match=f"only a company admin can .*; you are signed in as "
                                         f"{login} \\((finance|standard) user\\)\\. Ask {ann}\\."):
        ADMIN_ONLY[what](people.services(person), tmp_path)
    assert not (tmp_path / "copy.db").exists() and not (tmp_path / "log.csv").exists()
    ADMIN_ONLY[what](people.services("ann"), tmp_path)  # the company admin may


def test_the_stores_settings_are_unchanged_after_a_refusal(team: Services, people: People):
    as_bob = people.services("bob")
    before = {s.key: s.value for s in as_bob.settings.all()}  # reading is everyone's
    with pytest.raises(NotAllowed):
        as_bob.settings.set_many([("auto_sync_minutes", 5), ("company_name", "X")])
    assert {s.key: s.value for s in as_bob.settings.all()} == before


def test_restore_is_a_company_admins(team: Services, store: Store, people: People,
                                     tmp_path: Path):
    backup = team.company.backup(tmp_path / "copy.db").target
    with pytest.raises(NotAllowed, match="back up or restore"):
        restore_company(people.sign_in("bob"), backup)
    as_ann = people.sign_in("ann")
    store.close()
    people.close_stores()  # nothing else of this process has the store open
    assert restore_company(as_ann, backup).kept is not None


def test_approval_override_is_a_finance_users_or_a_company_admins(
        team: Services, store: Store, people: People):
    ann, fay, bob = people.logins("ann", "fay", "bob")
    for number in ("PO-1", "PO-2", "PO-3"):
        make_po(store, number, status=PoStatus.PENDING)
    as_bob = people.services("bob")
    with pytest.raises(NotAllowed, match="only a finance user or a company admin can approve "
                                         f"a PO by approval override; you are signed in as {bob} "
                                         rf"\(standard user\)\. Ask {ann} or Fay Finance\."):
        as_bob.documents.override("PO-1")
    assert as_bob.documents.row(DocKind.PO, "PO-1").status == PoStatus.PENDING.value
    as_bob.documents.approve(DocKind.PO, "PO-1")  # approving is everyone's
    assert people.services("fay").documents.override("PO-2").status == PoStatus.APPROVED.value
    as_ann = people.services("ann")
    assert as_ann.documents.override("PO-3").status == PoStatus.APPROVED.value
    actors = [(e.actor, e.action) for e in as_ann.documents.history(DocKind.PO, "PO-2")]
    assert (fay, Event.APPROVAL_OVERRIDE) in actors


def test_everyday_work_is_every_members_and_the_history_names_them(
        team: Services, store: Store, people: People):
    make_po(store, "PO-1", status=PoStatus.DRAFT)
    as_bob = people.services("bob")
    as_bob.documents.edit(DocKind.PO, "PO-1", {"memo": "for the shop"})
    as_bob.documents.submit("PO-1")
    as_bob.sync.exclude(DocKind.PO, "PO-1", "entered by hand")
    history = as_bob.documents.history(DocKind.PO, "PO-1")
    assert {e.actor for e in history[1:]} == {people.login("bob")}
    assert as_bob.sync.last_sync() is None  # when the last sync ran is anyone's to know


def test_a_login_not_on_the_team_may_look_but_change_nothing(
        team: Services, store: Store, people: People):
    make_po(store, "PO-1", status=PoStatus.DRAFT)  # by "ann" (make_po's actor)
    zed, ann = people.logins("zed", "ann")
    as_zed = people.services("zed")
    me = as_zed.permissions()
    assert me.role is None and not me.single_user and not any(me.may(p) for p in Permission)
    assert [r.number for r in as_zed.documents.list(DocKind.PO)] == ["PO-1"]
    refusal = f"you are signed in as {zed}, who is not on this company's team.*Ask a company " \
              rf"admin \({ann}\) to add you"
    for change in (lambda: as_zed.documents.edit(DocKind.PO, "PO-1", {"memo": "x"}),
                   lambda: as_zed.documents.submit("PO-1"),
                   lambda: as_zed.sync.exclude(DocKind.PO, "PO-1", "no"),
                   lambda: as_zed.sync.run(),
                   lambda: as_zed.company.init()):
        with pytest.raises(NotAllowed, match=refusal):
            change()
    assert {e.actor for e in as_zed.documents.history(DocKind.PO, "PO-1")} == {"ann"}


def test_permissions_say_why_not_for_the_window(team: Services, people: People):
    me = people.services("fay").permissions()
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
        team: Services, people: People):
    plan = Plan("fix_line_amount", "change_amount", (), (
        Change(Side.SYNCDESK, "PO-1 line 1 amount", "10.00", "12.00", "PO-1"),
        Change(Side.SYNCDESK, approval_what("PO-1"), "approved", "approved again", "PO-1")))
    with pytest.raises(NotAllowed, match="approve a PO by approval override"):
        people.services("bob").fixes.apply(plan)  # refused before it even looks for QuickBooks
    with pytest.raises(UserError) as caught:  # allowed: on to the connection, which is missing
        people.services("fay").fixes.apply(plan)
    assert not isinstance(caught.value, NotAllowed)
