"""``syncdesk connect --redirect-page``: production keys need the firm's https page."""

from __future__ import annotations

import webbrowser

from tests.qbo.conftest import memory_keyring  # noqa: F401  (fixture)


def test_production_without_the_redirect_page_says_which_option_gives_it(
        cli, db_path, monkeypatch, memory_keyring):  # noqa: F811
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    db = db_path
    cli("--db", db, "init")
    result = cli("--db", db, "connect", "--env", "production", "--client-id", "x",
                 "--client-secret", "y")
    assert result.code == 1 and opened == []
    assert "Production keys need an https redirect page" in result.err
    assert "(--redirect-page)" in result.err and " y" not in result.err.replace(" your", "")
    refused = cli("--db", db, "connect", "--env", "production", "--client-id", "x",
                  "--client-secret", "y", "--redirect-page", "http://firm.example/r.html")
    assert refused.code == 1 and "must be an https address" in refused.err and opened == []
