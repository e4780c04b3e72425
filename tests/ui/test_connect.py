"""Connecting from the window (issue 14): File → QuickBooks Connect… / Reconnect… /
Disconnect against a real sandbox, a Cancel during the browser wait, the pasted address,
the keychain-missing offer of the encrypted file, and the hosted redirect page's hand-off
(its own script, run by QJSEngine) to the real loopback listener."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import keyring
import pytest
import requests
from keyring.backends import fail
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from app.errors import UserError
from app.qbo.oauth import CallbackListener, follow_redirects, handoff_state
from app.services.connection import ConnectOptions
from tests.qbo.conftest import memory_keyring, sandbox  # noqa: F401  (fixtures)
from tests.ui.window_driving import window_on_store

DEMO_ID, DEMO_SECRET = "syncdesk-demo", "syncdesk-demo-secret"  # the sandbox's published ones
PAGE = "https://books.example-firm.com/syncdesk/redirect.html"
REDIRECT_HTML = Path(__file__).resolve().parents[2] / "resources" / "oauth" / "redirect.html"
WAIT = 30000


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, store, db_path, settings, memory_keyring):  # noqa: F811
    """The window on a company that is not connected yet."""
    shown = window_on_store(qtbot, db_path, settings)
    menu = shown.connection_menu
    qtbot.waitUntil(lambda: menu.health is not None, timeout=WAIT)
    yield shown
    shown.close()


def words(window) -> str:
    return window.company.text()


def enabled(window) -> tuple[bool, bool, bool]:
    menu = window.connection_menu
    return (menu.connect_action.isEnabled(), menu.reconnect_action.isEnabled(),
            menu.disconnect_action.isEnabled())


def connect_local(qtbot, window, sandbox, dialog=None) -> None:  # noqa: F811
    dialog = dialog or window.connect_dialog
    dialog.choose("local")
    dialog.base_url.setText(sandbox.base_url)
    with qtbot.waitSignal(dialog.connected, timeout=WAIT):
        dialog.connect_button.click()


def intuit_dialog(window, sandbox, browser):  # noqa: F811
    """The connect dialog on Intuit's sandbox keys, its sign-in served by ``sandbox`` and
    its browser ``browser``."""
    window.connection_menu.connect_action.trigger()
    dialog = window.connect_dialog
    dialog.choose("intuit-sandbox")
    dialog.server = sandbox.base_url
    dialog.open_browser = browser
    dialog.client_id.setText(DEMO_ID)
    dialog.client_secret.setText(DEMO_SECRET)
    return dialog


def test_connect_and_disconnect_against_the_sandbox_from_the_window(
        qtbot, window, sandbox):  # noqa: F811
    menu = window.connection_menu
    assert menu.menu.title() == "&QuickBooks" and menu.menu in [
        a.menu() for a in window.menus["file"].actions()]
    assert words(window) == "Not connected to QuickBooks"
    assert enabled(window) == (True, False, False)

    menu.connect_action.trigger()
    dialog = window.connect_dialog
    assert dialog.isVisible()
    connect_local(qtbot, window, sandbox)
    qtbot.waitUntil(lambda: "(local sandbox)" in words(window), timeout=WAIT)
    qtbot.waitUntil(lambda: enabled(window) == (False, True, True), timeout=WAIT)
    assert window.services.connection.health().connected
    assert menu.last_words.startswith("Connected to ")

    menu.reconnect_action.trigger()  # sign in again, as it was connected
    again = window.connect_dialog
    assert again is not dialog and again.base_url.text() == sandbox.base_url
    with qtbot.waitSignal(again.connected, timeout=WAIT):
        again.connect_button.click()
    assert window.services.connection.health().connected

    menu.disconnect_action.trigger()  # No: nothing changes
    box = menu.confirm
    assert box is not None and box.isVisible() and "Disconnect" in box.text()
    box.button(QMessageBox.StandardButton.No).click()
    qtbot.wait(200)
    assert window.services.connection.health().connected

    menu.disconnect_action.trigger()
    menu.confirm.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: words(window) == "Not connected to QuickBooks", timeout=WAIT)
    qtbot.waitUntil(lambda: enabled(window) == (True, False, False), timeout=WAIT)
    assert not window.services.connection.health().connected
    assert menu.last_words.startswith("Disconnected from ")
    assert "gave back its access" in menu.last_words
    assert window.statusBar().currentMessage() == menu.last_words


def test_cancel_during_the_browser_wait_leaves_it_disconnected(
        qtbot, window, sandbox, memory_keyring):  # noqa: F811
    opened: list[str] = []
    dialog = intuit_dialog(window, sandbox, opened.append)  # the user never signs in
    assert not dialog.paste_address.isEnabled()
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Waiting for you to sign in"),
                    timeout=WAIT)
    assert len(opened) == 1 and "redirect_uri=http%3A%2F%2Flocalhost" in opened[0]
    assert dialog.paste_address.isEnabled()  # the fallback, while it waits
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled(), timeout=WAIT)
    assert dialog.status.text() == "Not connected: you stopped the sign-in."
    assert dialog.isVisible()
    assert not window.services.connection.health().connected
    assert memory_keyring.items == {}
    assert DEMO_SECRET not in dialog.status.text()
    dialog.cancel_button.click()  # nothing runs: Cancel closes
    assert not dialog.isVisible()


def ended_on(url: str) -> str:
    """The user signs in: the address the browser ends on (Intuit's redirect, not
    followed)."""
    answer = requests.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    return answer.headers["Location"]


def test_the_pasted_address_connects_and_a_wrong_state_is_refused(
        qtbot, window, sandbox, settings):  # noqa: F811
    addresses: list[str] = []
    dialog = intuit_dialog(window, sandbox, lambda url: addresses.append(ended_on(url)))
    dialog.redirect_page.setText(PAGE)
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: bool(addresses) and dialog.paste_button.isEnabled(), timeout=WAIT)
    assert addresses[0].startswith(PAGE + "?")
    wrong = re.sub(r"state=[^&]+", "state=12345.somebody-else", addresses[0])
    dialog.paste_address.setText(wrong)
    dialog.paste_button.click()
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled(), timeout=WAIT)
    assert "its state did not match" in dialog.status.text()
    assert "nothing was connected" in dialog.status.text()
    assert not window.services.connection.health().connected

    addresses.clear()
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: bool(addresses) and dialog.paste_button.isEnabled(), timeout=WAIT)
    dialog.paste_address.setText(addresses[0])
    with qtbot.waitSignal(dialog.connected, timeout=WAIT):
        dialog.paste_button.click()
    qtbot.waitUntil(lambda: "(Intuit sandbox)" in words(window), timeout=WAIT)
    assert settings.value("connect/redirectPage") == PAGE  # remembered, the secret is not
    assert DEMO_SECRET not in Path(settings.fileName()).read_text()
    window.connection_menu.reconnect_action.trigger()
    assert window.connect_dialog.redirect_page.text() == PAGE
    assert window.connect_dialog.client_id.text() == DEMO_ID
    window.connect_dialog.reject()


def test_a_missing_keychain_offers_the_encrypted_file_and_connects_with_it(
        qtbot, window, sandbox):  # noqa: F811
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # a machine without an OS keychain
    try:
        dialog = intuit_dialog(window, sandbox, follow_redirects)
        assert not dialog.keyring_box.isVisibleTo(dialog)
        dialog.connect_button.click()
        qtbot.waitUntil(lambda: dialog.keyring_box.isVisibleTo(dialog), timeout=WAIT)
        assert "no OS keychain" in dialog.status.text()
        assert "SYNCDESK_KEYRING_PASSPHRASE" in dialog.keyring_box.findChild(
            type(dialog.status)).text()
        dialog.passphrase.setText("correct horse battery")
        dialog.passphrase_again.setText("correct horse batter")
        dialog.keyring_button.click()
        assert "differ" in dialog.status.text()
        assert not window.services.connection.health().connected
        dialog.passphrase_again.setText("correct horse battery")
        with qtbot.waitSignal(dialog.connected, timeout=60000):
            dialog.keyring_button.click()
        assert "correct horse" not in dialog.status.text()
        qtbot.waitUntil(lambda: "(Intuit sandbox)" in words(window), timeout=WAIT)
    finally:
        keyring.set_keyring(before)


# --- the hosted redirect page ------------------------------------------------------------

def page_script() -> str:
    html = REDIRECT_HTML.read_text(encoding="utf-8")
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 1 and "src=" not in html and "http" not in scripts[0].replace(
        "http://127.0.0.1:", "")  # nothing loaded from anywhere, nothing sent elsewhere
    return scripts[0]


BROWSER = """
var fetched = [];
var assigned = [];
var elements = {};
function element(id) {
  if (!elements[id]) {
    elements[id] = {id: id, hidden: id === "paste" || id === "retry", textContent: "",
                    value: "", href: "", onclick: null, select: function () {}};
  }
  return elements[id];
}
var document = {getElementById: element};
var location = {href: HREF, search: SEARCH, assign: function (u) { assigned.push(u); }};
function fetch(url, options) {
  fetched.push(url);
  return {then: function (ok, failed) { if (REACHABLE) { ok({}); } else { failed({}); } }};
}
"""


def run_page(address: str, reachable: bool = True) -> dict:
    """The page's script, as a browser opened on ``address`` runs it: where it hands the
    answer on (``fetched``), and what it shows (``elements``)."""
    from PySide6.QtQml import QJSEngine

    engine = QJSEngine()
    search = "?" + urlsplit(address).query if urlsplit(address).query else ""
    setup = (BROWSER.replace("HREF", json.dumps(address)).replace("SEARCH", json.dumps(search))
             .replace("REACHABLE", "true" if reachable else "false"))
    for part in (setup, page_script()):
        result = engine.evaluate(part)
        assert not result.isError(), result.toString()
    answer = engine.evaluate("JSON.stringify({fetched: fetched, assigned: assigned, "
                             "elements: elements})")
    return json.loads(answer.toString())


def test_the_redirect_page_hands_code_state_and_realm_to_the_loopback_listener(qapp):
    with CallbackListener() as listener:
        state = handoff_state(listener.port)
        address = f"{PAGE}?code=AB11-one%2Btime&state={state}&realmId=9130357"
        ran = run_page(address)
        assert ran["fetched"] == [f"http://127.0.0.1:{listener.port}/callback?"
                                  f"code=AB11-one%2Btime&state={state}&realmId=9130357"]
        assert requests.get(ran["fetched"][0], timeout=10).status_code == 200
        assert listener.wait(5) == {"code": "AB11-one+time", "state": state,
                                    "realmId": "9130357"}
    shown = ran["elements"]
    assert "SyncDesk has your sign-in" in shown["status"]["textContent"]
    assert shown["paste"]["hidden"] and shown["address"]["value"] == address


def test_the_redirect_page_shows_its_address_to_paste_when_syncdesk_cannot_be_reached(qapp):
    address = f"{PAGE}?code=c1&state={handoff_state(49152)}&realmId=42"
    ran = run_page(address, reachable=False)
    shown = ran["elements"]
    assert not shown["paste"]["hidden"] and shown["address"]["value"] == address
    assert "could not hand the sign-in on" in shown["status"]["textContent"]
    assert not shown["retry"]["hidden"] and shown["forward"]["href"] == ran["fetched"][0]


@pytest.mark.parametrize("state", ["", "no-port-here", "99999.abc", "80.x/../evil",
                                   "443.abc@evil.example"])
def test_the_redirect_page_forwards_only_a_syncdesk_state_and_only_to_this_computer(
        qapp, state):
    ran = run_page(f"{PAGE}?code=c1&state={state}&realmId=42")
    assert ran["fetched"] == [] and ran["assigned"] == []
    assert not ran["elements"]["paste"]["hidden"]


def test_the_page_against_the_real_sign_in_and_a_wrong_state_is_refused(
        qapp, services, sandbox, memory_keyring):  # noqa: F811
    """The whole way: the sandbox redirects to the page, the page's script hands the
    answer to SyncDesk's listener, the exchange names the page; a state changed on the way
    (the port kept) reaches the listener and is refused."""
    options = ConnectOptions("intuit-sandbox", sandbox.base_url, DEMO_ID, DEMO_SECRET,
                             redirect_page=PAGE)

    def browser(tamper: bool):
        def open_page(url: str) -> None:
            address = ended_on(url)
            if tamper:
                address = re.sub(r"(state=\d+\.)[^&]+", r"\1another-request", address)
            for to in run_page(address)["fetched"]:
                requests.get(to, timeout=10)
        return open_page

    with pytest.raises(UserError, match=r"its state did not match"):
        services.connection.connect(options, browser(True), timeout=10)
    assert not services.connection.health().connected
    report = services.connection.connect(options, browser(False), timeout=10)
    assert report.realm_id and services.connection.health().connected


@pytest.fixture
def services(store):
    from app.services import Services

    return Services.for_store(store)


def test_the_dialog_saves_a_copy_of_the_redirect_page_for_the_firms_website(qtbot, window,
                                                                            tmp_path):
    window.connection_menu.connect_action.trigger()
    dialog = window.connect_dialog
    dialog.choose("production")
    assert dialog.save_page_button.isVisibleTo(dialog)
    assert "resources/" not in dialog.redirect_help.text()  # no source-tree path for users
    target = dialog.save_page(tmp_path / "redirect.html")
    assert target is not None and target.read_bytes() == \
        (Path(__file__).resolve().parents[2] / "resources/oauth/redirect.html").read_bytes()
    assert str(target) in dialog.status.text()
    assert dialog.save_page(tmp_path / "no such folder" / "redirect.html") is None
    assert "Could not save" in dialog.status.text()
    dialog.reject()
