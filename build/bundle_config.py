"""What ``app.spec`` needs besides PyInstaller: the version, the Windows version resource,
and which parts of Qt the bundle leaves out.

Kept apart from the spec so that tests (tests/build/) check it without running a build.
Standard library only: the spec imports it inside PyInstaller's own interpreter.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"

APP_NAME = "SyncDesk"
EXECUTABLE = "syncdesk"  # the program's name in the Linux folder (SyncDesk.exe on Windows)
BUNDLE_ID = "app.syncdesk.desktop"  # macOS CFBundleIdentifier (reverse DNS, stable)

# PySide6 modules the application imports (the tests also use QtQml's JS engine, but the
# bundle carries no tests). PyInstaller's hooks follow these to Qt's libraries and
# plugins; every other PySide6 module is excluded outright.
QT_MODULES = ("QtCore", "QtGui", "QtWidgets", "QtSvg")

# Qt plugins SyncDesk never loads, as plugin folders or "folder/name" (the file name
# without "lib", "q" and the extension, e.g. "platforms/vnc" for libqvnc.so or qvnc.dll):
# networking, printing, SQL drivers, embedded-device platforms (VNC, EGLFS, the Linux
# framebuffer) and touch input, the GTK theme (which would pull half of GTK into the
# bundle; the desktop portal's theme gives the light/dark scheme), image formats the
# window never shows, Wayland's OpenGL buffer integrations (a widgets window draws into
# shared memory; they alone need QtOpenGL) and its shells for cars and kiosks (IVI,
# full-screen, the old wl-shell). Kept: the xcb and Wayland (xdg-shell) platforms,
# offscreen and minimal, Windows' and macOS' own, styles, SVG icons, input methods (dead
# keys, IBus).
UNUSED_QT_PLUGINS = ("networkinformation", "tls", "sqldrivers", "printsupport", "designer",
                     "qmltooling", "qmllint", "vectorimageformats", "generic",
                     "egldeviceintegrations", "wayland-graphics-integration-server",
                     "wayland-graphics-integration-client",
                     "wayland-shell-integration/ivi-shell",
                     "wayland-shell-integration/fullscreen-shell-v1",
                     "wayland-shell-integration/wl-shell-plugin",
                     "platforms/vnc", "platforms/eglfs", "platforms/linuxfb",
                     "platforms/minimalegl", "platforms/vkkhrdisplay", "platformthemes/gtk3",
                     "imageformats/webp", "imageformats/tiff", "imageformats/tga",
                     "imageformats/wbmp", "imageformats/gif", "imageformats/jpeg",
                     "imageformats/pdf")

# Python packages that come along with something but that the bundle never runs.
# (pygments comes through Mako's optional plugin, distutils through cffi's shim, readline,
# pdb and pydoc through debugging helpers of Python, Click and Werkzeug; SQLAlchemy loads a
# dialect only when a URL names it, and SyncDesk's stores are SQLite or PostgreSQL.)
EXCLUDED_PACKAGES = ("tkinter", "unittest", "doctest", "pydoc_data", "lib2to3", "pytest",
                     "_pytest", "hypothesis", "pytestqt", "ruff", "IPython", "numpy",
                     "setuptools", "pip", "PyInstaller", "pygments", "distutils",
                     "readline", "pdb", "pydoc", "xmlrpc",
                     "sqlalchemy.dialects.mysql", "sqlalchemy.dialects.oracle",
                     "sqlalchemy.dialects.mssql", "Crypto.PublicKey", "Crypto.Math",
                     "Crypto.Signature", "Crypto.IO")

# Linux libraries the bundle takes from the computer it runs on instead of carrying them:
# the desktop's own X11, fonts (fontconfig, FreeType), GLib, D-Bus and C++ runtime. Every
# desktop that can show a window has them, and they must be the desktop's own: an older
# copy in the bundle can break the graphics drivers and input methods the desktop loads
# into the same process (the AppImage project's exclude list leaves them out for that
# reason). Also left out: what only these libraries need (GLib's PCRE2, D-Bus's libsystemd
# and its gcrypt, lz4, libcap; FreeType's PNG and Brotli; fontconfig's expat; X11's Xau,
# Xdmcp and libbsd). The build checks that nothing else the bundle needs is missing
# (build/bundle.py, host_needs).
HOST_LIBRARIES = frozenset({
    "libX11.so.6", "libXau.so.6", "libXdmcp.so.6", "libbsd.so.0", "libmd.so.0",
    "libfontconfig.so.1", "libfreetype.so.6", "libexpat.so.1", "libpng16.so.16",
    "libbrotlidec.so.1", "libbrotlicommon.so.1",
    "libglib-2.0.so.0", "libgthread-2.0.so.0", "libpcre2-8.so.0",
    "libdbus-1.so.3", "libsystemd.so.0", "libgcrypt.so.20", "libgpg-error.so.0",
    "liblz4.so.1", "libcap.so.2",
    "libstdc++.so.6", "libgcc_s.so.1",
})

# What the computer's own system provides and PyInstaller never bundles (the C library and
# the dynamic loader, OpenGL/EGL, libxcb itself and Wayland's client libraries; xcb's
# helper libraries such as xcb-cursor are bundled: many desktops lack them): the build's check of
# what the bundle takes from the computer counts these as always there.
SYSTEM_LIBRARY = re.compile(r"ld-linux.*|lib(c|m|dl|pthread|rt|resolv|util|anl)\.so\..*"
                            r"|lib(GL|EGL|GLX|OpenGL|GLdispatch|drm|gbm)\.so\..*"
                            r"|libxcb(-dri[0-9]*)?\.so\..*"
                            r"|libwayland-(client|cursor|egl|server)\.so\..*")

# Parts of pycryptodome that nothing in SyncDesk imports (its native public-key and
# big-number code): the keyring's AES, PBKDF2 and the company key's AES-GCM stay in.
UNUSED_CRYPTO = ("Crypto/PublicKey", "Crypto/Math", "Crypto/Signature", "Crypto/IO")

ICU_DATA = re.compile(r"libicudata\.so\.(\d+)$")
ICU_STUB_SOURCE = BUILD / "icu_data_stub.c"


def project_version(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The version in pyproject.toml: the one place it is written."""
    return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """Four numbers for Windows' version fields, from the release part of the version
    ("0.1.0" → (0, 1, 0, 0); "1.2rc1", "1.0.dev4" and "1.2+local" keep "1.2", "1.0")."""
    release = re.match(r"\d+(?:\.\d+)*", version)
    if release is None:
        raise ValueError(f"the version {version!r} does not start with a number")
    numbers = [int(n) for n in release.group().split(".")[:4]]
    return (*numbers, *[0] * (4 - len(numbers)))  # type: ignore[return-value]


def windows_version_info(version: str,
                         template: Path = BUILD / "version_info.txt") -> str:
    """The Windows version resource (PyInstaller's VSVersionInfo text) for ``version``."""
    return Template(template.read_text(encoding="utf-8")).substitute(
        version=version, version_tuple=repr(version_tuple(version)))


def plugin_name(file_name: str) -> str:
    """A Qt plugin's name from its file name: libqvnc.so, qvnc.dll, libqvnc.dylib → vnc."""
    stem = file_name.split(".")[0]
    stem = stem.removeprefix("lib")
    return stem.removeprefix("q")


def unused_qt_file(path: str) -> bool:
    """Whether a file the Qt hooks collect (its source path or its place in the bundle)
    can be left out: Qt's translations (SyncDesk speaks its own English) and the plugins
    in ``UNUSED_QT_PLUGINS``."""
    parts = Path(path).parts
    if "translations" in parts and any(p in ("Qt", "PySide6") for p in parts):
        return True
    if "plugins" not in parts:
        return False
    after = parts[parts.index("plugins") + 1:]
    if not after:
        return False
    if after[0] in UNUSED_QT_PLUGINS:
        return True
    return len(after) > 1 and f"{after[0]}/{plugin_name(after[1])}" in UNUSED_QT_PLUGINS


def excluded_modules() -> list[str]:
    """Every PySide6 module outside ``QT_MODULES``, and the packages above."""
    import importlib.util

    spec = importlib.util.find_spec("PySide6")
    names: set[str] = set()
    for folder in spec.submodule_search_locations if spec else []:
        for path in Path(folder).iterdir():
            name = path.name.split(".")[0]
            if name.startswith("Qt") and name not in QT_MODULES:
                names.add(f"PySide6.{name}")
    return sorted(names) + list(EXCLUDED_PACKAGES)


def check_installed_version(version: str) -> None:
    """Stop the build when the installed ``syncdesk`` metadata (copied into the bundle, read
    by About and --version) is not pyproject's ``version``: a stale install."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        found = installed("syncdesk")
    except PackageNotFoundError:
        found = None
    if found != version:
        raise SystemExit(f"SyncDesk {version} is in pyproject.toml but {found or 'nothing'} is "
                         "installed: run `pip install -e .` (build/bundle.py does) and build "
                         "again, or the bundle's About would say the old version")


def info_plist(version: str) -> dict[str, object]:
    """The macOS Info.plist entries beyond those PyInstaller writes itself (Apple's
    version strings are numbers and dots only: "1.2.0rc1" becomes "1.2.0")."""
    numbers = ".".join(str(n) for n in version_tuple(version)[:3])
    return {
        "CFBundleName": APP_NAME,
        "CFBundleDisplayName": APP_NAME,
        "CFBundleShortVersionString": numbers,
        "CFBundleVersion": numbers,
        "NSHighResolutionCapable": True,
        "NSRequiresAquaSystemAppearance": False,  # follow the system's dark mode
        "LSApplicationCategoryType": "public.app-category.finance",
    }


def qt_dependencies(hook_file: str) -> tuple[list, list, list]:
    """What PyInstaller's own hook for a PySide6 module collects, less the files
    ``unused_qt_file`` leaves out: build/hooks/ overrides the hooks with this, so that the
    libraries those plugins need are never looked for either."""
    from PyInstaller.utils.hooks.qt import add_qt6_dependencies

    hiddenimports, binaries, datas = add_qt6_dependencies(hook_file)
    binaries = [entry for entry in binaries if not unused_qt_file(entry[0])]
    datas = [entry for entry in datas if not unused_qt_file(entry[0])]
    return hiddenimports, binaries, datas


def icu_data_stub(major: str, folder: Path) -> Path | None:
    """build/icu_data_stub.c compiled for ICU ``major`` (Linux), or None without a C
    compiler (the bundle then keeps Qt's full ICU data and is 31 MB larger)."""
    import shutil
    import subprocess

    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"libicudata.so.{major}"
    subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-s",
                    f"-DICU_DATA_SYMBOL=icudt{major}_dat",
                    f"-Wl,-soname,libicudata.so.{major}", "-o", str(target),
                    str(ICU_STUB_SOURCE)], check=True)
    return target


def with_icu_data_stub(binaries: list, folder: Path) -> tuple[list, str]:
    """``binaries`` (a PyInstaller TOC) with Qt's ICU data library swapped for the stub;
    and what was done, in words, for the build's log."""
    swapped: list = []
    said = "no ICU data library in the bundle"
    for entry in binaries:
        name, kind = entry[0], entry[2]
        found = ICU_DATA.search(Path(name).name)
        if found:
            stub = icu_data_stub(found.group(1), folder)
            if stub is None:
                said = "no C compiler: Qt's full ICU data library kept"
            else:
                said = f"ICU data library {Path(name).name} replaced by the empty stub"
                entry = (name, str(stub), kind)
        swapped.append(entry)
    return swapped, said


def host_library(name: str) -> bool:
    """Whether a library (its name or its place in the bundle) is one of the
    ``HOST_LIBRARIES`` the Linux bundle takes from the computer it runs on."""
    return Path(name).name in HOST_LIBRARIES


def system_library(name: str) -> bool:
    """Whether a library is the system's own (``SYSTEM_LIBRARY``), never bundled."""
    return SYSTEM_LIBRARY.fullmatch(Path(name).name) is not None


def unused_crypto_file(path: str) -> bool:
    """Whether a file of pycryptodome's is in one of the ``UNUSED_CRYPTO`` folders."""
    return any(folder in Path(path).as_posix() for folder in UNUSED_CRYPTO)
