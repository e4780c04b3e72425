"""Errors that carry a message meant for the user, as opposed to bugs."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can act on: a refused change, a bad file, a missing store.

    The message is shown as it is, so it must name the problem in plain words.
    """

    exit_code = 1


class UsageError(UserError):
    """The command's words were off (exit code 2)."""

    exit_code = 2
