"""The settings service without the command line: every setting with its help; changes."""

from __future__ import annotations

import pytest

from app.domain.settings import SETTINGS
from app.errors import UserError


def values(services) -> dict[str, object]:
    return {s.key: s.value for s in services.settings.all()}


def test_every_setting_with_its_default_kind_and_help(services):
    shown = services.settings.all()
    assert [s.key for s in shown] == list(SETTINGS)
    by_key = {s.key: s for s in shown}
    po_dates = by_key["enable_po_date_editing"]
    assert po_dates.value is False and po_dates.default is False and po_dates.kind == "on_off"
    assert po_dates.text == "off" and "PO date" in po_dates.help
    assert by_key["auto_sync_minutes"].kind == "number"
    assert by_key["auto_sync_minutes"].text == "0"
    assert by_key["company_name"].kind == "text"
    assert all(s.help for s in shown)


def test_set_takes_a_typed_value(services):
    change = services.settings.set("enable_po_date_editing", True)
    assert (change.key, change.old, change.new) == ("enable_po_date_editing", False, True)
    services.settings.set("auto_sync_minutes", 15)
    shown = values(services)
    assert shown["enable_po_date_editing"] is True and shown["auto_sync_minutes"] == 15


def test_set_takes_typed_in_text(services):
    services.settings.set("require_reapproval_after_edit", "off")
    services.settings.set("auto_sync_minutes", " 30 ")
    services.settings.set("home_currency", "eur")
    shown = values(services)
    assert shown["require_reapproval_after_edit"] is False
    assert shown["auto_sync_minutes"] == 30 and shown["home_currency"] == "EUR"


@pytest.mark.parametrize(("key", "value", "words"), [
    ("enable_po_date_editing", 1, "takes on or off"),
    ("auto_sync_minutes", True, "takes a whole number"),
    ("auto_sync_minutes", -5, "takes a whole number"),
    ("auto_sync_minutes", "soon", "takes a whole number"),
    ("company_name", 7, "takes text"),
    ("no_such_setting", "on", "no setting called 'no_such_setting'"),
])
def test_a_value_a_setting_cannot_take_is_refused(services, key, value, words):
    before = values(services)
    with pytest.raises(UserError, match=words):
        services.settings.set(key, value)
    assert values(services) == before


def test_several_changes_are_all_made_or_none(services):
    with pytest.raises(UserError):
        services.settings.set_many([("enable_po_date_editing", True),
                                    ("auto_sync_minutes", "never")])
    assert values(services)["enable_po_date_editing"] is False
    changes = services.settings.set_many([("enable_po_date_editing", "on"),
                                          ("company_name", "Larkspur")])
    assert [c.new for c in changes] == [True, "Larkspur"]
    assert values(services)["company_name"] == "Larkspur"


def test_the_default_expense_account_names_an_account_of_the_chart(services):
    assert values(services)["default_expense_account"] == ""
    change = services.settings.set("default_expense_account", " supplies & materials ")
    assert change.new == "Supplies & Materials"  # as the chart spells it
    services.settings.set("default_expense_account", "")  # empty: none
    assert values(services)["default_expense_account"] == ""


@pytest.mark.parametrize(("name", "words"), [
    ("Petty Cash Jar", "no account called 'Petty Cash Jar'"),
    ("Accounts Payable (A/P)", "only takes expense or cost-of-goods accounts"),
])
def test_a_default_expense_account_no_line_can_take_is_refused(services, name, words):
    with pytest.raises(UserError, match=words):
        services.settings.set("default_expense_account", name)
    assert values(services)["default_expense_account"] == ""


def test_refused_changes_give_the_reason_for_each_setting(services):
    from app.services.settings import SettingsRefused

    with pytest.raises(SettingsRefused) as refused:
        services.settings.set_many([("company_name", "Larkspur"), ("home_currency", "XYZ"),
                                    ("default_expense_account", "Nowhere")])
    assert set(refused.value.reasons) == {"home_currency", "default_expense_account"}
    assert "ISO 4217" in refused.value.reasons["home_currency"]
    assert values(services)["company_name"] == "My Company"
