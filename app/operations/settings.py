"""Reading and changing the company settings stored in the ``setting`` table."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from app.domain.qbo_limits import NOT_ON_PURCHASE_LINES
from app.domain.settings import SETTINGS, SettingError, setting
from app.errors import UserError
from app.operations.lookup import account_by_name
from app.store.models import SettingRow

#: Account types QuickBooks refuses on a purchase line (as the preflight check does).
NOT_ON_LINES = NOT_ON_PURCHASE_LINES


def all_settings(session: Session) -> dict[str, Any]:
    """Every setting with its current value (defaults for the ones never set)."""
    values = {key: s.default for key, s in SETTINGS.items()}
    for row in session.exec(select(SettingRow)):
        if row.key in values:
            values[row.key] = row.value
    return values


def get_setting(session: Session, key: str) -> Any:
    row = session.get(SettingRow, key)
    return setting(key).default if row is None else row.value


def set_setting(session: Session, key: str, text: str) -> tuple[Any, Any]:
    """Set ``key`` from typed-in text; returns (old, new). Unknown keys and bad values refuse."""
    try:
        new = setting(key).parse(text)
    except SettingError as exc:
        raise UserError(str(exc)) from exc
    if key == "default_expense_account" and new:
        new = _line_account(session, new)
    old = get_setting(session, key)
    row = session.get(SettingRow, key)
    if row is None:
        session.add(SettingRow(key=key, value=new))
    else:
        row.value = new
        session.add(row)
    return old, new


def _line_account(session: Session, name: str) -> str:
    """The name of an account a purchase line can take (as the chart spells it), or why not."""
    account = account_by_name(session, name)
    if account is None:
        raise UserError(f"there is no account called {name!r} in the chart of accounts")
    if account.account_type in NOT_ON_LINES:
        raise UserError(f"{account.name} is an {account.account_type} account; QuickBooks only "
                        "takes expense or cost-of-goods accounts on purchase lines")
    return account.name
