"""Production keys: the https redirect page that hands the answer on, the pasted address
(with the same state check), the production rule, and no OS keychain (issue 14)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import keyring
import pytest
import requests
from keyring.backends import fail

from app.errors import UserError
from app.services.connection import ConnectOptions, KeychainMissing, PastedAddress
from tests.services.test_connection_service import DEMO_ID, DEMO_SECRET, nothing_kept

PAGE = "https://books.example-firm.com/syncdesk/redirect.html"


def intuit(sandbox, **more) -> ConnectOptions:
    """Intuit's sandbox environment, its sign-in served by the SyncDesk sandbox."""
    return ConnectOptions("intuit-sandbox", sandbox.base_url, DEMO_ID, DEMO_SECRET, **more)


def signed_in(url: str) -> str:
    """The user signs in: the address Intuit sends the browser to (not followed)."""
    answer = requests.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    return answer.headers["Location"]


def test_the_redirect_page_is_where_intuit_sends_the_answer_and_the_exchange_names_it(
        services, sandbox, memory_keyring):
    ended_on: list[str] = []

    def browser_and_page(url: str) -> None:
        assert parse_qs(urlsplit(url).query)["redirect_uri"] == [PAGE]
        address = signed_in(url)
        ended_on.append(address)
        # What resources/oauth/redirect.html does (tests/ui/test_connect.py runs the page
        # itself): the port from the state, the answer on to the loopback listener.
        state = parse_qs(urlsplit(address).query)["state"][0]
        port = state.split(".", 1)[0]
        requests.get(f"http://127.0.0.1:{port}/callback?{urlsplit(address).query}",
                     timeout=10)

    report = services.connection.connect(intuit(sandbox, redirect_page=PAGE),
                                         browser_and_page, timeout=10)
    assert ended_on[0].startswith(PAGE + "?")
    assert report.realm_id and services.connection.health().connected


def test_a_pasted_address_connects(services, sandbox, memory_keyring):
    pasted = PastedAddress()

    def browser(url: str) -> None:  # the page could not reach SyncDesk: the user pastes
        pasted.paste("  " + signed_in(url) + "\n")

    report = services.connection.connect(intuit(sandbox, redirect_page=PAGE), browser,
                                         timeout=10, pasted=pasted)
    assert report.realm_id and services.connection.health().connected
    assert "code" not in repr(pasted)


def test_a_pasted_address_without_a_redirect_page_connects_too(services, sandbox,
                                                             memory_keyring):
    pasted = PastedAddress()
    report = services.connection.connect(intuit(sandbox), lambda url: pasted.paste(
        signed_in(url)), timeout=10, pasted=pasted)
    assert report.realm_id


def with_state(address: str, state: str | None) -> str:
    parts = urlsplit(address)
    query = {k: v[0] for k, v in parse_qs(parts.query).items() if k != "state"}
    if state is not None:
        query["state"] = state
    return parts._replace(query="&".join(f"{k}={v}" for k, v in query.items())).geturl()


@pytest.mark.parametrize(("state", "said"), [
    ("12345.another-sign-in", r"answers another sign-in \(its state did not match\)"),
    (None, "has no state"),
])
def test_a_pasted_address_with_a_wrong_or_missing_state_is_refused(
        services, store, sandbox, memory_keyring, state, said):
    pasted = PastedAddress()
    codes: list[str] = []

    def browser(url: str) -> None:
        address = signed_in(url)
        codes.append(parse_qs(urlsplit(address).query)["code"][0])
        pasted.paste(with_state(address, state))

    with pytest.raises(UserError, match=said) as refused:
        services.connection.connect(intuit(sandbox, redirect_page=PAGE), browser,
                                    timeout=10, pasted=pasted)
    assert "nothing was connected" in str(refused.value)
    assert codes[0] not in str(refused.value)  # the code is never repeated back
    assert nothing_kept(store, memory_keyring)


def test_a_pasted_address_without_an_answer_says_what_to_paste(services, store, sandbox,
                                                               memory_keyring):
    pasted = PastedAddress()
    with pytest.raises(UserError, match="holds no sign-in answer"):
        services.connection.connect(intuit(sandbox, redirect_page=PAGE),
                                    lambda url: pasted.paste(PAGE), timeout=10,
                                    pasted=pasted)
    assert nothing_kept(store, memory_keyring)


def test_a_redirect_page_must_be_https(services, store, sandbox, memory_keyring):
    opened: list[str] = []
    for page in ("http://books.example-firm.com/redirect.html", "127.0.0.1/redirect",
                 PAGE + "?x=1"):
        with pytest.raises(UserError, match="redirect page"):
            services.connection.connect(intuit(sandbox, redirect_page=page), opened.append,
                                        timeout=10)
    assert opened == [] and nothing_kept(store, memory_keyring)


def test_production_keys_need_the_redirect_page(services, store, memory_keyring):
    options = ConnectOptions("production", client_id="app-id", client_secret="app-secret")
    assert options.needs_redirect_page
    opened: list[str] = []
    with pytest.raises(UserError, match="Production keys need an https redirect page") as e:
        services.connection.connect(options, opened.append, timeout=10)
    assert "app-secret" not in str(e.value)
    assert opened == [] and connection_row(store) is None


def connection_row(store):
    from app.connection.service import connection

    return connection(store)


def test_no_os_keychain_is_its_own_error_and_the_encrypted_keyring_connects(
        services, sandbox, tmp_path):
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # a machine without an OS keychain
    try:
        opened: list[str] = []
        with pytest.raises(KeychainMissing, match="No OS keychain") as missing:
            services.connection.connect(intuit(sandbox), opened.append, timeout=10)
        assert opened == [] and "demo-secret" not in str(missing.value)
        from app.qbo.oauth import follow_redirects

        report = services.connection.connect(
            intuit(sandbox, encrypted_keyring=True, passphrase="correct horse battery"),
            follow_redirects, timeout=10)
        assert report.realm_id and services.connection.health().connected
    finally:
        keyring.set_keyring(before)
