"""The company settings: names, types, defaults and how they are typed in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.domain.money import MoneyError, parse_currency

_TRUE = {"on", "true", "yes", "1"}
_FALSE = {"off", "false", "no", "0"}


class SettingError(ValueError):
    """An unknown setting or a value it cannot take."""


@dataclass(frozen=True)
class Setting:
    key: str
    kind: type
    default: Any
    help: str
    optional: bool = False  # a text setting that may be left empty ("" means none)

    def parse(self, text: str) -> Any:
        """Turn typed-in text into this setting's value, or say why not."""
        raw = text.strip()
        if self.kind is bool:
            if raw.lower() in _TRUE:
                return True
            if raw.lower() in _FALSE:
                return False
            raise SettingError(f"{self.key} takes on or off, not {raw!r}")
        if self.kind is int:
            if not raw.isdigit():
                raise SettingError(f"{self.key} takes a whole number of 0 or more, not {raw!r}")
            return int(raw)
        if self.key == "home_currency":
            try:
                return parse_currency(raw)
            except MoneyError as exc:
                raise SettingError(str(exc)) from exc
        if not raw and not self.optional:
            raise SettingError(f"{self.key} cannot be empty")
        return raw


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting(
            "require_reapproval_after_edit",
            bool,
            True,
            "an edited approved PO goes back to pending and needs approving again",
        ),
        Setting(
            "enable_po_date_editing",
            bool,
            False,
            "allow setting a PO date; otherwise QuickBooks gets the approval date",
        ),
        Setting("company_name", str, "My Company", "the company this store keeps"),
        Setting("home_currency", str, "USD", "currency of new documents and suppliers"),
        Setting(
            "auto_sync_minutes",
            int,
            0,
            "sync every N minutes while the window is open (0: only on demand)",
        ),
        Setting(
            "default_expense_account",
            str,
            "",
            "the account a new line gets when it names neither an account nor an item "
            "(empty: none, such a line is refused)",
            optional=True,
        ),
    )
}


def setting(key: str) -> Setting:
    """Look up a setting by name, with a message listing the known ones."""
    try:
        return SETTINGS[key]
    except KeyError:
        known = ", ".join(sorted(SETTINGS))
        raise SettingError(f"no setting called {key!r}; known settings: {known}") from None
