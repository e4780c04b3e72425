"""The settings service: the company settings, each with its help, read and changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.domain.roles import Permission
from app.domain.settings import SETTINGS, Setting, SettingError, setting
from app.errors import UserError
from app.operations.settings import all_settings, set_setting
from app.services.team import check
from app.store.database import Store


@dataclass(frozen=True)
class SettingView:
    key: str
    value: Any  # bool, int or str, as the setting's kind says
    default: Any
    kind: str  # "on_off", "number" or "text"
    help: str

    @property
    def text(self) -> str:
        """The value as it is typed in (``on``/``off`` for a switch)."""
        if isinstance(self.value, bool):
            return "on" if self.value else "off"
        return str(self.value)


@dataclass(frozen=True)
class SettingChange:
    key: str
    old: Any
    new: Any


class SettingsRefused(UserError):
    """Changes of which some were refused (so none was made): the reason for each refused
    one by setting key, for a form to show each at its field."""

    def __init__(self, reasons: dict[str, str]) -> None:
        super().__init__("; ".join(reasons.values()))
        self.reasons = reasons


def _kind(definition: Setting) -> str:
    if definition.kind is bool:
        return "on_off"
    return "number" if definition.kind is int else "text"


def _as_text(definition: Setting, value: object) -> str:
    """A typed value as the text the setting parses, refusing a value of the wrong type."""
    if isinstance(value, str):
        return value
    if definition.kind is bool and isinstance(value, bool):
        return "on" if value else "off"
    if definition.kind is int and isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # a negative number is refused by the setting itself
    wanted = {"on_off": "on or off", "number": "a whole number", "text": "text"}
    raise UserError(f"{definition.key} takes {wanted[_kind(definition)]}, not {value!r}")


class SettingsService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def all(self) -> list[SettingView]:
        """Every setting with its current value (the default for one never set)."""
        with self._store.session() as session:
            values = all_settings(session)
        return [SettingView(key, values[key], s.default, _kind(s), s.help)
                for key, s in SETTINGS.items()]

    def set(self, key: str, value: object) -> SettingChange:
        """Change one setting to ``value``: a typed value (True, 15…) or typed-in text."""
        return self.set_many([(key, value)])[0]

    def set_many(self, changes: Iterable[tuple[str, object]]) -> list[SettingChange]:
        """Change several settings at once: all of them, or none when one is refused
        (``SettingsRefused`` then gives the reason for each refused one). Changing them
        is a company admin's (``NotAllowed`` for anyone else); no changes is no change."""
        changes = list(changes)
        if changes:
            check(self._store, Permission.SETTINGS)
        done = []
        reasons: dict[str, str] = {}
        with self._store.session() as session:
            for key, value in changes:
                try:
                    try:
                        definition = setting(key)
                    except SettingError as exc:
                        raise UserError(str(exc)) from None
                    old, new = set_setting(session, key, _as_text(definition, value))
                except UserError as exc:
                    reasons[key] = str(exc)
                    continue
                done.append(SettingChange(key, old, new))
            if reasons:
                raise SettingsRefused(reasons)
        return done
