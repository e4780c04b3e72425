"""Errors that carry a message meant for the user, as opposed to bugs."""

from __future__ import annotations

from app.hints import Hinted


class UserError(Hinted):
    """Something the user can act on: a refused change, a bad file, a missing store.

    The message is shown as it is, so it must name the problem in plain words. What the
    user can do about it travels as hints (``app/hints.py``): the message holds ``{0}``,
    ``{1}``… where the command line prints a command and the window shows a button;
    ``str()`` gives the plain words.
    """

    exit_code = 1

    @classmethod
    def of(cls, error: BaseException, prefix: str = "") -> UserError:
        """``error`` (a ``ConnectError``, ``FieldError``, …) as a user error after ``prefix``,
        its hints kept."""
        advice = getattr(error, "advice", None)
        if advice is not None:
            return cls(prefix + advice.text, *advice.hints)
        return cls(f"{prefix}{error}")


class UsageError(UserError):
    """The command's words were off (exit code 2)."""

    exit_code = 2


class KeyringLocked(UserError):
    """QuickBooks' secrets are in SyncDesk's encrypted file and its passphrase was not given:
    the window asks for it (once a run) and tries again."""


class NotAllowed(UserError):
    """The acting user's role may not do this (``app.domain.roles``): the message names what,
    the role needed, who the user is and who can do it instead."""

    def __init__(self, text: str, permission: object = None) -> None:
        super().__init__(text)
        self.permission = permission  # the app.domain.roles.Permission refused
