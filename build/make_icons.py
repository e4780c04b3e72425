"""Make the packaged application's icons from ``resources/icons/syncdesk.svg``.

Usage, from the repository's root (no display needed: Qt draws offscreen):
    .venv/bin/python build/make_icons.py              # writes build/icons/
    .venv/bin/python build/make_icons.py --out DIR    # writes DIR/ instead

It writes, each image rendered from the SVG by Qt (QSvgRenderer):

- ``syncdesk.ico`` (Windows; PyInstaller's ``icon=`` for the .exe): 16, 24, 32, 48, 64,
  128 and 256 px in one file. Qt's ``ico`` writer stores one image per file, so the
  container is written here: ICONDIR, one ICONDIRENTRY per size, then PNG-compressed
  images (Windows Vista and later read PNG at every size).
- ``syncdesk.icns`` (macOS; the .app bundle's icon): the ``icns`` magic and the file's
  length, then one entry per image (type, length including its 8-byte header, PNG data):
  ic11 16@2x (32 px), ic12 32@2x (64), ic07 128, ic13 128@2x (256), ic08 256,
  ic14 256@2x (512), ic09 512, ic10 512@2x (1024). Lengths are big-endian.
- ``syncdesk.png`` (Linux desktops): 256 px.

The output is the same bytes on every run: the PNGs are encoded here with ``zlib`` at a
fixed level, without time stamps or text chunks, so only the SVG (and the Qt that draws
it) decides them. ``tests/test_build_icons.py`` makes them again and compares them with the
committed files: after changing the SVG, run this script and commit ``build/icons/``.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "syncdesk.svg"
OUT = ROOT / "build" / "icons"
NAME = "syncdesk"

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
#: The .icns entries: (type, pixels), small to large.
ICNS_TYPES = (
    (b"ic11", 32),  # 16×16 @2x
    (b"ic12", 64),  # 32×32 @2x
    (b"ic07", 128),
    (b"ic13", 256),  # 128×128 @2x
    (b"ic08", 256),
    (b"ic14", 512),  # 256×256 @2x
    (b"ic09", 512),
    (b"ic10", 1024),  # 512×512 @2x
)
PNG_SIZE = 256

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --- drawing ---------------------------------------------------------------------------

def _application() -> object:
    """The running QGuiApplication, else a new one (offscreen unless told otherwise)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication([sys.argv[0] or "make_icons"])


def render_rgba(svg: Path, size: int) -> bytes:
    """``svg`` drawn on a transparent ``size``×``size`` square: rows of straight
    (not premultiplied) RGBA bytes, top to bottom."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _application()
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {svg} is not an SVG Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    data = bytes(image.constBits())
    stride = image.bytesPerLine()
    return b"".join(data[y * stride:y * stride + size * 4] for y in range(size))


# --- containers --------------------------------------------------------------------------

def png_bytes(rgba: bytes, size: int) -> bytes:
    """A PNG of ``size``×``size`` 8-bit RGBA pixels: IHDR, one IDAT, IEND, nothing else."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    row = size * 4
    raw = b"".join(b"\x00" + rgba[y * row:(y + 1) * row] for y in range(size))  # filter 0
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8 bits, RGBA
    return (PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An .ico of the PNGs (pixels → PNG bytes), smallest first. Little-endian: ICONDIR
    (reserved 0, type 1 = icon, count), 16 bytes per ICONDIRENTRY (width and height, 0
    meaning 256; no palette; reserved; 1 plane; 32 bits a pixel; the image's length and
    offset), then the images."""
    sizes = sorted(pngs)
    offset = 6 + 16 * len(sizes)
    directory = struct.pack("<HHH", 0, 1, len(sizes))
    for size in sizes:
        side = 0 if size == 256 else size
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(pngs[size]), offset)
        offset += len(pngs[size])
    return directory + b"".join(pngs[size] for size in sizes)


def icns_bytes(entries: list[tuple[bytes, bytes]]) -> bytes:
    """An .icns of (type, PNG bytes) entries. Big-endian: ``icns`` and the file's length,
    then each entry's type, its length (the 8-byte header included) and its data."""
    body = b"".join(kind + struct.pack(">I", 8 + len(data)) + data for kind, data in entries)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


# --- the files ---------------------------------------------------------------------------

def make_icons(out: Path = OUT, svg: Path = SVG) -> list[Path]:
    """Write syncdesk.ico, syncdesk.icns and syncdesk.png into ``out``; their paths."""
    cache: dict[int, bytes] = {}

    def png(size: int) -> bytes:
        if size not in cache:
            cache[size] = png_bytes(render_rgba(svg, size), size)
        return cache[size]

    files = {
        out / f"{NAME}.ico": ico_bytes({size: png(size) for size in ICO_SIZES}),
        out / f"{NAME}.icns": icns_bytes([(kind, png(size)) for kind, size in ICNS_TYPES]),
        out / f"{NAME}.png": png(PNG_SIZE),
    }
    out.mkdir(parents=True, exist_ok=True)
    for path, data in files.items():
        path.write_bytes(data)
    return list(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Make build/icons/syncdesk.{ico,icns,png} from the SVG icon.")
    parser.add_argument("--out", type=Path, default=OUT,
                        help=f"the folder to write into (default: {OUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    for path in make_icons(args.out):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
