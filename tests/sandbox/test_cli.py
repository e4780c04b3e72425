"""``syncdesk sandbox`` as a process, ``--state`` persistence, and the import boundary."""

from __future__ import annotations

import ast
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from app.sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_DIR = ROOT / "app" / "sandbox"
REDIRECT = "http://127.0.0.1:9/callback"


def connect(session: requests.Session, base_url: str,
            client=("syncdesk-demo", "syncdesk-demo-secret")) -> tuple[str, str]:
    """Run the OAuth code flow; return (access token, realmId)."""
    doc = session.get(f"{base_url}/.well-known/openid_configuration", timeout=30).json()
    answer = session.get(doc["authorization_endpoint"], allow_redirects=False, timeout=30,
                         params={"client_id": client[0], "response_type": "code",
                                 "scope": "com.intuit.quickbooks.accounting",
                                 "redirect_uri": REDIRECT, "state": "s"})
    callback = parse_qs(urlsplit(answer.headers["Location"]).query)
    tokens = session.post(doc["token_endpoint"], auth=client, timeout=30,
                          data={"grant_type": "authorization_code",
                                "code": callback["code"][0], "redirect_uri": REDIRECT}).json()
    return tokens["access_token"], callback["realmId"][0]


def run_sandbox(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "app", "sandbox", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_process_prints_listening_line_and_answers(tmp_path):
    state = tmp_path / "company.json"
    with run_sandbox("--port", "0", "--realm", "123146096291789", "--state", str(state)) as proc:
        try:
            line = proc.stdout.readline()
            assert line.startswith("Listening on http://127.0.0.1:"), proc.stderr.read()
            base_url = line.split("Listening on ", 1)[1].strip()
            assert int(base_url.rsplit(":", 1)[1]) > 0
            with requests.Session() as session:
                token, realm = connect(session, base_url)
                assert realm == "123146096291789"
                response = session.post(f"{base_url}/v3/company/{realm}/vendor",
                                        json={"DisplayName": "From The CLI"},
                                        headers={"Authorization": f"Bearer {token}"},
                                        timeout=30)
                assert response.status_code == 200, response.text
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
    # The state file outlives the process.
    with SandboxServer(state_file=state) as again:
        assert again.realm_id == "123146096291789"
        with requests.Session() as session:
            token, _ = connect(session, again.base_url)
            found = session.get(f"{again.base_url}/v3/company/{again.realm_id}/query",
                                params={"query": "select * from Vendor"},
                                headers={"Authorization": f"Bearer {token}"}, timeout=30)
            assert found.json()["QueryResponse"]["Vendor"][0]["DisplayName"] == "From The CLI"


@pytest.mark.parametrize(("args", "needle"), [
    (("--host", "0.0.0.0"), "loopback"),
    (("--host", "192.168.1.10"), "loopback"),
    (("--throttle", "fast"), "--throttle"),
    (("--throttle", "500/60s,concurrent=0"), "--throttle"),
    (("--faults", "explode:bill:1"), "--faults"),
    (("--faults", "lost:bill:two"), "--faults"),
    (("--seed", "nonsense"), "seed"),
])
def test_usage_errors_exit_2(args, needle):
    with run_sandbox(*args) as proc:
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert out == ""
    assert needle in err


def test_state_file_keeps_company_tokens_and_requestids(tmp_path):
    state = tmp_path / "sub" / "state.json"
    with SandboxServer(state_file=state, realm_id="555") as first:
        tokens = first.issue_tokens()
        vendor = first.create("Vendor", {"DisplayName": "Persisted"})
        first.set_closing_date("2024-12-31")
        with requests.Session() as session:
            headers = {"Authorization": f"Bearer {tokens['access_token']}"}
            created = session.post(f"{first.base_url}/v3/company/555/vendor",
                                   params={"requestid": "keep-me"}, headers=headers,
                                   json={"DisplayName": "Once"}, timeout=30).json()
    assert state.exists()
    with SandboxServer(state_file=state) as second, requests.Session() as session:
        assert second.realm_id == "555"
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        base = f"{second.base_url}/v3/company/555"
        read = session.get(f"{base}/vendor/{vendor['Id']}", headers=headers, timeout=30)
        assert read.status_code == 200
        assert read.json()["Vendor"]["DisplayName"] == "Persisted"
        replay = session.post(f"{base}/vendor", params={"requestid": "keep-me"},
                              headers=headers, json={"DisplayName": "Once"}, timeout=30).json()
        assert replay == created
        prefs = session.get(f"{base}/preferences", headers=headers, timeout=30).json()
        assert prefs["Preferences"]["AccountingInfoPrefs"]["BookCloseDate"] == "2024-12-31"
        new_vendor = second.create("Vendor", {"DisplayName": "After Restart"})
        assert int(new_vendor["Id"]) > int(created["Vendor"]["Id"])
        refreshed = session.post(f"{second.base_url}/oauth2/v1/tokens/bearer",
                                 auth=("syncdesk-demo", "syncdesk-demo-secret"), timeout=30,
                                 data={"grant_type": "refresh_token",
                                       "refresh_token": tokens["refresh_token"]})
        assert refreshed.status_code == 200


def test_in_process_server_refuses_non_loopback_and_unknown_throttle():
    with pytest.raises(ValueError, match="loopback"):
        SandboxServer(host="0.0.0.0")
    with pytest.raises(ValueError, match="throttle"):
        SandboxServer(throttle="fast")


def test_in_process_lifecycle():
    server = SandboxServer()
    with pytest.raises(RuntimeError):
        _ = server.base_url
    server.start()
    try:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server.api_base == server.base_url + "/v3"
    finally:
        server.stop()
    server.stop()  # idempotent


FORBIDDEN = ("app.store", "app.qbo", "app.sync", "app.domain", "app.operations", "PySide6",
             "ui")


def test_sandbox_imports_nothing_from_the_rest_of_syncdesk():
    for path in sorted(SANDBOX_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                for banned in FORBIDDEN:
                    assert module != banned and not module.startswith(banned + "."), \
                        f"{path.name} imports {module}"


def test_a_broken_state_file_is_a_clear_error(tmp_path):
    state = tmp_path / "broken.json"
    state.write_text('{"version": 1, "realm_id": "1"}', encoding="utf-8")
    with pytest.raises(ValueError, match="incomplete"):
        SandboxServer(state_file=state)
    with run_sandbox("--state", str(state)) as proc:
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert out == ""
    assert "state file" in err
