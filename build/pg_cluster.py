"""A throwaway PostgreSQL server for the tests: a new cluster in a folder, on 127.0.0.1.

Usage::

    python3 build/pg_cluster.py start FOLDER   # prints the server's URL on stdout
    python3 build/pg_cluster.py stop FOLDER

The cluster trusts local logins (it listens on 127.0.0.1 only and lives for one test
run) and skips fsync: nothing in it outlives the run. As root (CI), the server runs as
the ``postgres`` system user, since PostgreSQL refuses to run as root. Only the
standard library is used, so ``.ci/run`` can call it before any install.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

SUPERUSER = "postgres"


def server_bin(name: str) -> str | None:
    """``initdb``/``pg_ctl`` on PATH, else in Debian's versioned folder (newest first)."""
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.name == "posix" and os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _url(port: int) -> str:
    return f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"


PORT_TRIES = 3


def start(folder: Path) -> str:
    """Make and start a cluster in ``folder``; returns the URL of its ``postgres`` database."""
    initdb, pg_ctl = server_bin("initdb"), server_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise RuntimeError("no PostgreSQL server programs (initdb, pg_ctl) on this machine")
    folder = folder.resolve()
    data, sockets = folder / "data", folder / "sockets"
    if (folder / "url").exists():  # already running
        return (folder / "url").read_text().strip()
    sockets.mkdir(parents=True, exist_ok=True)
    if os.name == "posix" and os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
    subprocess.run(_as_server_user([initdb, "-D", str(data), "-U", SUPERUSER, "--auth=trust",
                                    "-E", "UTF8", "--no-sync", "--locale=C"]),
                   check=True, stdout=subprocess.DEVNULL)
    for attempt in range(PORT_TRIES):  # another process may take the free port first
        port = free_port()
        options = (f"-h 127.0.0.1 -p {port} -k {sockets} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        started = subprocess.run(_as_server_user(
            [pg_ctl, "-D", str(data), "-o", options, "-w", "-t", "60",
             "-l", str(folder / "server.log"), "start"]), stdout=subprocess.DEVNULL)
        if started.returncode == 0:
            break
        if attempt == PORT_TRIES - 1:
            raise subprocess.CalledProcessError(started.returncode, started.args)
    url = _url(port)
    (folder / "url").write_text(url + "\n")
    return url


def stop(folder: Path) -> None:
    pg_ctl = server_bin("pg_ctl")
    data = folder.resolve() / "data"
    if pg_ctl is None or not data.exists():
        return
    subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
                   check=False, stdout=subprocess.DEVNULL)
    (folder / "url").unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[1])
    if argv[0] == "start":
        try:
            print(start(folder))
        except (RuntimeError, subprocess.CalledProcessError) as exc:
            print(f"pg_cluster: could not start PostgreSQL: {exc}", file=sys.stderr)
            return 1
        # give the server a moment to accept TCP connections beyond pg_ctl's own wait
        time.sleep(0.2)
        return 0
    stop(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
