"""Build SyncDesk's desktop bundle with PyInstaller (app.spec), then test the bundle.

Usage, from the repository root (any Python 3.11+; the first run creates .venv/ with
SyncDesk and PyInstaller, as build/dev.py does):
    python3 build/bundle.py

It builds ``dist/SyncDesk/`` (``dist/SyncDesk.app`` on macOS), then prints:

- the bundle's size on disk; on Linux a bundle over ``SIZE_LIMIT_MB`` fails the build
  (the window, the sandbox and Python fit well under it; growing past it means something
  unused came in);
- on Linux, the libraries the bundle takes from the computer it runs on; one that is
  neither the system's own (C library, OpenGL, xcb: PyInstaller never bundles them) nor
  one of the desktop's ``HOST_LIBRARIES`` (build/bundle_config.py) fails the build;
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
import bundle_config  # build/bundle_config.py: what goes in and what stays out
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


def is_elf(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(4) == b"\x7fELF"


def needed_libraries(binary: Path) -> list[str]:
    """The libraries an ELF file names as needed (its DT_NEEDED entries), by readelf."""
    done = subprocess.run(["readelf", "--dynamic", "--wide", str(binary)],
                          capture_output=True, text=True, timeout=60)
    return [line.split("[", 1)[1].rstrip("]").strip() for line in done.stdout.splitlines()
            if "(NEEDED)" in line and "[" in line]


def from_the_host(needs: dict[str, list[str]], carried: set[str]) -> set[str]:
    """Of what the bundle's files ``needs`` (file → library names), the libraries it does
    not carry itself (``carried``: the names of its files)."""
    return {library for names in needs.values() for library in names
            if library not in carried}


def unexpected_host_libraries(host: set[str]) -> list[str]:
    """The libraries taken from the computer that are neither the system's own (the C
    library, OpenGL, xcb…) nor the desktop's ``HOST_LIBRARIES``: a user's computer may well
    lack them."""
    return sorted(library for library in host if not bundle_config.host_library(library)
                  and not bundle_config.system_library(library))


def host_needs(bundle: Path) -> str:
    """What the Linux bundle takes from the computer, in words; BundleFailed when that
    includes a library a user's computer may lack."""
    if shutil.which("readelf") is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            raise BundleFailed("no readelf here to check what the bundle needs from the "
                               "computer (Debian's binutils provides it; gcc brings it)")
        return "not checked (no readelf here; Debian's binutils provides it)"
    files = [path for path in bundle.rglob("*") if path.is_file() and not path.is_symlink()
             and is_elf(path)]
    needs = {str(path): needed_libraries(path) for path in files}
    host = from_the_host(needs, {path.name for path in bundle.rglob("*")})
    missing = unexpected_host_libraries(host)
    if missing:
        raise BundleFailed("the bundle needs libraries it does not carry and that a "
                           f"computer may lack: {', '.join(missing)} (bundle them, or name "
                           "them in HOST_LIBRARIES in build/bundle_config.py if every "
                           "desktop has them)")
    desktop = sorted(library for library in host if bundle_config.host_library(library))
    return (f"{len(host)} libraries from the computer: the system's own and the desktop's "
            f"{', '.join(desktop) or '(none)'}")


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
        if sys.platform.startswith("linux"):
            print(f"libraries: {host_needs(bundle)}", flush=True)
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
