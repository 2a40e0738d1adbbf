"""Impressions of an ANSI/NIST-ITL transaction (a tenprint card, a set of flats) in record order, i.e. capture order.

Each Type-4 or Type-14 image record becomes one impression labelled by its finger position and impression type:
positions 13-15 are slaps; for positions 1-12, impression types 1 and 3 (live-scan and non-live-scan rolled) are
rolled prints and the others flats; other position codes (palms, joints, tips) are not served. Pixels come from the
formats area's reader (`station.formats.ansi_nist`), which picks the codec (WSQ, JPEG, PNG...) from the data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from drivers.base import CaptureKind
from drivers.errors import DeviceNotFound, DriverFault
from drivers.replay.source import RecordedImpression
from station.errors import StationError
from station.formats.ansi_nist import BinaryRecord, decode_image, image_infos, read_transaction

ROLLED_IMPRESSION_TYPES = frozenset({1, 3})  # live-scan rolled, non-live-scan rolled
SLAP_POSITIONS = frozenset({13, 14, 15})
FINGER_RECORD_TYPES = frozenset({4, 14})
DEFAULT_PPI = 500.0


def load_transaction(path: Path) -> tuple[RecordedImpression, ...]:
    try:
        transaction = read_transaction(path.read_bytes())
    except StationError as exc:
        raise DriverFault(f"replay: {path} is not a readable ANSI/NIST file: {exc}", hint="check the file") from exc
    impressions = []
    for info in image_infos(transaction):
        if info.type not in FINGER_RECORD_TYPES or not info.positions:
            continue
        record = transaction.records[info.record]
        imp = record.imp if isinstance(record, BinaryRecord) else _int(record.text(3))
        position = info.positions[0]
        if position in SLAP_POSITIONS:
            kind = CaptureKind.SLAP
        elif 1 <= position <= 12:
            kind = CaptureKind.ROLLED if imp in ROLLED_IMPRESSION_TYPES else CaptureKind.FLAT
        else:
            continue
        try:
            pixels = decode_image(transaction, info.record)
        except StationError as exc:
            raise DriverFault(f"replay: record {info.record} of {path} cannot be decoded: {exc}") from exc
        if pixels.ndim == 3:
            pixels = pixels.mean(axis=2).round().astype(np.uint8)
        name = f"{path.name}#record{info.record}-fgp{position}"
        impressions.append(RecordedImpression(pixels, info.ppi or DEFAULT_PPI, name, kind, position))
    if not impressions:
        raise DeviceNotFound(f"replay: {path} holds no finger images (Type-4 or Type-14)")
    return tuple(impressions)


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None
