"""Screenshots of the connect dialog, light and dark (skipped unless SYNCDESK_SHOTS is set):
``connect-dialog-*.png`` waiting for a production sign-in (the redirect page given, the
paste field open), ``connect-dialog-keychain-*.png`` offering the encrypted file."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail

from tests.qbo.conftest import memory_keyring, sandbox  # noqa: F401  (fixtures)
from tests.ui.shots import SHOTS, each_scheme, save
from tests.ui.test_connect import (  # noqa: F401  (fixtures)
    PAGE,
    WAIT,
    intuit_dialog,
    settings,
    window,
)

pytestmark = pytest.mark.skipif(not SHOTS, reason="set SYNCDESK_SHOTS to a folder")


def test_shots_of_the_connect_dialog(qtbot, window, sandbox):  # noqa: F811
    dialog = intuit_dialog(window, sandbox, lambda url: None)  # the browser, left waiting
    dialog.choose("production")
    dialog.redirect_page.setText(PAGE)
    dialog.client_id.setText("ABxk29QpLm7Yc0dT4sVn8eR1uHw3JzGiFo5bKq")
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: dialog.paste_button.isEnabled(), timeout=WAIT)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Waiting"), timeout=WAIT)
    dialog.paste_address.setText(PAGE + "?code=AB11734…&state=41235.Xq…&realmId=9130357")
    for scheme in each_scheme():
        save(dialog, f"connect-dialog-{scheme}.png")
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled(), timeout=WAIT)

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        dialog.choose("intuit-sandbox")
        dialog.connect_button.click()
        qtbot.waitUntil(lambda: dialog.keyring_box.isVisibleTo(dialog), timeout=WAIT)
        dialog.passphrase.setText("a passphrase")
        for scheme in each_scheme():
            save(dialog, f"connect-dialog-keychain-{scheme}.png")
    finally:
        keyring.set_keyring(before)
    dialog.reject()
