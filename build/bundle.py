"""Build SyncDesk's desktop bundle with PyInstaller (app.spec), then test the bundle.

Usage, from the repository root (any Python 3.11+; the first run creates .venv/ with
SyncDesk and PyInstaller, as build/dev.py does):
    python3 build/bundle.py

It builds ``dist/SyncDesk/`` (``dist/SyncDesk.app`` on macOS), then prints:

- the bundle's size on disk; on Linux a bundle over ``SIZE_LIMIT_MB`` fails the build
  (the window, the sandbox and Python fit well under it; growing past it means something
  unused came in);
- the result of the bundle's own ``--self-test`` (a temporary store, the in-process
  sandbox, one sync, the window), offscreen where there is no display; on Linux also
  under a real X server when ``xvfb-run`` is installed (Debian's ``xvfb``), so that Qt's
  xcb platform plugin and the system libraries it loads are tried;
- the start time: how long ``syncdesk gui --demo`` takes to open the demo company's
  window and close it again, the best of a few runs (a figure, never a pass or fail:
  these machines are shared).

Exits 0 when the build and every self-test passed, else 1 with the reason.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dev  # build/dev.py: the project's virtual environment

ROOT = dev.ROOT
DIST = ROOT / "dist"
WORK = ROOT / ".build" / "pyinstaller"
SIZE_LIMIT_MB = 120
START_RUNS = 3


class BundleFailed(Exception):
    """The build or one of the bundle's checks failed; the text says which and why."""


def bundle_path() -> Path:
    """Where PyInstaller puts the bundle on this system."""
    return DIST / ("SyncDesk.app" if sys.platform == "darwin" else "SyncDesk")


def executable(bundle: Path) -> Path:
    if sys.platform == "darwin":
        return bundle / "Contents" / "MacOS" / "SyncDesk"
    return bundle / ("SyncDesk.exe" if sys.platform == "win32" else "syncdesk")


def build() -> Path:
    """Run PyInstaller on app.spec (a clean build); the bundle's path."""
    shutil.rmtree(bundle_path(), ignore_errors=True)
    log = ROOT / ".build" / "pyinstaller.log"
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.call([str(dev.venv_bin("python")), "-m", "PyInstaller", "app.spec",
                                "--noconfirm", "--clean", "--distpath", str(DIST),
                                "--workpath", str(WORK)],
                               cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    if code != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        raise BundleFailed("PyInstaller failed (the whole log is in "
                           f"{log.relative_to(ROOT)}):\n  " + "\n  ".join(tail))
    print(f"built {bundle_path().relative_to(ROOT)} in {time.perf_counter() - started:.0f} s "
          f"(log: {log.relative_to(ROOT)})", flush=True)
    return bundle_path()


def size_mb(folder: Path) -> float:
    """Bytes of every file under ``folder`` (symbolic links counted as links), in MB."""
    total = 0
    for path in folder.rglob("*"):
        if path.is_symlink() or path.is_file():
            total += path.lstat().st_size
    return total / 1_000_000


def real_display() -> bool:
    """Whether a window can reach a screen here; unlike ``dev.has_display``, a caller's
    ``QT_QPA_PLATFORM`` (CI sets offscreen) does not count as one."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def isolated_env(home: Path, *, offscreen: bool) -> dict[str, str]:
    """The environment for running the bundle: the user's folders moved into ``home``
    (no real store, log or keychain file is touched); offscreen Qt when asked."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SYNCDESK_", "PYTHON"))}
    env.pop("QT_QPA_PLATFORM", None)
    if offscreen:
        env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               XDG_STATE_HOME=str(home / "state"), XDG_CONFIG_HOME=str(home / "config"),
               XDG_CACHE_HOME=str(home / "cache"))
    return env


def self_test(program: Path, *, under_xvfb: bool = False) -> str:
    """The bundle's ``--self-test`` line; BundleFailed when it fails."""
    with tempfile.TemporaryDirectory(prefix="syncdesk-bundle-") as home:
        command = [str(program), "--self-test"]
        if under_xvfb:
            command = ["xvfb-run", "-a", *command]
        env = isolated_env(Path(home), offscreen=not under_xvfb and not real_display())
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("self-test")]
    said = lines[-1] if lines else (done.stderr.strip().splitlines() or ["(nothing)"])[-1]
    if done.returncode != 0:
        raise BundleFailed(f"the bundle's self-test failed (exit {done.returncode}): {said}")
    return said


def start_time(program: Path) -> tuple[float, float]:
    """Seconds from starting the bundle to its demo window shown and closed, best of a few
    runs (the first run also fills the OS file cache)."""
    runs = []
    for _ in range(START_RUNS):
        with tempfile.TemporaryDirectory(prefix="syncdesk-start-") as home:
            env = isolated_env(Path(home), offscreen=not real_display())
            env["SYNCDESK_GUI_EXIT_AFTER"] = "0"
            started = time.perf_counter()
            done = subprocess.run([str(program), "gui", "--demo"], env=env,
                                  capture_output=True, text=True, timeout=120)
            runs.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise BundleFailed(f"`{program.name} gui --demo` failed (exit {done.returncode}): "
                               f"{done.stderr.strip()[-500:]}")
    return min(runs), statistics.median(runs)


def main() -> int:
    started = time.perf_counter()
    dev.ensure_installed()
    try:
        bundle = build()
        program = executable(bundle)
        size = size_mb(bundle)
        print(f"size: {size:.1f} MB on disk ({bundle.relative_to(ROOT)})", flush=True)
        if sys.platform.startswith("linux") and size > SIZE_LIMIT_MB:
            why = ("no C compiler here, so Qt's full ICU data library stayed in (install gcc)"
                   if not (shutil.which("cc") or shutil.which("gcc")) else
                   "see what came in (.build/pyinstaller/app/xref-app.html) and leave it out "
                   "in build/bundle_config.py")
            raise BundleFailed(f"the bundle is {size:.1f} MB, over the {SIZE_LIMIT_MB} MB "
                               f"limit: {why}")
        print(f"self-test: {self_test(program)}", flush=True)
        if sys.platform.startswith("linux"):
            if shutil.which("xvfb-run"):
                print(f"self-test under Xvfb: {self_test(program, under_xvfb=True)}",
                      flush=True)
            else:
                print("self-test under Xvfb: skipped (no xvfb-run here; Debian's package "
                      "xvfb provides it)", flush=True)
        best, median = start_time(program)
        print(f"start time: {best:.2f} s to the demo window and closed again (best of "
              f"{START_RUNS}; median {median:.2f} s)", flush=True)
    except BundleFailed as exc:
        print(f"bundle FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    print(f"bundle passed in {time.perf_counter() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
