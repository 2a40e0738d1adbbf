"""What the booking workflow hands to `build_car`: the subject, the prints and where they come from.

Fill a `Booking` with one `PrintImage` per capture: the 10 rolled fingers (positions 1-10, impression rolled), the
plain thumbs (11, 12) and the four-finger slaps (13 right, 14 left) or two-thumb slap (15), each an 8-bit greyscale
numpy array at 500 ppi (or, for a capture the station compressed when it was taken, its WSQ bytes: they are written as
they are, so an image is compressed once). Multi-finger images need one `SegmentBox` per finger present (14.021 SEG,
pixel coordinates in that image, origin top-left). Quality goes per finger (`FingerQuality`: NFIQ 2 -> 14.024 FQM,
NFIQ 1 -> 14.022 NQM). A finger with no print at all goes in `Booking.missing` (2.084 AMP, and 14.018 AMP on its
slap); a finger printed but annotated (a scar, a partial amputation) goes in `PrintImage.annotations` (14.018 AMP on
that record).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from station.formats.ebts.subject import Subject

PLAIN, ROLLED = 0, 1  # impression types (IMP) a livescan writes


@dataclass(frozen=True)
class SegmentBox:
    """Where one finger lies in a multi-finger image (14.021 SEG), pixels, inclusive edges."""

    position: int
    left: int
    right: int
    top: int
    bottom: int


@dataclass(frozen=True)
class FingerQuality:
    """Quality of one finger: NFIQ 2 score 0-100 (or 254 not computed / 255 failed), NFIQ 1 level 1-5."""

    position: int
    nfiq2: int | None = None
    nfiq1: int | None = None


@dataclass
class PrintImage:
    """One captured image: a rolled or plain finger, or a slap."""

    position: int  # FGP: 1-10 rolled, 11/12 plain thumbs, 13/14 four-finger slaps, 15 both thumbs
    pixels: np.ndarray | None  # uint8, (height, width), 500 ppi; None when `wsq` carries the image
    ppi: int = 500
    impression: int | None = None  # None: rolled for 1-10, plain otherwise
    quality: tuple[FingerQuality, ...] = ()
    segments: tuple[SegmentBox, ...] = ()  # required for 13, 14, 15
    annotations: dict[int, str] = field(default_factory=dict)  # finger -> "XX" / "UP" / "SR" (14.018 AMP)
    captured: dt.date | None = None  # 14.005 FCD; None: the booking date
    wsq: bytes | None = None  # the image already WSQ-compressed (once, from the capture): written as it is

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of the image, from the pixels or the WSQ frame header."""
        if self.pixels is not None:
            return self.pixels.shape[:2]  # type: ignore[return-value]
        from station.formats.wsq import frame_size

        width, height = frame_size(self.wsq or b"")
        return height, width

    @property
    def impression_type(self) -> int:
        if self.impression is not None:
            return self.impression
        return ROLLED if 1 <= self.position <= 10 else PLAIN


@dataclass(frozen=True)
class CaptureDevice:
    """The scanner (2.067 IMA): make, model and serial number."""

    make: str
    model: str
    serial: str = ""


@dataclass(frozen=True)
class Agency:
    """Who sends and who receives: ORI (1.008, 14.004 SRC) and DAI (1.007), both 9 characters in EBTS."""

    ori: str
    dai: str
    # 1.013 DOM (domain name, version): NORAM is the standard's default domain, written as NIST's 2011 samples do
    # (`NORAM<US>` with an empty version); set the version your CSA expects (e.g. the EBTS version), or None to omit.
    domain: tuple[str, str] | None = ("NORAM", "")
    priority: int | None = None  # 1.006 PRY 1-9; None: left out (receiver default)


@dataclass
class Booking:
    """Everything one CAR/CNA carries."""

    subject: Subject
    images: list[PrintImage]
    missing: dict[int, str] = field(default_factory=dict)  # finger 1-10 with no print -> "XX" / "UP"
    transaction_type: str = "CAR"  # or "CNA"
    device: CaptureDevice | None = None
