import pytest

from app.domain.settings import SettingError, setting


@pytest.mark.parametrize("text, value", [("on", True), ("OFF", False), ("yes", True),
                                         ("0", False)])
def test_switches_take_on_and_off(text, value):
    assert setting("require_reapproval_after_edit").parse(text) is value


def test_bad_values_and_unknown_settings_are_named():
    with pytest.raises(SettingError, match="on or off"):
        setting("enable_po_date_editing").parse("maybe")
    with pytest.raises(SettingError, match="known settings"):
        setting("colour")
    with pytest.raises(SettingError, match="three-letter"):
        setting("home_currency").parse("dollars")
    assert setting("auto_sync_minutes").parse("15") == 15


def test_the_home_currency_must_be_an_iso_4217_code():
    assert setting("home_currency").parse("eur") == "EUR"
    with pytest.raises(SettingError, match="ISO 4217"):
        setting("home_currency").parse("XYZ")
