"""Our own fingerprint template: the minutiae of one finger, quantised into a small versioned byte string.

Layout of version 1 (all integers big-endian):

    offset size  field
    0      4     magic b"BSTM" (Booking STation Minutiae)
    4      1     version (1)
    5      1     flags (reserved, 0)
    6      2     image width  (canonical 500 ppi pixels)
    8      2     image height (canonical 500 ppi pixels)
    10     2     minutia count N
    12     1     singular point count S
    13     6*N   minutiae: x u16 and y u16 in quarter pixels, angle u8 in 1/256 turns,
                 kind (2 high bits) | quality in 1/63 (6 low bits) u8
    ..     6*S   singular points: x u16, y u16 (quarter pixels), kind u8, angle u8 (255 = none, else 1/255 turns)
    ..     4     CRC-32 of everything before it

Quantisation (0.25 px, 1.4 degrees, 1/63 quality) is far below what any extractor resolves, so a template read back
matches exactly as the original. The matcher's cylinders are not stored: they are recomputed from the minutiae in a
few milliseconds when a template is first matched (`station.biometrics.matching`), which keeps templates ~6 bytes per
minutia and lets the matcher evolve without a template migration.
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass

import numpy as np

from station.biometrics.features import (
    CANONICAL_PPI,
    FingerFeatures,
    Minutia,
    MinutiaKind,
    SingularKind,
    SingularPoint,
)
from station.errors import FormatError

MAGIC = b"BSTM"
VERSION = 1
_HEADER = struct.Struct(">4sBBHHHB")
_MINUTIA = struct.Struct(">HHBB")
_SINGULAR = struct.Struct(">HHBB")
_CRC = struct.Struct(">I")
MAX_MINUTIAE = 65535
MAX_SINGULAR = 255
_MAX_COORD = 65535 / 4.0
_NO_ANGLE = 255


class TemplateError(FormatError):
    """Bytes that are not a valid station template (foreign, truncated or corrupt)."""


def _quantise_position(value: float) -> int:
    return int(min(max(round(value * 4.0), 0), 65535))


def _quantise_angle(angle: float) -> int:
    return round((angle % (2.0 * math.pi)) / (2.0 * math.pi) * 256.0) % 256


def _quantise_quality(quality: float) -> int:
    return int(min(max(round(quality * 63.0), 0), 63))


@dataclass(frozen=True, eq=False)
class Template:
    """The minutiae of one finger, already quantised to what the bytes hold (so round trips are exact).

    Arrays are read-only: `x`, `y` (float32, canonical pixels), `angle` (float32 radians, features.py convention),
    `kind` (uint8 MinutiaKind), `quality` (float32 in [0, 1]).
    """

    width: int
    height: int
    x: np.ndarray
    y: np.ndarray
    angle: np.ndarray
    kind: np.ndarray
    quality: np.ndarray
    singular_points: tuple[SingularPoint, ...] = ()

    def __post_init__(self) -> None:
        for name in ("x", "y", "angle", "kind", "quality"):
            getattr(self, name).setflags(write=False)
        object.__setattr__(self, "_cache", {})

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Template):
            return NotImplemented
        return self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    @property
    def cache(self) -> dict[str, object]:
        """Per-template scratch space where the matcher keeps what it derives from the minutiae (cylinders)."""
        return self._cache  # type: ignore[attr-defined,no-any-return]

    @classmethod
    def from_features(cls, features: FingerFeatures) -> Template:
        """A template of `features` (canonical 500 ppi coordinates), quantised as it will be stored."""
        if features.ppi != CANONICAL_PPI:
            raise ValueError(f"features must be at {CANONICAL_PPI} ppi, got {features.ppi}: resample the image first")
        minutiae = features.minutiae
        if len(minutiae) > MAX_MINUTIAE:
            raise ValueError(f"{len(minutiae)} minutiae do not fit a template (at most {MAX_MINUTIAE})")
        qx = np.array([_quantise_position(m.x) for m in minutiae], dtype=np.uint16)
        qy = np.array([_quantise_position(m.y) for m in minutiae], dtype=np.uint16)
        qa = np.array([_quantise_angle(m.angle) for m in minutiae], dtype=np.uint8)
        qk = np.array([int(m.kind) & 3 for m in minutiae], dtype=np.uint8)
        qq = np.array([_quantise_quality(m.quality) for m in minutiae], dtype=np.uint8)
        singular = tuple(_quantised_singular(p) for p in features.singular_points[:MAX_SINGULAR])
        return cls._from_quantised(features.width, features.height, qx, qy, qa, qk, qq, singular)

    @classmethod
    def _from_quantised(
        cls,
        width: int,
        height: int,
        qx: np.ndarray,
        qy: np.ndarray,
        qa: np.ndarray,
        qk: np.ndarray,
        qq: np.ndarray,
        singular: tuple[SingularPoint, ...],
    ) -> Template:
        return cls(
            width=int(width),
            height=int(height),
            x=qx.astype(np.float32) / np.float32(4.0),
            y=qy.astype(np.float32) / np.float32(4.0),
            angle=qa.astype(np.float32) * np.float32(2.0 * math.pi / 256.0),
            kind=qk.astype(np.uint8),
            quality=qq.astype(np.float32) / np.float32(63.0),
            singular_points=singular,
        )

    def to_features(self) -> FingerFeatures:
        """The minutiae as `FingerFeatures` (e.g. for the ISO/INCITS codecs)."""
        minutiae = tuple(
            Minutia(float(x), float(y), float(a), MinutiaKind(int(k)), float(q))
            for x, y, a, k, q in zip(self.x, self.y, self.angle, self.kind, self.quality, strict=True)
        )
        return FingerFeatures(self.width, self.height, minutiae, self.singular_points)

    def to_bytes(self) -> bytes:
        """The version-1 byte string (see the module docstring)."""
        n = len(self)
        header = _HEADER.pack(
            MAGIC, VERSION, 0, min(self.width, 65535), min(self.height, 65535), n, len(self.singular_points)
        )
        body = np.empty((n, 6), dtype=np.uint8)
        qx = np.round(self.x * 4.0).astype(">u2")
        qy = np.round(self.y * 4.0).astype(">u2")
        body[:, 0:2] = qx.view(np.uint8).reshape(n, 2)
        body[:, 2:4] = qy.view(np.uint8).reshape(n, 2)
        body[:, 4] = np.round(self.angle / (2.0 * math.pi) * 256.0).astype(np.int64) % 256
        body[:, 5] = (self.kind.astype(np.uint8) << 6) | np.round(self.quality * 63.0).astype(np.uint8)
        singular = b"".join(
            _SINGULAR.pack(
                _quantise_position(p.x),
                _quantise_position(p.y),
                int(p.kind),
                _NO_ANGLE if p.angle is None else round((p.angle % (2 * math.pi)) / (2 * math.pi) * 255) % 255,
            )
            for p in self.singular_points
        )
        payload = header + body.tobytes() + singular
        return payload + _CRC.pack(zlib.crc32(payload))

    @classmethod
    def from_bytes(cls, data: bytes) -> Template:
        """Read a template written by `to_bytes`; `TemplateError` says what is wrong with foreign or damaged bytes."""
        data = bytes(data)
        if len(data) < 4 or data[:4] != MAGIC:
            raise TemplateError(
                "not a station template (wrong magic number)",
                "pass a file written by 'station extract --format template', or an image",
            )
        if len(data) < _HEADER.size + _CRC.size:
            raise TemplateError(f"station template truncated: {len(data)} bytes", "re-extract the template")
        _, version, _, width, height, n, s = _HEADER.unpack_from(data)
        if version != VERSION:
            raise TemplateError(
                f"station template version {version} is not supported (this station reads version {VERSION})",
                "re-extract the template from its image with this station",
            )
        expected = _HEADER.size + 6 * n + 6 * s + _CRC.size
        if len(data) != expected:
            raise TemplateError(
                f"station template has {len(data)} bytes where its header announces {expected}",
                "the file is truncated or damaged: re-extract it",
            )
        (crc,) = _CRC.unpack_from(data, expected - _CRC.size)
        if zlib.crc32(data[: expected - _CRC.size]) != crc:
            raise TemplateError("station template is corrupt (checksum mismatch)", "re-extract it from its image")
        raw = np.frombuffer(data, dtype=np.uint8, count=6 * n, offset=_HEADER.size).reshape(n, 6)
        qx = raw[:, 0:2].copy().view(">u2").reshape(n)
        qy = raw[:, 2:4].copy().view(">u2").reshape(n)
        qa = raw[:, 4]
        qk = raw[:, 5] >> 6
        qq = raw[:, 5] & 63
        if np.any(qk > int(MinutiaKind.BIFURCATION)):
            raise TemplateError("station template holds an unknown minutia kind", "re-extract it from its image")
        singular = []
        offset = _HEADER.size + 6 * n
        for _ in range(s):
            sx, sy, kind, angle = _SINGULAR.unpack_from(data, offset)
            offset += _SINGULAR.size
            try:
                skind = SingularKind(kind)
            except ValueError:
                raise TemplateError(
                    f"station template holds an unknown singular point kind {kind}", "re-extract it from its image"
                ) from None
            singular.append(
                SingularPoint(sx / 4.0, sy / 4.0, skind, None if angle == _NO_ANGLE else angle / 255 * 2 * math.pi)
            )
        return cls._from_quantised(width, height, qx, qy, qa, qk, qq, tuple(singular))


def _quantised_singular(point: SingularPoint) -> SingularPoint:
    angle = None
    if point.angle is not None:
        angle = (round((point.angle % (2 * math.pi)) / (2 * math.pi) * 255) % 255) / 255 * 2 * math.pi
    return SingularPoint(
        _quantise_position(point.x) / 4.0, _quantise_position(point.y) / 4.0, SingularKind(point.kind), angle
    )


def is_template(data: bytes) -> bool:
    """True when `data` starts like a station template (cheap sniffing for the CLI)."""
    return bytes(data[:4]) == MAGIC
