"""``syncdesk users`` and the command line's refusals by role (issue 17)."""

from __future__ import annotations

import json

import pytest

# Signs in as different people through the OS user (LOGNAME), which is who acts on a store
# file; on PostgreSQL the acting user is the database login, which
# tests/store/test_team_postgres.py signs in with.
pytestmark = pytest.mark.usefixtures("sqlite_only")


@pytest.fixture
def company(cli, db_path, monkeypatch: pytest.MonkeyPatch):
    """A store whose team is ann (company admin) and bob (standard user)."""
    monkeypatch.setenv("LOGNAME", "ann")
    assert cli("init", "--db", db_path).code == 0
    added = cli("users", "add", "bob", "--role", "standard", "--name", "Bob Lee", "--db", db_path)
    assert added.code == 0, added.err
    assert added.out.splitlines()[:2] == ["Added ann as company admin.",
                                          "Added Bob Lee (bob) as standard user."]
    return db_path


def test_a_company_without_a_team_says_so(cli, db_path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LOGNAME", "ann")
    assert cli("init", "--db", db_path).code == 0
    result = cli("users", "--db", db_path)
    assert result.code == 0
    assert "signed in as ann. This company has no team yet" in result.out


def test_the_listing_marks_you_and_says_your_role(cli, company,
                                                  monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LOGNAME", "bob")
    result = cli("users", "--db", company)
    assert result.code == 0
    you = [line for line in result.out.splitlines() if line.startswith("you")]
    assert len(you) == 1 and "bob" in you[0] and "standard user" in you[0]
    assert result.out.rstrip().endswith("You are signed in as bob (standard user).")
    data = json.loads(cli("users", "--json", "--db", company).out)
    assert data["you"]["role"] == "standard" and data["you"]["may"]["settings"] is False
    assert [(m["login"], m["role"], m["you"]) for m in data["team"]] == [
        ("ann", "admin", False), ("bob", "standard", True)]


def test_a_standard_user_is_refused_an_admins_work(cli, company, tmp_path,
                                                   monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LOGNAME", "bob")
    for args in (("settings", "--set", "auto_sync_minutes=5"), ("log",),
                 ("backup", tmp_path / "copy.db"), ("disconnect",),
                 ("users", "add", "carl", "--role", "standard")):
        result = cli(*args, "--db", company)
        assert result.code == 1, args
        assert result.err.strip().endswith(
            "you are signed in as bob (standard user). Ask ann."), result.err
        assert "only a company admin can" in result.err
    assert cli("settings", "--db", company).code == 0  # looking is everyone's
    assert not (tmp_path / "copy.db").exists()


def test_the_team_changes_by_command(cli, company, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LOGNAME", "ann")
    result = cli("users", "set-role", "bob", "--role", "finance user", "--db", company)
    assert result.code == 0 and "bob was standard user, is finance user now." in result.out
    refused = cli("users", "remove", "ann", "--db", company)
    assert refused.code == 1 and "only company admin" in refused.err
    assert cli("users", "remove", "bob", "--db", company).code == 0
    assert "bob" not in cli("users", "--db", company).out


def test_the_words_of_a_team_command_are_checked(cli, company):
    assert cli("users", "add", "--db", company).code == 2
    missing_role = cli("users", "add", "carl", "--db", company)
    assert missing_role.code == 2 and "needs --role" in missing_role.err
    bad = cli("users", "add", "carl", "--role", "boss", "--db", company)
    assert bad.code == 1 and "there is no role 'boss'" in bad.err


def test_a_login_not_on_the_team_changes_nothing(cli, company, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LOGNAME", "zed")
    result = cli("users", "--db", company)
    assert result.code == 0 and "zed, who is not on this company's team" in result.out
    refused = cli("init", "--db", company)
    assert refused.code == 1
    assert "Ask a company admin (ann) to add you." in refused.err
