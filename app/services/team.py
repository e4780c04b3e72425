"""The team service: who is acting on this company, their role, what they may do, and the
team's members (``app.domain.roles`` has the table of who may do what).

Other services ask ``check(store, permission)`` before a guarded change; the window asks
``permissions()`` once a company opens and disables what the role may not do, with the
reason as the tooltip (it never knows the roles itself).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from app.domain.roles import Permission, Role, RoleError, parse_role
from app.errors import UserError
from app.operations import team
from app.operations.actor import engine_login
from app.store.database import Store
from app.store.models import TeamUser


@dataclass(frozen=True)
class Member:
    login: str
    name: str
    role: Role
    added_at: datetime
    added_by: str
    you: bool  # the acting user

    @property
    def role_words(self) -> str:
        return self.role.words

    def as_json(self) -> dict[str, object]:
        return {"login": self.login, "name": self.name, "role": self.role.value,
                "role_name": self.role.words, "added_at": self.added_at.isoformat(),
                "added_by": self.added_by, "you": self.you}


@dataclass(frozen=True)
class Permissions:
    """What the acting user may do on this company: ``may(p)``, and ``why_not(p)`` the plain
    words of a refusal (for a tooltip)."""

    login: str
    role: Role | None  # None: the store has a team and this login is not on it
    single_user: bool  # no team: a one-person store, its user is company admin
    refusals: dict[Permission, str] = field(default_factory=dict)

    def may(self, permission: Permission) -> bool:
        return permission not in self.refusals

    def why_not(self, permission: Permission) -> str:
        return self.refusals.get(permission, "")

    @property
    def role_words(self) -> str:
        return self.role.words if self.role is not None else "not on the team"

    def as_json(self) -> dict[str, object]:
        return {"login": self.login, "role": self.role.value if self.role else None,
                "role_name": self.role_words, "single_user": self.single_user,
                "may": {p.value: self.may(p) for p in Permission}}


Login = Callable[[], str]


def store_login(store: Store) -> Login:
    """The acting login on ``store`` (asked when first needed)."""
    return lambda: engine_login(store.engine)


def check(store: Store, permission: Permission, login: str | None = None) -> None:
    """Refuse (``app.errors.NotAllowed``) unless the acting user (``login``, else the
    store's) may do what ``permission`` covers."""
    with store.session() as session:
        team.require(session, login or engine_login(store.engine), permission)


def role_from(value: Role | str) -> Role:
    if isinstance(value, Role):
        return value
    try:
        return parse_role(value)
    except RoleError as exc:
        raise UserError(str(exc)) from None


class TeamService:
    def __init__(self, store: Store, actor: Login | None = None) -> None:
        self._store = store
        self._actor = actor or store_login(store)

    @property
    def login(self) -> str:
        """Who is acting: the PostgreSQL login, or the OS user on SQLite."""
        return self._actor()

    def check(self, permission: Permission) -> None:
        check(self._store, permission, self.login)

    def permissions(self) -> Permissions:
        login = self.login
        with self._store.session() as session:
            role = team.role_of(session, login)
            single = not team.members(session)
            refusals = {p: why for p in Permission
                        if (why := team.refusal(session, login, p)) is not None}
        return Permissions(login, role, single, refusals)

    def members(self) -> list[Member]:
        login = self.login
        with self._store.session() as session:
            return [_member(m, login) for m in team.members(session)]

    def add(self, login: str, role: Role | str, name: str | None = None) -> list[Member]:
        """Add a member; returns those added (the person adding comes first when the team
        was empty and they are not the one added: they become its company admin)."""
        chosen = role_from(role)
        actor = self.login
        with self._store.session() as session:
            added = team.add_member(session, actor, login, chosen, name)
            return [_member(m, actor) for m in added]

    def set_role(self, login: str, role: Role | str) -> tuple[Role, Role]:
        """Change a member's role; returns (old, new)."""
        chosen = role_from(role)
        with self._store.session() as session:
            return team.set_role(session, self.login, login, chosen)

    def remove(self, login: str) -> Member:
        actor = self.login
        with self._store.session() as session:
            return _member(team.remove_member(session, actor, login), actor)


def _member(row: TeamUser, login: str) -> Member:
    return Member(row.login, row.name, Role(row.role), row.added_at, row.added_by,
                  row.login == login)
