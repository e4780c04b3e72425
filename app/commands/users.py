"""``users``: the team that shares the company, and who you are on it.

``syncdesk users`` lists the team (you marked) and says who you are signed in as and your
role; ``users add LOGIN --role ROLE [--name NAME]``, ``users set-role LOGIN --role ROLE``
and ``users remove LOGIN`` change it (a company admin's).
"""

from __future__ import annotations

import argparse

from app.commands import Adder
from app.commands.common import add_json_flag, db_of, print_json, print_table, writes
from app.domain.roles import Role
from app.errors import UsageError
from app.services import open_company
from app.services.team import Member, Permissions

ACTIONS = ("list", "add", "set-role", "remove")
ROLES = ", ".join(f"{r.value} ({r.words})" for r in Role)


def register(add: Adder) -> None:
    users = add("users", run_users, "the team sharing this company: list, add, set-role, "
                                    "remove (and who you are on it)")
    users.add_argument("action", nargs="?", choices=ACTIONS, default="list",
                       help="list (the default), add, set-role or remove")
    users.add_argument("login", nargs="?",
                       help="the member's login: their PostgreSQL login, or their user name "
                            "on this computer for a company file")
    users.add_argument("--role", help=f"the role: {ROLES}")
    users.add_argument("--name", help="the member's name as people know it (add)")
    add_json_flag(users)


def run_users(args: argparse.Namespace) -> int:
    action = args.action
    if action != "list" and not args.login:
        raise UsageError(f"users {action} needs the member's login")
    if action in ("add", "set-role") and not args.role:
        raise UsageError(f"users {action} needs --role: {ROLES}")
    with open_company(db_of(args), write=writes(args)) as services:
        team = services.team
        if action == "add":
            for member in team.add(args.login, args.role, args.name):
                print(f"Added {_who(member)} as {member.role.words}.")
        elif action == "set-role":
            old, new = team.set_role(args.login, args.role)
            print(f"{args.login.strip()} was {old.words}, is {new.words} now." if old != new
                  else f"{args.login.strip()} is {new.words} already; nothing changed.")
        elif action == "remove":
            gone = team.remove(args.login)
            print(f"Removed {_who(gone)} from the team.")
        members = team.members()
        me = team.permissions()
    if action == "list":
        if args.json:
            print_json({"you": me.as_json(), "team": [m.as_json() for m in members]})
            return 0
        _print_team(members)
    print(_you(me))
    return 0


def _who(member: Member) -> str:
    return member.login if member.name in ("", member.login) \
        else f"{member.name} ({member.login})"


def _print_team(members: list[Member]) -> None:
    if not members:
        return
    print_table(("", "login", "name", "role", "added", "added by"),
                [("you" if m.you else "", m.login, m.name, m.role.words,
                  m.added_at.date().isoformat(), m.added_by) for m in members], shrink=(2,))
    print()


def _you(me: Permissions) -> str:
    if me.single_user:
        return (f"You are signed in as {me.login}. This company has no team yet: whoever "
                "opens it acts as its company admin.")
    if me.role is None:
        return (f"You are signed in as {me.login}, who is not on this company's team: you "
                "may look, not change anything.")
    return f"You are signed in as {me.login} ({me.role.words})."
