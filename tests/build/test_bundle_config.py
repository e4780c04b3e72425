"""What app.spec takes from build/bundle_config.py (issue "Packaging"): the version from
pyproject in Windows' and macOS' version fields, the Qt files left out of the bundle, the
desktop libraries a Linux bundle takes from the computer, and the empty ICU data library
that stands in for Qt's 31 MB one on Linux."""

from __future__ import annotations

import ast
import ctypes
import importlib.util
import shutil
import struct
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "build" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


config = load("bundle_config")


def test_the_version_is_pyprojects():
    from importlib.metadata import version

    assert config.project_version() == version("syncdesk")


def test_a_stale_install_stops_the_build():
    """The bundle copies the installed metadata (About, --version): it must be pyproject's."""
    config.check_installed_version(config.project_version())
    with pytest.raises(SystemExit, match=r"run `pip install -e \.`"):
        config.check_installed_version("99.0.0")


@pytest.mark.parametrize(("version", "numbers"), [
    ("0.1.0", (0, 1, 0, 0)), ("2.3", (2, 3, 0, 0)), ("1.2.3rc1", (1, 2, 3, 0)),
    ("1.0.0.dev4", (1, 0, 0, 0)), ("4.5.6+local.7", (4, 5, 6, 0))])
def test_windows_gets_four_numbers(version, numbers):
    assert config.version_tuple(version) == numbers


def test_a_version_without_numbers_is_refused():
    with pytest.raises(ValueError, match="does not start with a number"):
        config.version_tuple("beta")


def test_the_windows_version_resource_carries_the_version():
    """The rendered file is one Python expression in PyInstaller's VSVersionInfo form (its
    loader eval()s it on Windows; it cannot be imported elsewhere), and every version
    field says the version given."""
    tree = ast.parse(config.windows_version_info("3.14.2"), mode="eval")
    calls = {node.func.id: node for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert tree.body.func.id == "VSVersionInfo"
    assert {"FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct",
            "VarFileInfo", "VarStruct"} <= set(calls)
    fixed = {k.arg: ast.literal_eval(k.value) for k in calls["FixedFileInfo"].keywords
             if k.arg in ("filevers", "prodvers")}
    assert fixed == {"filevers": (3, 14, 2, 0), "prodvers": (3, 14, 2, 0)}
    strings = dict(ast.literal_eval(ast.unparse(node.args[0]) + ", "
                                    + ast.unparse(node.args[1]))
                   for node in ast.walk(tree) if isinstance(node, ast.Call)
                   and getattr(node.func, "id", "") == "StringStruct")
    assert strings["FileVersion"] == strings["ProductVersion"] == "3.14.2"
    assert strings["OriginalFilename"] == "SyncDesk.exe"


def test_the_macos_bundle_says_the_version_and_follows_dark_mode():
    plist = config.info_plist("3.14.2")
    assert plist["CFBundleShortVersionString"] == plist["CFBundleVersion"] == "3.14.2"
    assert config.info_plist("2.0rc1")["CFBundleVersion"] == "2.0.0"  # Apple: numbers only
    assert plist["NSRequiresAquaSystemAppearance"] is False
    assert config.BUNDLE_ID.count(".") >= 2


@pytest.mark.parametrize("path", [
    "PySide6/Qt/translations/qtbase_de.qm",
    "PySide6/Qt/plugins/platforms/libqvnc.so",
    "PySide6\\Qt\\plugins\\platforms\\qeglfs.dll" if sys.platform == "win32"
    else "PySide6/Qt/plugins/platforms/libqeglfs.so",
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
    "PySide6/Qt/plugins/tls/libqopensslbackend.so",
    "PySide6/Qt/plugins/imageformats/libqwebp.so",
    "PySide6/Qt/plugins/generic/libqtuiotouchplugin.so",
    "/site-packages/PySide6/Qt/plugins/sqldrivers/libqsqlite.so",
    "PySide6/Qt/plugins/wayland-graphics-integration-client/libqt-plugin-wayland-egl.so",
    "PySide6/Qt/plugins/wayland-shell-integration/libivi-shell.so",
])
def test_unused_qt_files_stay_out(path):
    assert config.unused_qt_file(path)


@pytest.mark.parametrize("path", [
    "PySide6/Qt/plugins/platforms/libqxcb.so",
    "PySide6/Qt/plugins/platforms/libqwayland.so",
    "PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so",
    "PySide6/Qt/plugins/wayland-decoration-client/libadwaita.so",
    "PySide6/Qt/plugins/platforms/libqoffscreen.so",
    "PySide6/Qt/plugins/platforms/qwindows.dll",
    "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
    "PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so",
    "PySide6/Qt/plugins/styles/qmodernwindowsstyle.dll",
    "PySide6/Qt/plugins/imageformats/libqsvg.so",
    "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
    "PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
    "PySide6/Qt/lib/libQt6Gui.so.6",
    "resources/icons/state-synced.svg",
])
def test_what_the_window_needs_stays_in(path):
    assert not config.unused_qt_file(path)


@pytest.mark.parametrize("name", ["libX11.so.6", "libfontconfig.so.1", "libglib-2.0.so.0",
                                  "libdbus-1.so.3", "libstdc++.so.6", "/usr/lib/libgcc_s.so.1"])
def test_the_desktops_own_libraries_come_from_the_computer(name):
    assert config.host_library(name) and not config.system_library(name)


@pytest.mark.parametrize("name", ["libc.so.6", "ld-linux-x86-64.so.2", "libGL.so.1",
                                  "libEGL.so.1", "libxcb.so.1", "libxcb-dri3.so.0",
                                  "libwayland-client.so.0"])
def test_the_systems_own_libraries_are_never_bundled(name):
    assert config.system_library(name) and not config.host_library(name)


@pytest.mark.parametrize("name", ["libssl.so.3", "libcrypto.so.3", "libsqlite3.so.0",
                                  "libxkbcommon.so.0", "libxcb-cursor.so.0",
                                  "libxcb-icccm.so.4",
                                  "libpython3.11.so.1.0", "libQt6Core.so.6", "libffi.so.8",
                                  "libzstd.so.1", "libpq-e9b5c9ac.so.5.18"])
def test_what_a_computer_may_lack_is_bundled(name):
    """OpenSSL, SQLite, Python's own libraries, xcb-cursor (missing from many desktops
    that Qt 6.5 and later need it on) and psycopg's libpq stay in the bundle."""
    assert not config.host_library(name) and not config.system_library(name)


@pytest.mark.parametrize("path, unused", [
    ("Crypto/PublicKey/_ed25519.abi3.so", True),
    ("/venv/site-packages/Crypto/Math/_nat.abi3.so", True),
    ("Crypto/Cipher/_raw_aes.abi3.so", False),
    ("Crypto/Hash/_SHA256.abi3.so", False),
    ("Crypto/Protocol/_scrypt.abi3.so", False),
])
def test_only_pycryptodomes_unused_native_code_stays_out(path, unused):
    assert config.unused_crypto_file(path) is unused


def test_the_bundle_check_names_a_library_a_computer_may_lack():
    bundle = load("bundle")
    needs = {"syncdesk": ["libpython3.11.so.1.0", "libc.so.6"],
             "libQt6Gui.so.6": ["libX11.so.6", "libxkbcommon.so.0", "libGL.so.1"],
             "_psycopg.so": ["libpq-e9b5c9ac.so.5.18", "libgssapi_krb5.so.2"]}
    carried = {"syncdesk", "libpython3.11.so.1.0", "libQt6Gui.so.6", "_psycopg.so",
               "libpq-e9b5c9ac.so.5.18"}
    host = bundle.from_the_host(needs, carried)
    assert host == {"libc.so.6", "libX11.so.6", "libxkbcommon.so.0", "libGL.so.1",
                    "libgssapi_krb5.so.2"}
    assert bundle.unexpected_host_libraries(host) == ["libgssapi_krb5.so.2",
                                                      "libxkbcommon.so.0"]


@pytest.mark.skipif(not sys.platform.startswith("linux") or not shutil.which("readelf"),
                    reason="reads ELF files with readelf, on Linux")
def test_the_bundle_check_reads_what_a_library_needs():
    import _ssl

    bundle = load("bundle")
    ssl_module = Path(_ssl.__file__)
    assert bundle.is_elf(ssl_module)
    assert any(name.startswith("libssl.so") for name in bundle.needed_libraries(ssl_module))
    assert not bundle.is_elf(ROOT / "app.spec")


def test_only_the_qt_modules_used_are_bundled():
    excluded = config.excluded_modules()
    assert "PySide6.QtNetwork" in excluded and "PySide6.QtQml" in excluded
    assert not {f"PySide6.{m}" for m in config.QT_MODULES} & set(excluded)
    for used in ("ui", "app"):  # every PySide6 module the application imports is kept
        for source in (ROOT / used).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            for module in config.excluded_modules():
                if module.startswith("PySide6."):
                    assert f"from {module} " not in text, f"{source} uses {module}"


@pytest.mark.skipif(not sys.platform.startswith("linux") or not shutil.which("cc"),
                    reason="the ICU stub is built on Linux, with a C compiler")
def test_the_icu_stub_is_an_empty_icu_data_library(tmp_path):
    """Compiled for ICU 73, it exports icudt73_dat: ICU's common-data header ("CmnD",
    format 1, the right byte order and charset family) with no entries."""
    binaries = [("libicudata.so.73", "/qt/lib/libicudata.so.73", "BINARY"),
                ("libQt6Core.so.6", "/qt/lib/libQt6Core.so.6", "BINARY")]
    swapped, said = config.with_icu_data_stub(binaries, tmp_path)
    assert "replaced by the empty stub" in said
    assert swapped[1] == binaries[1]
    stub = Path(swapped[0][1])
    assert stub.parent == tmp_path and stub.stat().st_size < 100_000
    library = ctypes.CDLL(str(stub))
    header = (ctypes.c_ubyte * 48).in_dll(library, "icudt73_dat")
    data = bytes(header)
    size, magic1, magic2 = struct.unpack_from("<HBB", data)
    assert (size, magic1, magic2) == (32, 0xDA, 0x27)
    info_size, _, big_endian, charset, uchar = struct.unpack_from("<HHBBB", data, 4)
    assert (info_size, big_endian, charset, uchar) == (20, sys.byteorder == "big", 0, 2)
    assert data[12:16] == b"CmnD" and data[16] == 1
    assert struct.unpack_from("<I", data, 32)[0] == 0  # no entries


def test_without_an_icu_library_nothing_is_swapped(tmp_path):
    binaries = [("libQt6Core.so.6", "/qt/lib/libQt6Core.so.6", "BINARY")]
    assert config.with_icu_data_stub(binaries, tmp_path) == (
        binaries, "no ICU data library in the bundle")
