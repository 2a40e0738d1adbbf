"""ANSI INCITS 378-2004 finger minutiae record: `FMR\\0`, version ` 20\\0`, 26-byte header, angles in 2 degrees.

Header: magic (4) · version (4) · record length u16 (0 when longer than 65535: then a u32 length follows, header
30 bytes) · CBEFF product identifier (owner u16, type u16) · capture equipment (compliance 4 bits + id 12 bits) u16 ·
width u16 · height u16 · x and y resolution u16 (px/cm) · number of views u8 · reserved u8.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from station.biometrics.features import FingerFeatures
from station.formats.templates import fmr
from station.formats.templates.model import FingerView, MinutiaeRecord, TemplateError

STANDARD = "INCITS 378-2004"
MAGIC, VERSION = b"FMR\x00", b" 20\x00"
_REST = struct.Struct(">HHHHHHHBB")  # after magic, version and length
ANGLE = fmr.AngleUnit(180)


def encode(
    views: Sequence[FingerView] | FingerFeatures,
    *,
    product_owner: int = 0,
    product_type: int = 0,
    equipment_id: int = 0,
    compliance: int = 0,
) -> bytes:
    """A record of one or more finger views (a bare FingerFeatures is one view of an unknown finger)."""
    width, height, count, body = fmr.encode_views(views, ANGLE)
    rest = struct.pack(">HH", product_owner, product_type) + fmr.image_header(
        width, height, count, compliance, equipment_id
    )
    short_total = 8 + 2 + len(rest) + len(body)
    if short_total <= 0xFFFF:
        return MAGIC + VERSION + struct.pack(">H", short_total) + rest + body
    return MAGIC + VERSION + struct.pack(">HI", 0, short_total + 4) + rest + body


def decode(data: bytes) -> MinutiaeRecord:
    """Parse a record; raises TemplateError (only) when it is not a well-formed INCITS 378-2004 record."""
    if len(data) < 26:
        raise TemplateError(f"{len(data)} bytes is too short for an {STANDARD} record")
    if data[:4] != MAGIC or data[4:8] != VERSION:
        raise TemplateError(f"not an {STANDARD} record (magic {data[:4]!r}, version {data[4:8]!r})")
    (total,) = struct.unpack_from(">H", data, 8)
    pos = 10
    if total == 0:
        if len(data) < 30:
            raise TemplateError("record too short for its 4-byte length")
        (total,) = struct.unpack_from(">I", data, 10)
        pos = 14
    if total != len(data):
        raise TemplateError(f"header says {total} bytes but the record has {len(data)}")
    if len(data) < pos + _REST.size:
        raise TemplateError("record too short for its header")
    owner, ptype, equipment, width, height, xres, yres, count, _ = _REST.unpack_from(data, pos)
    scale = fmr.scale_to_canonical(xres, yres)
    cursor = fmr.Cursor(data, pos + _REST.size)
    views = tuple(fmr.decode_view(cursor, ANGLE, width, height, scale) for _ in range(count))
    if cursor.pos != len(data):
        raise TemplateError(f"{len(data) - cursor.pos} bytes follow the last finger view")
    return MinutiaeRecord(STANDARD, width, height, xres, yres, views, equipment >> 12, equipment & 0xFFF, owner, ptype)
