"""Fixtures: a sandbox on an ephemeral loopback port and a small HTTP helper."""

from __future__ import annotations

import pytest
import requests

from app.sandbox.server import SandboxServer


class Api:
    """Talks to a sandbox over real HTTP with a bearer token, as a client would."""

    def __init__(self, sandbox: SandboxServer) -> None:
        self.sandbox = sandbox
        self.session = requests.Session()
        self.token = sandbox.access_token()
        self.session.headers.update({"Authorization": f"Bearer {self.token}",
                                     "Accept": "application/json"})

    def url(self, path: str) -> str:
        return f"{self.sandbox.base_url}/v3/company/{self.sandbox.realm_id}/{path}"

    def get(self, path: str, **params) -> requests.Response:
        return self.session.get(self.url(path), params=params, timeout=30)

    def post(self, path: str, body=None, params=None, **kwargs) -> requests.Response:
        return self.session.post(self.url(path), json=body, params=params, timeout=30, **kwargs)

    def create(self, entity: str, body: dict, **params) -> dict:
        response = self.post(entity.lower(), body, params or None)
        assert response.status_code == 200, response.text
        return response.json()[entity]

    def query(self, text: str) -> dict:
        response = self.get("query", query=text)
        assert response.status_code == 200, response.text
        return response.json()["QueryResponse"]

    def errors(self, response: requests.Response, status: int = 400) -> list[dict]:
        assert response.status_code == status, response.text
        body = response.json()
        assert set(body) == {"Fault", "time"}
        return body["Fault"]["Error"]

    # a few fixtures-as-methods for the common objects
    def account_id(self, name: str) -> str:
        found = self.query(f"select * from Account where Name = '{name}'")
        return found["Account"][0]["Id"]

    def vendor(self, name: str = "Acme Supplies", **extra) -> dict:
        return self.create("Vendor", {"DisplayName": name, **extra})

    def expense_line(self, amount="100.00", account: str | None = None, **extra) -> dict:
        return {"DetailType": "AccountBasedExpenseLineDetail", "Amount": amount,
                "AccountBasedExpenseLineDetail": {
                    "AccountRef": {"value": account or self.account_id("Uncategorized Expense")}},
                **extra}

    def close(self) -> None:
        self.session.close()


@pytest.fixture
def sandbox():
    with SandboxServer(seed="empty") as server:
        yield server


@pytest.fixture
def api(sandbox):
    client = Api(sandbox)
    yield client
    client.close()
