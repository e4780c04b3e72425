"""Errors that carry a message meant for the user, as opposed to bugs."""

from __future__ import annotations

from app.hints import Advice, Hint, HintText, plain


class UserError(Exception):
    """Something the user can act on: a refused change, a bad file, a missing store.

    The message is shown as it is, so it must name the problem in plain words. What the
    user can do about it travels as hints (``app/hints.py``): the message holds ``{0}``,
    ``{1}``… where the command line prints a command and the window shows a button;
    ``str()`` gives the plain words.
    """

    exit_code = 1

    def __init__(self, message: str = "", *hints: Hint) -> None:
        self.advice = Advice(message, *hints)
        super().__init__(self.advice.words(plain) if hints else message)

    @property
    def hints(self) -> tuple[Hint, ...]:
        advice = getattr(self, "advice", None)
        return advice.hints if advice is not None else ()

    def words(self, as_text: HintText = plain) -> str:
        """The message with its hints shown by ``as_text`` (a command, a button label…)."""
        advice = getattr(self, "advice", None)
        if advice is None or not advice.hints:
            return str(self)
        return advice.words(as_text)


class UsageError(UserError):
    """The command's words were off (exit code 2)."""

    exit_code = 2
