"""The connection service without the command line: connect, health, disconnect, cancel."""

from __future__ import annotations

import socket
import threading

import pytest
import requests

from app.connection.binding import bound_company
from app.connection.service import connection
from app.errors import UserError
from app.qbo.oauth import follow_redirects
from app.services.connection import ConnectOptions
from app.work import Cancelled, Progress

DEMO_ID, DEMO_SECRET = "syncdesk-demo", "syncdesk-demo-secret"  # the sandbox's published ones


def nothing_kept(store, memory_keyring) -> bool:
    """No connection row, no binding to a company, nothing in the keychain."""
    with store.session() as session:
        bound = bound_company(session)
    return connection(store) is None and bound is None and memory_keyring.items == {}


def options(sandbox, environment: str) -> ConnectOptions:
    if environment == "local":
        return ConnectOptions("local", sandbox.base_url)
    return ConnectOptions(environment, sandbox.base_url, DEMO_ID, DEMO_SECRET)


def test_connect_reports_the_company_and_health_says_connected(services, sandbox):
    seen: list[Progress] = []
    report = services.connection.connect(options(sandbox, "local"), timeout=10,
                                         on_progress=seen.append)
    assert report.environment == "local" and report.realm_id
    assert report.company and report.company_label == report.company
    assert report.relinked is None and not report.relink_asked
    assert seen[-1].done == seen[-1].total > 0
    assert "waiting for you to sign in to the SyncDesk sandbox…" in [p.current for p in seen]
    health = services.connection.health()
    assert health.connected and health.environment == "local"
    assert health.company == report.company and health.realm_id == report.realm_id
    assert health.as_json()["state"] == "connected"
    assert health.as_json()["company"] == report.company


def test_disconnect_forgets_the_connection(services, sandbox, memory_keyring):
    services.connection.connect(options(sandbox, "intuit-sandbox"), follow_redirects,
                                timeout=10)
    assert memory_keyring.items  # Intuit's tokens and the client secret
    report = services.connection.disconnect()
    assert report.was_connected and report.environment == "intuit-sandbox"
    assert report.forgot_client_secret
    assert memory_keyring.items == {}
    health = services.connection.health()
    assert not health.connected
    assert health.as_json() == {"state": "disconnected", "environment": None, "company": None}
    again = services.connection.disconnect()
    assert not again.was_connected and not again.forgot_client_secret


def test_a_local_disconnect_keeps_no_keychain_words(services, sandbox):
    services.connection.connect(options(sandbox, "local"), timeout=10)
    report = services.connection.disconnect()
    assert report.was_connected and not report.forgot_client_secret


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_sandbox_out_of_reach_is_a_user_error_in_plain_words(services, store,
                                                              memory_keyring):
    gone = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(UserError, match="could not be reached; nothing was connected"):
        services.connection.connect(ConnectOptions("local", gone), timeout=10)
    assert nothing_kept(store, memory_keyring)


def test_a_denied_sign_in_is_a_user_error(services, store, sandbox, memory_keyring):
    def deny(url: str) -> None:
        answer = requests.get(url, allow_redirects=False, timeout=10)
        callback = answer.headers["Location"].split("?")[0]
        requests.get(callback, params={"error": "access_denied"}, timeout=10)

    with pytest.raises(UserError, match="did not grant access"):
        services.connection.connect(options(sandbox, "local"), deny, timeout=10)
    assert nothing_kept(store, memory_keyring)


def test_intuit_needs_a_browser(services, sandbox):
    with pytest.raises(ValueError):
        services.connection.connect(options(sandbox, "intuit-sandbox"))


@pytest.mark.parametrize("environment", ["local", "intuit-sandbox"])
def test_cancel_while_waiting_for_the_browser_keeps_nothing(services, store, sandbox,
                                                           memory_keyring, environment):
    cancel = threading.Event()
    seen: list[Progress] = []

    def browser_left_alone(url: str) -> None:  # the user closes the sign-in page instead
        cancel.set()

    with pytest.raises(Cancelled):
        services.connection.connect(options(sandbox, environment), browser_left_alone,
                                    timeout=60, on_progress=seen.append, cancel=cancel)
    assert seen[-1].current and seen[-1].current.startswith("waiting for you to sign in")
    assert nothing_kept(store, memory_keyring)


def test_cancel_after_signing_in_exchanges_and_keeps_nothing(services, store, sandbox,
                                                             memory_keyring):
    cancel = threading.Event()

    def sign_in_then_cancel(url: str) -> None:
        follow_redirects(url)  # the answer reaches SyncDesk's listener…
        cancel.set()  # …but the user cancelled first

    with pytest.raises(Cancelled):
        services.connection.connect(options(sandbox, "intuit-sandbox"), sign_in_then_cancel,
                                    timeout=60, cancel=cancel)
    assert nothing_kept(store, memory_keyring)


def test_cancel_while_checking_the_company_keeps_nothing(services, store, sandbox,
                                                         memory_keyring):
    cancel = threading.Event()

    def on_progress(progress: Progress) -> None:
        if progress.current == "checking the QuickBooks company":
            cancel.set()

    with pytest.raises(Cancelled):
        services.connection.connect(options(sandbox, "intuit-sandbox"), follow_redirects,
                                    timeout=60, on_progress=on_progress, cancel=cancel)
    assert nothing_kept(store, memory_keyring)
    # A cancelled connect leaves the store ready to connect.
    report = services.connection.connect(options(sandbox, "intuit-sandbox"),
                                         follow_redirects, timeout=10)
    assert services.connection.health().connected and report.company


def test_health_warns_before_the_sign_in_ends_as_status_json_does(services, store, sandbox):
    from datetime import timedelta

    from app.connection.service import connection_status
    from app.store.models import QboConnection
    from app.store.types import utcnow

    services.connection.connect(options(sandbox, "local"), timeout=10)
    with store.session() as session:
        row = session.get(QboConnection, 1)
        row.refresh_expires_at = utcnow() + timedelta(days=3, hours=1)
        session.add(row)
    health = services.connection.health()
    assert health.refresh_token_expires_at is not None
    assert health.warning and "ends in 3 days" in health.warning
    assert health.as_json() == connection_status(store)
