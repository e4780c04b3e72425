"""The synced demo that fix and window tests copy: a copy talks only to its own sandbox,
OAuth included (a long test run outlives the template's hour-long access token)."""

from __future__ import annotations

from sqlmodel import select

from app.connection.service import open_client
from app.store.models import QboConnection
from tests.sync.fixes.document_fixtures import demo, memory_keyring  # noqa: F401


def test_every_address_of_the_copy_names_its_own_sandbox(demo):  # noqa: F811
    with demo.services._store.session() as session:
        row = session.exec(select(QboConnection)).one()
    addresses = [row.api_base, row.base_url, row.authorization_endpoint,
                 row.token_endpoint, row.revocation_endpoint]
    assert all(a is None or a.startswith(demo.sandbox.base_url) for a in addresses), addresses


def test_the_copy_refreshes_its_tokens_at_its_own_sandbox(demo):  # noqa: F811
    client = open_client(demo.services._store)
    before = client.transport.tokens.access_token()
    after = client.transport.tokens.refresh(stale_access_token=before).access_token
    assert after != before
    assert client.query("select * from Vendor maxresults 1")
