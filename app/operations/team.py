"""The team that shares a company: its members, their roles, and the check each guarded
change makes (``require``). The rules are in ``app.domain.roles``.

Every function works inside the caller's session (one transaction). A store with no
members is a one-person store: its user acts as company admin. Changes to the team
never leave it without a company admin: the first member added makes the person adding
a company admin too (when they are not the one added), and removing or demoting the
last company admin is refused.
"""

from __future__ import annotations

import unicodedata

from sqlmodel import Session, col, select

from app.domain.roles import Permission, Role, may, needed_words
from app.errors import NotAllowed, UserError
from app.store.models import TeamUser

LOGIN_MAX = 63  # PostgreSQL's longest name (OS user names fit too)
NAME_MAX = 100


def members(session: Session, *, for_update: bool = False) -> list[TeamUser]:
    """The team, by login (empty: a one-person store). ``for_update`` locks the rows (on
    a database server) so that two admins changing the team at once cannot both remove
    the last other admin."""
    query = select(TeamUser).order_by(col(TeamUser.login))
    if for_update:
        query = query.with_for_update()
    return list(session.exec(query))


def find_member(session: Session, login: str) -> TeamUser | None:
    return session.exec(select(TeamUser).where(TeamUser.login == login)).first()


def role_of(session: Session, login: str) -> Role | None:
    """``login``'s role: company admin on a one-person store, None when the store has a
    team and ``login`` is not on it."""
    member = find_member(session, login)
    if member is not None:
        return Role(member.role)
    if session.exec(select(TeamUser.id).limit(1)).first() is None:
        return Role.ADMIN
    return None


def shown(member: TeamUser) -> str:
    """A member as people know them: the display name, else the login."""
    return member.name or member.login


def _names(people: list[TeamUser]) -> str:
    names = [shown(m) for m in people]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


def refusal(session: Session, login: str, permission: Permission) -> str | None:
    """Why ``login`` may not do what ``permission`` covers, in plain words; None when
    they may."""
    role = role_of(session, login)
    if may(role, permission):
        return None
    able = [m for m in members(session) if may(Role(m.role), permission)]
    ask = f" Ask {_names(able)}." if able else ""
    if role is None:
        admins = [m for m in members(session) if m.role == Role.ADMIN]
        return (f"you are signed in as {login}, who is not on this company's team: only "
                f"its members can {permission.doing}. Ask a company admin "
                f"({_names(admins)}) to add you.")
    return (f"only {needed_words(permission)} can {permission.doing}; "
            f"you are signed in as {login} ({role.words}).{ask}")


def require(session: Session, login: str, permission: Permission) -> None:
    """Refuse (``NotAllowed``) unless ``login``'s role may do what ``permission`` covers."""
    why = refusal(session, login, permission)
    if why is not None:
        raise NotAllowed(why, permission)


def clean_login(login: str) -> str:
    value = login.strip()
    if not value:
        raise UserError("a team member needs a login: the name they sign in with")
    if len(value) > LOGIN_MAX:
        raise UserError(f"a login has at most {LOGIN_MAX} characters; {value[:20]}… has "
                        f"{len(value)}")
    if any(unicodedata.category(c).startswith(("C", "Z")) and c != " " for c in value) \
            or " " in value:
        raise UserError(f"a login has no spaces or control characters: {value!r}")
    return value


def _clean_name(name: str | None, login: str) -> str:
    value = " ".join((name or "").split())
    if len(value) > NAME_MAX:
        raise UserError(f"a display name has at most {NAME_MAX} characters")
    return value or login


def add_member(session: Session, actor: str, login: str, role: Role,
               name: str | None = None) -> list[TeamUser]:
    """Add ``login`` with ``role``; returns the members added (the first member added
    by someone else brings the person adding in as company admin, first)."""
    require(session, actor, Permission.MANAGE_USERS)
    login = clean_login(login)
    team = members(session, for_update=True)
    if any(m.login == login for m in team):
        raise UserError(f"{login} is on the team already; change their role instead")
    added = []
    if not team and login != actor:
        added.append(TeamUser(login=actor, name=actor, role=Role.ADMIN.value, added_by=actor))
    elif not team and role is not Role.ADMIN:
        raise UserError(f"the team's first member must be a company admin, or nobody could "
                        f"change the settings or the team any more; add {login} as a "
                        f"company admin, or add the others first")
    added.append(TeamUser(login=login, name=_clean_name(name, login), role=role.value,
                          added_by=actor))
    for member in added:
        session.add(member)
    session.flush()
    return added


def set_role(session: Session, actor: str, login: str, role: Role) -> tuple[Role, Role]:
    """Give ``login`` another role; returns (old, new)."""
    require(session, actor, Permission.MANAGE_USERS)
    team = members(session, for_update=True)
    member = _member(team, login)
    old = Role(member.role)
    if old is Role.ADMIN and role is not Role.ADMIN:
        _keep_an_admin(team, member, f"make {shown(member)} a {role.words}")
    member.role = role.value
    session.add(member)
    return old, role


def remove_member(session: Session, actor: str, login: str) -> TeamUser:
    """Take ``login`` off the team."""
    require(session, actor, Permission.MANAGE_USERS)
    team = members(session, for_update=True)
    member = _member(team, login)
    if member.role == Role.ADMIN:
        _keep_an_admin(team, member, f"remove {shown(member)}")
    session.delete(member)
    return member


def _member(team: list[TeamUser], login: str) -> TeamUser:
    wanted = login.strip()
    for member in team:
        if member.login == wanted:
            return member
    on = ", ".join(m.login for m in team) or "nobody yet"
    raise UserError(f"{wanted} is not on the team (on it: {on})")


def _keep_an_admin(team: list[TeamUser], leaving: TeamUser, doing: str) -> None:
    if not any(m.role == Role.ADMIN and m is not leaving for m in team):
        raise UserError(f"{shown(leaving)} is the team's only company admin: make someone "
                        f"else a company admin first, then {doing}")
