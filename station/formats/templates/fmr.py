"""The parts ISO/IEC 19794-2:2005 and INCITS 378-2004 share: finger view header, 6-byte minutiae, extended data.

They differ in the record header and the angle unit (ISO 360/256 degree, INCITS 2 degrees), which the two format
modules pass in. Layout, all big-endian: view header = position, view number (high 4 bits) + impression (low 4 bits),
quality, minutia count; minutia = type (2 high bits: 00 other, 01 ending, 10 bifurcation) + x (14 bits), 2 reserved
bits + y (14 bits), angle (1 byte), quality (1 byte, 0-100, 0 = not reported); then an extended-data length (u16, 0 if
none) and blocks of type u16 + length u16 (the length counts these 4 header bytes [M: NIST biomdi]) + data. We write the
core/delta block (type 2: count byte with the info type in its 2 high bits, then x, y and, for cores, an angle) and
read it back; other blocks (ridge counts, vendor data) are skipped on reading.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence

from station.biometrics.features import FingerFeatures, Minutia, MinutiaKind, SingularKind, SingularPoint
from station.formats.templates.model import PX_PER_CM_500PPI, FingerView, TemplateError

CORE_DELTA_BLOCK = 0x0002
# The header part both formats share: capture equipment, width, height, x and y resolution, view count, reserved.
IMAGE_HEADER = struct.Struct(">HHHHHBB")


def image_header(width: int, height: int, views: int, compliance: int, equipment_id: int) -> bytes:
    equipment = (compliance & 15) << 12 | (equipment_id & 0xFFF)
    return IMAGE_HEADER.pack(equipment, width, height, PX_PER_CM_500PPI, PX_PER_CM_500PPI, views, 0)


_MAX14 = (1 << 14) - 1


class AngleUnit:
    """Conversion between radians and a format's angle byte (`steps` per full turn)."""

    def __init__(self, steps: int) -> None:
        self.steps = steps

    def encode(self, radians: float) -> int:
        return round(radians % (2 * math.pi) * self.steps / (2 * math.pi)) % self.steps

    def decode(self, value: int) -> float:
        return (value % self.steps) * 2 * math.pi / self.steps


def quality_byte(q: float) -> int:
    return max(1, min(100, round(q * 100)))  # 0 means "not reported": never written for a real value


def _coordinate(value: float, limit: int, what: str) -> int:
    v = round(value)
    if not 0 <= v <= min(limit, _MAX14):
        raise TemplateError(f"{what} {value:.1f} lies outside the image (0-{limit})")
    return v


def encode_view(view: FingerView, unit: AngleUnit, width: int, height: int) -> bytes:
    f = view.features
    if len(f.minutiae) > 255:
        raise TemplateError(f"{len(f.minutiae)} minutiae: a finger view holds at most 255", "keep the best 255")
    if not 0 <= view.position <= 10 or not 0 <= view.view_number <= 15 or not 0 <= view.impression <= 15:
        raise TemplateError("finger position 0-10, view number 0-15 and impression type 0-15 expected")
    if not 0 <= view.quality <= 100:
        raise TemplateError(f"finger quality {view.quality} must be 0-100")
    out = bytearray(
        struct.pack(">BBBB", view.position, (view.view_number << 4) | view.impression, view.quality, len(f.minutiae))
    )
    for m in f.minutiae:
        x = _coordinate(m.x, width - 1, "minutia x")
        y = _coordinate(m.y, height - 1, "minutia y")
        out += struct.pack(">HHBB", (int(m.kind) & 3) << 14 | x, y, unit.encode(m.angle), quality_byte(m.quality))
    block = _core_delta_block(f, unit, width, height)
    out += struct.pack(">H", len(block)) + block
    return bytes(out)


def _core_delta_block(f: FingerFeatures, unit: AngleUnit, width: int, height: int) -> bytes:
    cores = [p for p in f.singular_points if p.kind == SingularKind.CORE]
    deltas = [p for p in f.singular_points if p.kind == SingularKind.DELTA]
    if not cores and not deltas:
        return b""
    if len(cores) > 15 or len(deltas) > 15:
        raise TemplateError("at most 15 cores and 15 deltas per view")
    with_angle = bool(cores) and all(p.angle is not None for p in cores)
    data = bytearray([(1 << 6 if with_angle else 0) | len(cores)])
    for p in cores:
        data += struct.pack(">HH", _coordinate(p.x, width - 1, "core x"), _coordinate(p.y, height - 1, "core y"))
        if with_angle:
            data.append(unit.encode(p.angle or 0.0))
    data.append(len(deltas))  # deltas are written without their three angles
    for p in deltas:
        data += struct.pack(">HH", _coordinate(p.x, width - 1, "delta x"), _coordinate(p.y, height - 1, "delta y"))
    return struct.pack(">HH", CORE_DELTA_BLOCK, len(data) + 4) + bytes(data)


class _Cursor:
    def __init__(self, data: bytes, pos: int) -> None:
        self.data, self.pos = data, pos

    def take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise TemplateError(f"record ends inside {what} (byte {self.pos}, {n} bytes needed)")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def decode_view(cursor: _Cursor, unit: AngleUnit, width: int, height: int, scale: float) -> FingerView:
    position, view_imp, quality, count = cursor.take(4, "a finger view header")
    minutiae = []
    for i in range(count):
        a, b, angle, q = struct.unpack(">HHBB", cursor.take(6, f"minutia {i + 1}"))
        kind_bits = a >> 14
        if kind_bits == 3:
            raise TemplateError(f"minutia {i + 1} has the reserved type 11")
        minutiae.append(
            Minutia(
                (a & _MAX14) * scale,
                (b & _MAX14) * scale,
                unit.decode(angle),
                MinutiaKind(kind_bits),
                q / 100 if q else 1.0,
            )
        )
    (ext_len,) = struct.unpack(">H", cursor.take(2, "the extended data length"))
    singular = _read_extended(cursor.take(ext_len, "the extended data"), unit, scale)
    features = FingerFeatures(round(width * scale), round(height * scale), tuple(minutiae), tuple(singular))
    return FingerView(features, position, view_imp >> 4, view_imp & 15, quality)


def _read_extended(data: bytes, unit: AngleUnit, scale: float) -> list[SingularPoint]:
    points: list[SingularPoint] = []
    pos = 0
    while pos + 4 <= len(data):
        block_type, length = struct.unpack_from(">HH", data, pos)
        if length < 4 or pos + length > len(data):
            raise TemplateError(f"extended data block of type {block_type} has a wrong length {length}")
        if block_type == CORE_DELTA_BLOCK:
            points += _read_core_delta(_Cursor(data[pos + 4 : pos + length], 0), unit, scale)
        pos += length
    if pos != len(data):
        raise TemplateError("extended data ends inside a block header")
    return points


def _read_core_delta(c: _Cursor, unit: AngleUnit, scale: float) -> list[SingularPoint]:
    # Cores carry one angle when angled; deltas carry three (we keep the first).
    return [*_read_points(c, SingularKind.CORE, 1, unit, scale), *_read_points(c, SingularKind.DELTA, 3, unit, scale)]


def _read_points(c: _Cursor, kind: SingularKind, angles: int, unit: AngleUnit, scale: float) -> list[SingularPoint]:
    name = kind.name.lower()
    (head,) = c.take(1, f"the {name} count")
    angled = head >> 6 == 1
    points = []
    for _ in range(head & 0x0F):
        x, y = struct.unpack(">HH", c.take(4, f"a {name}"))
        angle = unit.decode(c.take(angles, f"{name} angles")[0]) if angled else None
        points.append(SingularPoint((x & _MAX14) * scale, (y & _MAX14) * scale, kind, angle))
    return points


def encode_views(views: Sequence[FingerView] | FingerFeatures, unit: AngleUnit) -> tuple[int, int, int, bytes]:
    """(width, height, view count, encoded views); a bare FingerFeatures is one view of an unknown finger."""
    if isinstance(views, FingerFeatures):
        views = [FingerView(views)]
    if not views or len(views) > 255:
        raise TemplateError("a record holds 1-255 finger views")
    width, height = views[0].features.width, views[0].features.height
    return width, height, len(views), b"".join(encode_view(v, unit, width, height) for v in views)


def scale_to_canonical(x_res: int, y_res: int) -> float:
    """Factor from record pixels to 500 ppi pixels; 197 px/cm is taken as exactly 500 ppi."""
    if x_res <= 0 or y_res <= 0:
        raise TemplateError(f"resolution {x_res}x{y_res} px/cm is not usable")
    if x_res != y_res:
        raise TemplateError(f"unequal resolutions {x_res} and {y_res} px/cm are not supported")
    ppi = round(x_res * 2.54)
    return 1.0 if ppi == 500 else 500 / ppi


Cursor = _Cursor
