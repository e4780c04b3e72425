"""``syncdesk users`` and the command line's refusals by role (issue 17).

Signs in as the team's people with ``people`` (``tests/team_people.py``): the OS user on
a SQLite store, a database login of their own on PostgreSQL.
"""

from __future__ import annotations

import json

import pytest

from tests.team_people import People


@pytest.fixture
def company(cli, people: People) -> People:
    """A store whose team is ann (company admin) and bob (standard user)."""
    ann, bob = people.logins("ann", "bob")
    as_ann = people.sign_in("ann")
    assert cli("init", "--db", as_ann).code == 0
    added = cli("users", "add", bob, "--role", "standard", "--name", "Bob Lee", "--db", as_ann)
    assert added.code == 0, added.err
    assert added.out.splitlines()[:2] == [f"Added {ann} as company admin.",
                                          f"Added Bob Lee ({bob}) as standard user."]
    return people


def test_a_company_without_a_team_says_so(cli, people: People):
    as_ann = people.sign_in("ann")
    assert cli("init", "--db", as_ann).code == 0
    result = cli("users", "--db", as_ann)
    assert result.code == 0
    assert f"signed in as {people.login('ann')}. This company has no team yet" in result.out


def test_the_listing_marks_you_and_says_your_role(cli, company: People):
    ann, bob = company.logins("ann", "bob")
    as_bob = company.sign_in("bob")
    result = cli("users", "--db", as_bob)
    assert result.code == 0
    you = [line for line in result.out.splitlines() if line.startswith("you")]
    assert len(you) == 1 and bob in you[0] and "standard user" in you[0]
    assert result.out.rstrip().endswith(f"You are signed in as {bob} (standard user).")
    data = json.loads(cli("users", "--json", "--db", as_bob).out)
    assert data["you"]["role"] == "standard" and data["you"]["may"]["settings"] is False
    assert [(m["login"], m["role"], m["you"]) for m in data["team"]] == [
        (ann, "admin", False), (bob, "standard", True)]


def test_a_standard_user_is_refused_an_admins_work(cli, company: People, tmp_path):
    ann, bob = company.logins("ann", "bob")
    as_bob = company.sign_in("bob")
    for args in (("settings", "--set", "auto_sync_minutes=5"), ("log",),
                 ("backup", tmp_path / "copy.db"), ("disconnect",),
                 ("users", "add", "carl", "--role", "standard")):
        result = cli(*args, "--db", as_bob)
        assert result.code == 1, args
        assert result.err.strip().endswith(
            f"you are signed in as {bob} (standard user). Ask {ann}."), result.err
        assert "only a company admin can" in result.err
    assert cli("settings", "--db", as_bob).code == 0  # looking is everyone's
    assert not (tmp_path / "copy.db").exists()


def test_the_team_changes_by_command(cli, company: People):
    ann, bob = company.logins("ann", "bob")
    as_ann = company.sign_in("ann")
    result = cli("users", "set-role", bob, "--role", "finance user", "--db", as_ann)
    assert result.code == 0 and f"{bob} was standard user, is finance user now." in result.out
    refused = cli("users", "remove", ann, "--db", as_ann)
    assert refused.code == 1 and "only company admin" in refused.err
    assert cli("users", "remove", bob, "--db", as_ann).code == 0
    assert bob not in cli("users", "--db", as_ann).out


def test_the_words_of_a_team_command_are_checked(cli, company: People):
    as_ann = company.sign_in("ann")
    assert cli("users", "add", "--db", as_ann).code == 2
    missing_role = cli("users", "add", "carl", "--db", as_ann)
    assert missing_role.code == 2 and "needs --role" in missing_role.err
    bad = cli("users", "add", "carl", "--role", "boss", "--db", as_ann)
    assert bad.code == 1 and "there is no role 'boss'" in bad.err


def test_a_login_not_on_the_team_changes_nothing(cli, company: People):
    zed, ann = company.logins("zed", "ann")
    as_zed = company.sign_in("zed")
    result = cli("users", "--db", as_zed)
    assert result.code == 0 and f"{zed}, who is not on this company's team" in result.out
    refused = cli("init", "--db", as_zed)
    assert refused.code == 1
    assert f"Ask a company admin ({ann}) to add you." in refused.err
