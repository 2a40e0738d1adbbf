"""A booking made of the real NIST tenprint card (10 rolled, 2 thumbs, 2 slaps), for EBTS tests and the benchmark."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from station.formats.ansi_nist import decode_image, image_infos, read_transaction
from station.formats.ebts import Agency, Booking, FingerQuality, Offense, PrintImage, SegmentBox, Subject
from station.formats.ebts.codes import SLAP_FINGERS

TPCARD = Path("nist_tenprint_eft") / "nist-type-14-tpcard.eft"
AGENCY = Agency(ori="VA0000000", dai="WVIAFIS0Z")
WHEN = dt.datetime(2026, 11, 25, 14, 30, 5, tzinfo=dt.UTC)


def sample_subject() -> Subject:
    """The project's sample subject (`sync.sample`) on a fixed arrest date with two offences: stable bytes."""
    from sync.sample import sample_subject as base

    return dataclasses.replace(
        base(),
        date_of_arrest=dt.date(2026, 11, 25),
        offenses=[Offense("BURGLARY", dt.date(2026, 11, 24)), Offense("RESISTING ARREST")],
    )


def _even_boxes(position: int, width: int, height: int) -> tuple[SegmentBox, ...]:
    fingers = SLAP_FINGERS[position]
    step = width // len(fingers)
    return tuple(SegmentBox(f, i * step, (i + 1) * step - 1, 0, height - 1) for i, f in enumerate(fingers))


def tenprint_booking(test_data: Path) -> Booking:
    """The card's 14 images as captures, with quality values and slap boxes (even split of the slap width)."""
    transaction = read_transaction((test_data / TPCARD).read_bytes())
    images = []
    for info in image_infos(transaction):
        position = info.positions[0]
        pixels = decode_image(transaction, info.record)
        height, width = pixels.shape
        fingers = SLAP_FINGERS.get(position, (position,))
        quality = tuple(FingerQuality(f, nfiq2=40 + f, nfiq1=1 + f % 5) for f in fingers)
        segments = _even_boxes(position, width, height) if position in SLAP_FINGERS else ()
        images.append(PrintImage(position, pixels, quality=quality, segments=segments))
    return Booking(subject=sample_subject(), images=images)
