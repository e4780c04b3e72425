"""Roles of a team's members and what each may do (issue 17, "Team mode").

A company store may list its team: each member is a login (on PostgreSQL the
database login, on SQLite the OS user) with one role. What a role may do:

=============================================  =============  ============  =============
what                                           company admin  finance user  standard user
=============================================  =============  ============  =============
create, edit, submit, approve documents;       yes            yes           yes
suppliers; import; sync, resend, exclude;
fix sync problems
approval override of a pending PO              yes            yes           no
company settings                               yes            no            no
connect, reconnect, disconnect QuickBooks      yes            no            no
the sync (error) log                           yes            no            no
back up and restore the company                yes            no            no
the team: add, change the role of, remove      yes            no            no
=============================================  =============  ============  =============

A store with no members at all is a one-person store: whoever opens it acts as
company admin (SyncDesk as it was before teams). A login that is not on a
non-empty list may read the company but change nothing (``Permission.WORK``
included): refusing is the safer choice, since a newcomer treated as a standard
user could approve and sync documents before an admin ever decided they belong.

The roles keep people from doing by mistake what is not theirs to do; on a
PostgreSQL store the database's grants are what protects the data itself.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    FINANCE = "finance"
    STANDARD = "standard"

    @property
    def words(self) -> str:
        """The role's plain name: "company admin", "finance user", "standard user"."""
        return _WORDS[self]


_WORDS = {Role.ADMIN: "company admin", Role.FINANCE: "finance user",
          Role.STANDARD: "standard user"}


class Permission(StrEnum):
    WORK = "work"  # documents, suppliers, import, sync, fixes: every member
    OVERRIDE_APPROVAL = "override_approval"
    SETTINGS = "settings"
    CONNECTION = "connection"
    SYNC_LOG = "sync_log"
    BACKUP_RESTORE = "backup_restore"
    MANAGE_USERS = "manage_users"

    @property
    def doing(self) -> str:
        """What the permission lets one do, to follow "only a company admin can …"."""
        return _DOING[self]


_DOING = {
    Permission.WORK: "change this company",
    Permission.OVERRIDE_APPROVAL: "approve a PO by approval override",
    Permission.SETTINGS: "change the company settings",
    Permission.CONNECTION: "change the connection to QuickBooks",
    Permission.SYNC_LOG: "see the sync log",
    Permission.BACKUP_RESTORE: "back up or restore the company",
    Permission.MANAGE_USERS: "change who is on the team",
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.FINANCE: frozenset({Permission.WORK, Permission.OVERRIDE_APPROVAL}),
    Role.STANDARD: frozenset({Permission.WORK}),
}


def may(role: Role | None, permission: Permission) -> bool:
    """Whether ``role`` may do what ``permission`` covers (None: not on the team)."""
    return role is not None and permission in ROLE_PERMISSIONS[role]


def roles_that_may(permission: Permission) -> tuple[Role, ...]:
    """The roles that may, most powerful first."""
    return tuple(r for r in Role if permission in ROLE_PERMISSIONS[r])


def needed_words(permission: Permission) -> str:
    """Who may, in words: "a company admin", "a finance user or a company admin"."""
    names = [r.words for r in reversed(roles_that_may(permission))]
    return " or ".join(f"a {n}" for n in names)


class RoleError(ValueError):
    """A role name SyncDesk does not know."""


def parse_role(text: str) -> Role:
    """A role from its short name (``admin``) or its plain name (``company admin``)."""
    key = " ".join(text.strip().lower().replace("_", " ").replace("-", " ").split())
    for role in Role:
        if key in (role.value, role.words):
            return role
    known = ", ".join(f"{r.value} ({r.words})" for r in Role)
    raise RoleError(f"there is no role {text.strip()!r}; the roles are {known}")
