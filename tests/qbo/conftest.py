"""A sandbox per test, an in-memory keychain, and a connected client."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend

from app.connection.service import ConnectRequest, connect, open_client
from app.qbo.client import QboClient
from app.qbo.limits import Limits
from app.qbo.oauth import follow_redirects
from app.qbo.transport import RetryPolicy
from app.sandbox.server import SandboxServer


class MemoryKeyring(KeyringBackend):
    """A keychain that lives in this process only (never the developer's real one)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(seed="empty") as server:
        yield server


FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, throttle_wait=0.2, timeout=5)


@pytest.fixture
def client(store, sandbox) -> QboClient:
    """A client connected to the sandbox through the real OAuth flow."""
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    return open_client(store, Limits(), FAST)
