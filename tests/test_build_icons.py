"""The packaged application's icons (issue "Packaging"): ``build/make_icons.py`` makes
``build/icons/syncdesk.{ico,icns,png}`` from ``resources/icons/syncdesk.svg``, the same
bytes every time, and the committed files are what it makes from the SVG as it is now
(to the rasteriser's rounding, which differs a little between CPUs).
The containers are read back here with the standard library, byte by byte."""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "build" / "icons"
NAMES = ("syncdesk.ico", "syncdesk.icns", "syncdesk.png")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REGENERATE = ("run `.venv/bin/python build/make_icons.py` from the repository's root and "
              "commit build/icons/")


def load_make_icons():
    spec = importlib.util.spec_from_file_location("make_icons", ROOT / "build" / "make_icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR, which must come first."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


def decodes(data: bytes, size: int) -> QImage:
    """``data`` decoded by Qt: a ``size``×``size`` image painted in its middle, clear in
    its corner."""
    image = QImage.fromData(data, "PNG")
    assert not image.isNull() and (image.width(), image.height()) == (size, size)
    assert image.pixelColor(size // 2, size // 2).alpha() == 255
    assert image.pixelColor(0, 0).alpha() == 0
    return image


def ico_images(data: bytes) -> dict[int, bytes]:
    """The images of an .ico by their size, checking ICONDIR and each ICONDIRENTRY."""
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1), "not an icon (ICONDIR reserved 0, type 1)"
    images: dict[int, bytes] = {}
    end = 6 + 16 * count
    for i in range(count):
        width, height, colours, zero, planes, bits, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * i:22 + 16 * i])
        size = width or 256
        assert (width, colours, zero, planes, bits) == (height, 0, 0, 1, 32), i
        assert offset == end, f"image {i} is not right after the one before it"
        image = data[offset:offset + length]
        assert len(image) == length and png_size(image) == (size, size), size
        images[size] = image
        end = offset + length
    assert end == len(data), "bytes after the last image"
    return images


def icns_entries(data: bytes) -> list[tuple[str, bytes]]:
    """The (type, data) entries of an .icns, checking its header and every length."""
    magic, total = struct.unpack(">4sI", data[:8])
    assert magic == b"icns" and total == len(data)
    entries = []
    at = 8
    while at < len(data):
        kind, length = struct.unpack(">4sI", data[at:at + 8])
        assert length > 8 and at + length <= len(data), kind
        entries.append((kind.decode("ascii"), data[at + 8:at + length]))
        at += length
    assert at == len(data)
    return entries


def images_of(path: Path) -> dict[str, bytes]:
    """The PNG images a packaged icon file holds, by their place in it."""
    data = path.read_bytes()
    if path.suffix == ".ico":
        return {str(size): image for size, image in ico_images(data).items()}
    if path.suffix == ".icns":
        return dict(icns_entries(data))
    return {"png": data}


RASTER_SLACK = 2  # Qt's rasteriser differs by a level or so between CPUs (SIMD paths)


def most_different(made: bytes, committed: bytes) -> int:
    """The largest difference of one colour channel between two decoded PNGs."""
    a, b = (QImage.fromData(d, "PNG").convertToFormat(QImage.Format.Format_ARGB32)
            for d in (made, committed))
    assert a.size() == b.size()
    bits_a, bits_b = bytes(a.constBits()), bytes(b.constBits())
    if bits_a == bits_b:
        return 0
    return max(abs(x - y) for x, y in zip(bits_a, bits_b, strict=True))


def test_the_committed_icons_are_made_from_the_svg(qapp, tmp_path):
    """Pixel for pixel, give or take the rasteriser's rounding: a changed SVG shows."""
    written = load_make_icons().make_icons(tmp_path)
    assert sorted(p.name for p in written) == sorted(NAMES)
    for name in NAMES:
        committed = ICONS / name
        assert committed.is_file(), f"build/icons/{name} is missing: {REGENERATE}"
        made, kept = images_of(tmp_path / name), images_of(committed)
        assert made.keys() == kept.keys(), f"build/icons/{name}: other images. {REGENERATE}"
        for place, image in made.items():
            assert most_different(image, kept[place]) <= RASTER_SLACK, (
                f"build/icons/{name} ({place}) is not what resources/icons/syncdesk.svg "
                f"makes now: {REGENERATE}")


def test_making_the_icons_twice_gives_the_same_bytes(qapp, tmp_path):
    make_icons = load_make_icons().make_icons
    first = {p.name: p.read_bytes() for p in make_icons(tmp_path / "first")}
    second = {p.name: p.read_bytes() for p in make_icons(tmp_path / "second")}
    assert first == second


def test_the_ico_holds_every_windows_size_as_png(qapp):
    images = ico_images((ICONS / "syncdesk.ico").read_bytes())
    assert sorted(images) == [16, 24, 32, 48, 64, 128, 256]
    decodes(images[16], 16)
    decodes(images[256], 256)


def test_the_icns_holds_every_macos_type_as_png(qapp):
    entries = icns_entries((ICONS / "syncdesk.icns").read_bytes())
    sizes = {kind: png_size(data) for kind, data in entries}
    assert sizes == {"ic11": (32, 32), "ic12": (64, 64), "ic07": (128, 128),
                     "ic13": (256, 256), "ic08": (256, 256), "ic14": (512, 512),
                     "ic09": (512, 512), "ic10": (1024, 1024)}
    assert len(entries) == len(sizes), "a type twice"
    decodes(dict(entries)["ic07"], 128)


def test_the_linux_png_is_256_pixels(qapp):
    data = (ICONS / "syncdesk.png").read_bytes()
    assert png_size(data) == (256, 256)
    decodes(data, 256)
