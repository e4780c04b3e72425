"""Build SyncDesk's wheel and sdist, and check them as someone installing SyncDesk gets them.

Usage, from the repository root (standard library only, any Python 3.11+):
    python3 build/check_wheel.py

What it does, printing one line per check and a summary with the time taken:

1. Builds an sdist and a wheel with ``python -m build`` (the wheel is built from the sdist,
   so it also proves the sdist is complete) into ``.build/dist/``, emptied first. The
   ``build`` package comes from the Python running this script if it has it, else from
   the project's ``.venv``, else from a scratch virtual environment ``.build/check-tools``
   (created once and reused). setuptools' leftovers in ``.build/`` (egg-info, build
   folder) are removed first, so that a stale file list cannot hide a missing file.
2. Reads both archives: each must hold every file of ``app/store/migrations/`` (the
   Alembic migrations) and every file of ``resources/`` (the wheel ships that folder as
   the package ``syncdesk_resources``, see setup.py); ``__pycache__`` is ignored.
3. Recreates the virtual environment ``.build/check-venv``, installs the wheel there with
   its dependencies (from PyPI, or pip's cache), then, from a temporary folder outside the
   source tree (so the sources cannot be imported instead of the installed copy, and no
   user data folder is touched), runs ``syncdesk --help``, ``syncdesk --db TMP/demo.db
   init --demo`` (which runs the migrations), and checks that
   ``ui.resources.resource_path("icons", "state-synced.svg")`` exists inside that
   environment's site-packages.

Exits 0 when every check passes, else 1 with the reason of the first failure. Running it
again starts afresh (old archives are deleted and the check environment is recreated).
Each command's full output goes to ``.build/check-wheel.log``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import venv
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".build"
DIST = WORK / "dist"
TOOLS = WORK / "check-tools"
CHECK_VENV = WORK / "check-venv"
LOG = WORK / "check-wheel.log"
MIGRATIONS = "app/store/migrations"
RESOURCES = "resources"
RESOURCES_PACKAGE = "syncdesk_resources"  # ui/resources.py and setup.py say the same
ICON = ("icons", "state-synced.svg")


class CheckFailed(Exception):
    """A check did not pass; the message says why."""


class Checks:
    """Counts and prints the checks as they pass."""

    def __init__(self) -> None:
        self.passed = 0

    def ok(self, what: str) -> None:
        self.passed += 1
        print(f"ok    {what}", flush=True)


def venv_bin(env: Path, name: str) -> Path:
    """Path of an executable inside the virtual environment ``env``."""
    folder, suffix = ("Scripts", ".exe") if os.name == "nt" else ("bin", "")
    return env / folder / f"{name}{suffix}"


def run(cmd: Sequence[str | Path], what: str, cwd: Path = ROOT,
        env: dict[str, str] | None = None) -> str:
    """Run ``cmd``; its stdout, or CheckFailed naming ``what`` with the output's end."""
    args = [str(part) for part in cmd]
    with LOG.open("a", encoding="utf-8") as log:
        log.write(f"\n$ (cd {cwd} && {' '.join(args)})\n")
        done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
        log.write(done.stdout + done.stderr + f"[exit code {done.returncode}]\n")
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise CheckFailed(f"{what}: exit code {done.returncode} from {' '.join(args)}\n"
                          f"{tail}\n(the whole output is in {LOG})")
    return done.stdout


# -P: the current folder is not put on sys.path, else the repository's own build/ folder
# (these sources) would pass for the package "build" when run from the root.
def has_build(python: Path | str) -> bool:
    """Whether ``python`` can run ``python -m build``."""
    found = subprocess.run([str(python), "-P", "-c", "import build.__main__"],
                           capture_output=True)
    return found.returncode == 0


def builder() -> tuple[Path | str, str]:
    """A Python that has the ``build`` package, and where it comes from."""
    if has_build(sys.executable):
        return sys.executable, "the running Python"
    project = venv_bin(ROOT / ".venv", "python")
    if project.exists() and has_build(project):
        return project, ".venv"
    python = venv_bin(TOOLS, "python")
    if not (python.exists() and has_build(python)):
        print(f"      installing 'build' into {TOOLS.relative_to(ROOT)} …", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(TOOLS)
        run([python, "-m", "pip", "install", "--quiet", "build"], "installing 'build'")
    return python, str(TOOLS.relative_to(ROOT))


def build_archives(checks: Checks) -> tuple[Path, Path]:
    """Build the sdist and the wheel into an emptied DIST; their paths."""
    python, source = builder()
    shutil.rmtree(DIST, ignore_errors=True)
    for leftover in (WORK / "syncdesk.egg-info", WORK / "setuptools"):
        shutil.rmtree(leftover, ignore_errors=True)
    run([python, "-P", "-m", "build", "--outdir", DIST, ROOT], "python -m build")
    sdists, wheels = sorted(DIST.glob("*.tar.gz")), sorted(DIST.glob("*.whl"))
    if len(sdists) != 1 or len(wheels) != 1:
        raise CheckFailed(f"python -m build should make one sdist and one wheel in "
                          f"{DIST}; found {[p.name for p in (*sdists, *wheels)]}")
    checks.ok(f"built {sdists[0].name} and {wheels[0].name} in "
              f"{DIST.relative_to(ROOT)} (python -m build from {source})")
    return sdists[0], wheels[0]


def source_files(folder: str) -> list[PurePosixPath]:
    """Every file under ``ROOT/folder``, relative to it, ``__pycache__`` left out."""
    base = ROOT / folder
    files = [PurePosixPath(path.relative_to(base).as_posix()) for path in base.rglob("*")
             if path.is_file() and "__pycache__" not in path.relative_to(base).parts
             and path.suffix != ".pyc"]
    if not files:
        raise CheckFailed(f"{folder}/ has no files: is this SyncDesk's repository?")
    return sorted(files)


def check_lists(archive: Path, names: set[str], prefix: str, resources_as: str,
                checks: Checks) -> None:
    """``names`` (the archive's members) hold, under ``prefix``, every file of the
    migrations and, as ``resources_as``, every file of resources/."""
    for folder, shipped_as in ((MIGRATIONS, MIGRATIONS), (RESOURCES, resources_as)):
        expected = source_files(folder)
        missing = [str(f) for f in expected if f"{prefix}{shipped_as}/{f}" not in names]
        if missing:
            raise CheckFailed(f"{archive.name} lacks {len(missing)} of the "
                              f"{len(expected)} files of {folder}/: {', '.join(missing)}")
        checks.ok(f"{archive.name} has all {len(expected)} files of {folder}/"
                  + (f" (as {shipped_as}/)" if shipped_as != folder else ""))


def check_sdist(sdist: Path, checks: Checks) -> None:
    """The sdist keeps the repository's layout under ``NAME-VERSION/``."""
    with tarfile.open(sdist) as archive:
        names = set(archive.getnames())
    check_lists(sdist, names, sdist.name.removesuffix(".tar.gz") + "/", RESOURCES, checks)


def check_wheel(wheel: Path, checks: Checks) -> None:
    """The wheel ships resources/ as the package syncdesk_resources."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    check_lists(wheel, names, "", RESOURCES_PACKAGE, checks)


def install(wheel: Path, checks: Checks) -> Path:
    """A fresh CHECK_VENV with ``wheel`` installed; its python."""
    venv.EnvBuilder(with_pip=True, clear=True).create(CHECK_VENV)
    python = venv_bin(CHECK_VENV, "python")
    run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel],
        f"installing {wheel.name} into {CHECK_VENV.relative_to(ROOT)}")
    checks.ok(f"installed {wheel.name} and its dependencies into a new "
              f"{CHECK_VENV.relative_to(ROOT)}")
    return python


def outside_env(folder: Path) -> dict[str, str]:
    """The environment for the installed copy: nothing pointing into the sources, the
    user's data and log folders moved into ``folder``."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")}
    env.update({"SYNCDESK_DB": str(folder / "default.db"), "HOME": str(folder / "home"),
                "XDG_DATA_HOME": str(folder / "xdg-data"),
                "XDG_STATE_HOME": str(folder / "xdg-state"),
                "XDG_CONFIG_HOME": str(folder / "xdg-config"),
                "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"})
    return env


SHOW_ICON = """\
import sysconfig, ui.resources
print(ui.resources.resource_path({parts}))
print(sysconfig.get_paths()["purelib"])
"""


def check_installed(python: Path, checks: Checks) -> None:
    """The installed SyncDesk runs from a folder outside the source tree."""
    syncdesk = venv_bin(CHECK_VENV, "syncdesk")
    with tempfile.TemporaryDirectory(prefix="syncdesk-check-") as temporary:
        folder = Path(temporary).resolve()
        if folder.is_relative_to(ROOT):
            raise CheckFailed(f"the temporary folder {folder} is inside the source tree "
                              f"(TMPDIR?); the installed copy must run from outside it")
        env = outside_env(folder)

        usage = run([syncdesk, "--help"], "syncdesk --help", cwd=folder, env=env)
        if "usage: syncdesk" not in usage:
            raise CheckFailed(f"syncdesk --help printed no usage line: {usage[:200]!r}")
        checks.ok("syncdesk --help")

        db = folder / "demo.db"
        run([syncdesk, "--db", db, "init", "--demo"], "syncdesk init --demo", folder, env)
        if not db.is_file():
            raise CheckFailed(f"syncdesk init --demo made no store at {db}")
        checks.ok("syncdesk --db TMP/demo.db init --demo (the migrations ran)")

        shown = run([python, "-c", SHOW_ICON.format(parts=", ".join(map(repr, ICON)))],
                    "resource_path", folder, env).splitlines()
        if len(shown) != 2:
            raise CheckFailed(f"resource_path: unexpected output {shown!r}")
        icon, site = Path(shown[0]), Path(shown[1]).resolve()
        if not icon.is_file():
            raise CheckFailed(f"resource_path gave {icon}, which does not exist")
        if not icon.resolve().is_relative_to(site):
            raise CheckFailed(f"resource_path gave {icon}, outside the check environment's "
                              f"site-packages ({site}): the installed copy lacks it")
        checks.ok(f"ui.resources.resource_path{ICON} is "
                  f"{icon.resolve().relative_to(CHECK_VENV)} in the check environment")


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script runs before any install
        print(f"check_wheel: SyncDesk needs Python 3.11 or newer; this is "
              f"{sys.version.split()[0]}.", file=sys.stderr)
        return 1
    start = time.monotonic()
    checks = Checks()
    WORK.mkdir(exist_ok=True)
    LOG.write_text(f"check_wheel.py, {time.strftime('%Y-%m-%d %H:%M:%S')}\n",
                   encoding="utf-8")
    try:
        sdist, wheel = build_archives(checks)
        check_sdist(sdist, checks)
        check_wheel(wheel, checks)
        check_installed(install(wheel, checks), checks)
    except (CheckFailed, OSError, subprocess.CalledProcessError) as failure:
        # OSError, CalledProcessError: a virtual environment could not be made (no
        # ensurepip, a full disk…).
        print(f"FAIL  {failure}", flush=True)
        print(f"check_wheel: FAILED after {checks.passed} passed checks "
              f"({time.monotonic() - start:.0f} s)", flush=True)
        return 1
    print(f"check_wheel: all {checks.passed} checks passed in "
          f"{time.monotonic() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
