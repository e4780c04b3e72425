"""Reading and changing the company settings stored in the ``setting`` table."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from app.domain.settings import SETTINGS, SettingError, setting
from app.errors import UserError
from app.store.models import SettingRow


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
    old = get_setting(session, key)
    row = session.get(SettingRow, key)
    if row is None:
        session.add(SettingRow(key=key, value=new))
    else:
        row.value = new
        session.add(row)
    return old, new
