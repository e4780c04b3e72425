"""Set up a virtual environment and run SyncDesk's demo or its test suite.

Usage (the README's quick start):
    python3 build/dev.py demo             # install, then open the window on the demo company
    python3 build/dev.py demo --headless  # the same demo on the command line (no display)
    python3 build/dev.py test             # install, then lint and run the whole test suite

Only the standard library is used here, so it runs on a fresh machine with
just Python 3.11+. Extra arguments after ``test`` go to pytest (without any, the whole
suite runs in a few processes at once).
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
    """Changes whenever the dependencies, the packaging or the interpreter change."""
    data = b"".join((ROOT / name).read_bytes()
                    for name in ("pyproject.toml", "setup.py", "setup.cfg"))
    data += sys.version.encode()
    return hashlib.sha256(data).hexdigest()


def ensure_installed() -> None:
    """Create .venv and install SyncDesk (editable, with the test and bundle extras) once
    per change."""
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
    run([python, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test,bundle]"])
    STAMP.write_text(install_fingerprint())


def run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    """Run a command from the project root; stop with its exit code if it fails."""
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    if code != 0:
        sys.exit(code)


def has_display() -> bool:
    """Whether a window can be shown here (Linux without X11 or Wayland cannot)."""
    if os.environ.get("QT_QPA_PLATFORM") or sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def fresh_demo_store() -> Path:
    db = ROOT / ".build" / "demo.db"
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()
    return db


def demo_window() -> None:
    """The window on the demo company: a fresh store, its QuickBooks served in-process."""
    db = fresh_demo_store()
    run([str(venv_bin("syncdesk")), "gui", "--demo", "--db", str(db)])
    print(f"The demo store is {db}. Try:\n  .venv/bin/syncdesk --db {db} show po PO-1061",
          flush=True)


def demo() -> None:
    """The demo company end to end on the command line: a fresh store, its QuickBooks
    sandbox, one sync, what needs attention."""
    db = fresh_demo_store()
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


def test_workers() -> int:
    """How many processes run the whole suite: one more than the CPUs (much of a test's
    time is spent waiting on a sandbox, a server or a window), at most 8;
    ``$SYNCDESK_TEST_WORKERS`` says otherwise."""
    chosen = os.environ.get("SYNCDESK_TEST_WORKERS", "").strip()
    if chosen:
        if not chosen.isdigit():
            sys.exit(f"SYNCDESK_TEST_WORKERS is {chosen!r}: give a number of processes "
                     "(1 runs the suite in one).")
        return max(1, int(chosen))
    return min(8, (os.cpu_count() or 1) + 1)


def test(pytest_args: list[str]) -> None:
    """Lint, then run the test suite (Qt offscreen): the whole of it in parallel
    processes (pytest-xdist), or what ``pytest_args`` say, as pytest runs them."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    python = str(venv_bin("python"))
    run([python, "-m", "ruff", "check", "."], env)
    if not pytest_args:
        workers = test_workers()
        pytest_args = ["-n", str(workers)] if workers > 1 else []
    run([python, "-m", "pytest", *pytest_args], env)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("demo", "test") or (
            sys.argv[1] == "demo" and sys.argv[2:] not in ([], ["--headless"])):
        sys.exit(__doc__)
    ensure_installed()
    if sys.argv[1] == "demo":
        if sys.argv[2:] == ["--headless"]:
            demo()
        elif has_display():
            demo_window()
        else:
            print("There is no display here, so the demo runs on the command line "
                  "(python3 build/dev.py demo --headless).\n", file=sys.stderr, flush=True)
            demo()
    else:
        test(sys.argv[2:])


if __name__ == "__main__":
    main()
