"""ISO/IEC 19794-2:2005 finger minutiae record: `FMR\\0`, version ` 20\\0`, 24-byte header, angles in 360/256 degree.

Header: magic (4) · version (4) · total length u32 · capture equipment (compliance 4 bits + id 12 bits) u16 ·
width u16 · height u16 · x and y resolution u16 (px/cm) · number of views u8 · reserved u8.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from station.biometrics.features import FingerFeatures
from station.formats.templates import fmr
from station.formats.templates.model import FingerView, MinutiaeRecord, TemplateError

STANDARD = "ISO/IEC 19794-2:2005"
MAGIC, VERSION = b"FMR\x00", b" 20\x00"
_HEADER = struct.Struct(">4s4sIHHHHHBB")
ANGLE = fmr.AngleUnit(256)


def encode(views: Sequence[FingerView] | FingerFeatures, *, equipment_id: int = 0, compliance: int = 0) -> bytes:
    """A record of one or more finger views (a bare FingerFeatures is one view of an unknown finger)."""
    width, height, count, body = fmr.encode_views(views, ANGLE)
    total = _HEADER.size + len(body)
    header = (
        MAGIC + VERSION + struct.pack(">I", total) + fmr.image_header(width, height, count, compliance, equipment_id)
    )
    return header + body


def decode(data: bytes) -> MinutiaeRecord:
    """Parse a record; raises TemplateError (only) when it is not a well-formed ISO 19794-2:2005 record."""
    if len(data) < _HEADER.size:
        raise TemplateError(f"{len(data)} bytes is too short for an {STANDARD} record")
    magic, version, total, equipment, width, height, xres, yres, count, _ = _HEADER.unpack_from(data)
    if magic != MAGIC or version != VERSION:
        raise TemplateError(f"not an {STANDARD} record (magic {magic!r}, version {version!r})")
    if total != len(data):
        raise TemplateError(f"header says {total} bytes but the record has {len(data)}")
    scale = fmr.scale_to_canonical(xres, yres)
    cursor = fmr.Cursor(data, _HEADER.size)
    views = tuple(fmr.decode_view(cursor, ANGLE, width, height, scale) for _ in range(count))
    if cursor.pos != len(data):
        raise TemplateError(f"{len(data) - cursor.pos} bytes follow the last finger view")
    return MinutiaeRecord(STANDARD, width, height, xres, yres, views, equipment >> 12, equipment & 0xFFF)
