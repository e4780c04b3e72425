"""Set up a virtual environment and run SyncDesk's demo or its test suite.

Usage (the README's quick start):
    python3 build/dev.py demo     # install, then run SyncDesk on the demo company
    python3 build/dev.py test     # install, then lint and run the whole test suite

Only the standard library is used here, so it runs on a fresh machine with
just Python 3.11+. Extra arguments after ``test`` go to pytest.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".syncdesk-installed"


def venv_bin(name: str) -> Path:
    """Path of an executable inside the project's virtual environment."""
    folder = "Scripts" if os.name == "nt" else "bin"
    suffix = ".exe" if os.name == "nt" else ""
    return VENV / folder / f"{name}{suffix}"


def install_fingerprint() -> str:
    """Changes whenever the dependencies or the interpreter change."""
    data = (ROOT / "pyproject.toml").read_bytes() + sys.version.encode()
    return hashlib.sha256(data).hexdigest()


def ensure_installed() -> None:
    """Create .venv and install SyncDesk (editable, with test extras) once per change."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script runs before any install
        sys.exit(f"SyncDesk needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not venv_bin("python").exists():
        print("Creating .venv …", file=sys.stderr, flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == install_fingerprint():
        return
    (ROOT / ".build").mkdir(exist_ok=True)
    python = str(venv_bin("python"))
    print("Installing SyncDesk and its dependencies …", file=sys.stderr, flush=True)
    run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([python, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"])
    STAMP.write_text(install_fingerprint())


def run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    """Run a command from the project root; stop with its exit code if it fails."""
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    if code != 0:
        sys.exit(code)


def demo() -> None:
    """The demo company end to end: a fresh store, its QuickBooks sandbox, one sync."""
    db = ROOT / ".build" / "demo.db"
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()
    syncdesk = str(venv_bin("syncdesk"))
    run([syncdesk, "--db", str(db), "init", "--demo"])
    # The sandbox's own notes (its company id, throttle) go to a file: the demo speaks to
    # a bookkeeper; a developer finds them in .build/demo-sandbox.log.
    sandbox_log = (db.parent / "demo-sandbox.log").open("w")
    sandbox = subprocess.Popen([syncdesk, "sandbox", "--seed", "demo", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=sandbox_log, text=True, cwd=ROOT)
    try:
        assert sandbox.stdout is not None
        line = sandbox.stdout.readline().strip()  # "Listening on http://127.0.0.1:PORT"
        if not line.startswith("Listening on "):
            sys.exit(f"the QuickBooks sandbox did not start: {line!r}")
        url = line.removeprefix("Listening on ")
        print(f"QuickBooks sandbox (demo company) at {url}", flush=True)
        run([syncdesk, "--db", str(db), "connect", "--env", "local", "--base-url", url])
        run([syncdesk, "--db", str(db), "sync"])
        print("\nDocuments that need attention:", flush=True)
        run([syncdesk, "--db", str(db), "list", "pos", "--sync-state", "needs_attention"])
        run([syncdesk, "--db", str(db), "list", "invoices", "--sync-state", "needs_attention"])
        print(flush=True)
        run([syncdesk, "--db", str(db), "status"])
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)
        sandbox_log.close()
    print(f"\nThe demo store is {db}. Try:\n  .venv/bin/syncdesk --db {db} show po PO-1061",
          flush=True)


def test(pytest_args: list[str]) -> None:
    """Lint, then run the whole test suite (Qt offscreen)."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    python = str(venv_bin("python"))
    run([python, "-m", "ruff", "check", "."], env)
    run([python, "-m", "pytest", *pytest_args], env)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("demo", "test"):
        sys.exit(__doc__)
    ensure_installed()
    if sys.argv[1] == "demo":
        demo()
    else:
        test(sys.argv[2:])


if __name__ == "__main__":
    main()
