"""Building the booking's CAR (or CNA): Type-1, Type-2 biographics and one WSQ Type-14 (or legacy Type-4) per image.

`build_car` checks everything first (subject rules, image shape and resolution, positions, segments, quality ranges)
and raises `BookingError` listing every problem, so nothing half-built is ever queued. The result is checked again
against the EBTS CAR profile before it is returned; `car_bytes` writes it with the strict writer.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from station.errors import FormatError, InputError
from station.formats import wsq
from station.formats.ansi_nist import BinaryRecord, TaggedRecord, Transaction, write_transaction
from station.formats.ansi_nist.codes import PPMM_500PPI
from station.formats.ebts import codes
from station.formats.ebts.booking import Agency, Booking, PrintImage
from station.formats.ebts.profile import validate_car
from station.formats.ebts.subject import type2_fields, validate_subject

VERSION = "0502"  # ANSI/NIST-ITL 1-2011 Update 2015, the base of EBTS 11
NFIQ2_VENDOR = "000F"  # CBEFF id of NIST, the NFIQ 2 owner [M: see docs/formats.md]
NFIQ2_PRODUCT = "1"  # [M] product id of NFIQ 2 in 14.024 FQM; confirm with the receiving CSA
SPECIAL_SCORES = (254, 255)  # not computed / failed


class BookingError(InputError):
    """The booking cannot become a CAR; `problems` lists every reason (strings naming field or image)."""

    def __init__(self, problems: list[str]) -> None:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"the booking cannot be submitted: {problems[0]}{more}", "correct the listed items")
        self.problems = problems


def image_problems(images: list[PrintImage], missing: dict[int, str], image_record: int) -> list[str]:
    """Every reason the images cannot go into Type-14 (or Type-4) records, as text naming the image."""
    out: list[str] = []
    seen: set[int] = set()
    for image in images:
        p = image.position
        label = f"image FGP {p}"
        if p in seen:
            out.append(f"{label}: captured twice")
        seen.add(p)
        if not 1 <= p <= 15 or (image_record == 4 and p == 15):
            out.append(f"{label}: position must be 1-15 (Type-4 cannot carry 15)")
        px = image.pixels
        if image.wsq is not None:
            try:
                width, height = wsq.frame_size(image.wsq)
            except FormatError as exc:
                out.append(f"{label}: {exc.message}")
                continue
        elif not isinstance(px, np.ndarray) or px.dtype != np.uint8 or px.ndim != 2:
            out.append(f"{label}: pixels must be a 2-D uint8 greyscale array")
            continue
        else:
            height, width = px.shape
        if image.ppi != 500:
            out.append(f"{label}: {image.ppi} ppi; resample to 500 ppi first (WSQ is defined at 500 ppi)")
        if not 16 <= width <= 0xFFFF or not 16 <= height <= 0xFFFF:
            out.append(f"{label}: {width}x{height} pixels is not a usable size")
        if image.impression_type not in (0, 1):
            out.append(f"{label}: impression must be 0 (plain) or 1 (rolled)")
        out += _segment_problems(image, label, missing)
        for q in image.quality:
            if q.nfiq2 is not None and not (0 <= q.nfiq2 <= 100 or q.nfiq2 in SPECIAL_SCORES):
                out.append(f"{label}: NFIQ 2 {q.nfiq2} must be 0-100, 254 or 255")
            if q.nfiq1 is not None and not (1 <= q.nfiq1 <= 5 or q.nfiq1 in SPECIAL_SCORES):
                out.append(f"{label}: NFIQ 1 {q.nfiq1} must be 1-5, 254 or 255")
        for finger, code in image.annotations.items():
            if code not in codes.AMPUTATION or not 1 <= finger <= 10:
                out.append(f"{label}: annotation {finger}:{code} must be a finger 1-10 with XX, UP or SR")
    for finger, code in missing.items():
        if not 1 <= finger <= 10 or code not in ("XX", "UP"):
            out.append(f"missing finger {finger}: must be 1-10 with XX (amputated) or UP (unable to print)")
        if finger in seen:
            out.append(f"missing finger {finger}: has a rolled image too")
    if not images:
        out.append("no fingerprint images")
    return out


def _segment_problems(image: PrintImage, label: str, missing: dict[int, str]) -> list[str]:
    out: list[str] = []
    fingers = codes.SLAP_FINGERS.get(image.position)
    if fingers is None:
        if image.segments:
            out.append(f"{label}: SEG boxes belong to multi-finger images only")
        return out
    expected = {f for f in fingers if f not in missing}
    given = [s.position for s in image.segments]
    if sorted(given) != sorted(expected):
        out.append(f"{label}: SEG needs one box per finger present {sorted(expected)}, got {sorted(given)}")
    height, width = image.shape
    for s in image.segments:
        if not (0 <= s.left < s.right < width and 0 <= s.top < s.bottom < height):
            out.append(f"{label}: SEG box of finger {s.position} lies outside the {width}x{height} image")
    return out


def _quality_items(image: PrintImage) -> tuple[list[list[str]], list[list[str]]]:
    nqm = [[str(q.position), str(q.nfiq1)] for q in image.quality if q.nfiq1 is not None]
    fqm = [[str(q.position), str(q.nfiq2), NFIQ2_VENDOR, NFIQ2_PRODUCT] for q in image.quality if q.nfiq2 is not None]
    return nqm, fqm


def _amputations(image: PrintImage, missing: dict[int, str]) -> list[list[str]]:
    marks = dict(image.annotations)
    for finger in codes.SLAP_FINGERS.get(image.position, ()):
        if finger in missing:
            marks.setdefault(finger, missing[finger])
    return [[str(f), c] for f, c in sorted(marks.items())]


def _type14(
    image: PrintImage, idc: int, data: bytes, agency: Agency, booking_date: dt.date, missing: dict[int, str]
) -> TaggedRecord:
    r = TaggedRecord(14)
    height, width = image.shape
    captured = image.captured or booking_date
    for number, value in (
        (2, f"{idc:02d}"),
        (3, str(image.impression_type)),
        (4, agency.ori),
        (5, f"{captured:%Y%m%d}"),
        (6, str(width)),
        (7, str(height)),
        (8, "1"),
        (9, "500"),
        (10, "500"),
        (11, "WSQ20"),
        (12, "8"),
        (13, str(image.position)),
    ):
        r.set(number, value)
    amp = _amputations(image, missing)
    if amp:
        r.set(18, amp)
    if image.segments:
        r.set(
            21,
            [
                [str(s.position), str(s.left), str(s.right), str(s.top), str(s.bottom)]
                for s in sorted(image.segments, key=lambda s: s.position)
            ],
        )
    nqm, fqm = _quality_items(image)
    if nqm:
        r.set(22, nqm)
    if fqm:
        r.set(24, fqm)
    r.set(999, data)
    return r


def _type4(image: PrintImage, idc: int, data: bytes) -> BinaryRecord:
    height, width = image.shape
    return BinaryRecord(
        4,
        idc=idc,
        imp=image.impression_type,
        fgp=(image.position, 255, 255, 255, 255, 255),
        isr=0,
        hll=width,
        vll=height,
        compression=1,
        data=data,
    )


def type1_record(tot: str, agency: Agency, tcn: str, when: dt.datetime, has_type4: bool) -> TaggedRecord:
    """The Type-1 of a submission (CNT left empty: `Transaction.refresh_cnt()` fills it)."""
    type1 = TaggedRecord(1)
    resolution = PPMM_500PPI if has_type4 else "00.00"  # NSR/NTR describe Type-4 images only (2011)
    fields: list[tuple[int, str | list[list[str]]]] = [(2, VERSION), (3, ""), (4, tot), (5, f"{when:%Y%m%d}")]
    if agency.priority is not None:
        fields.append((6, str(agency.priority)))
    fields += [(7, agency.dai), (8, agency.ori), (9, tcn), (11, resolution), (12, resolution)]
    if agency.domain is not None:
        fields.append((13, [list(agency.domain)]))
    fields.append((14, f"{when.astimezone(dt.UTC):%Y%m%d%H%M%S}Z"))
    for number, value in fields:
        type1.set(number, value)
    return type1


def print_records(
    images: list[PrintImage], agency: Agency, when: dt.datetime, image_record: int, missing: dict[int, str]
) -> list[TaggedRecord | BinaryRecord]:
    """One WSQ image record per image, IDC 1..n in position order."""
    records: list[TaggedRecord | BinaryRecord] = []
    for idc, image in enumerate(sorted(images, key=lambda i: i.position), start=1):
        data = image.wsq if image.wsq is not None else wsq.encode(image.pixels, image.ppi)  # type: ignore[arg-type]
        if image_record == 4:
            records.append(_type4(image, idc, data))
        else:
            records.append(_type14(image, idc, data, agency, when.date(), missing))
    return records


def build_car(
    booking: Booking, agency: Agency, tcn: str, *, when: dt.datetime | None = None, image_record: int = 14
) -> Transaction:
    """The CAR/CNA transaction of a booking. Raises BookingError listing every problem found."""
    when = when or dt.datetime.now(dt.UTC)
    problems = [str(p) for p in validate_subject(booking.subject, when.date()) if p.severity == "error"]
    if booking.transaction_type not in ("CAR", "CNA"):
        problems.append(f"transaction type {booking.transaction_type!r} must be CAR or CNA")
    if image_record not in (4, 14):
        problems.append("image records must be Type-14 (or legacy Type-4)")
    problems += image_problems(booking.images, booking.missing, image_record)
    if problems:
        raise BookingError(problems)

    type2 = TaggedRecord(2)
    type2.set(2, "00")
    for number, value in type2_fields(booking.subject):
        type2.set(number, value)
    if booking.device is not None:
        d = booking.device
        type2.set(67, [[d.make[:25], d.model[:25], d.serial[:50]]])
    if booking.missing:
        type2.set(84, [[f"{f:02d}", c] for f, c in sorted(booking.missing.items())])

    type1 = type1_record(booking.transaction_type, agency, tcn, when, image_record == 4)
    images = print_records(booking.images, agency, when, image_record, booking.missing)
    transaction = Transaction([type1, type2, *images])
    transaction.refresh_cnt()
    errors = [str(p) for p in validate_car(transaction, when.date()) if p.severity == "error"]
    if errors:  # the checks above should have caught it: say so rather than queue a file the FBI rejects
        raise BookingError(errors)
    return transaction


def car_bytes(booking: Booking, agency: Agency, tcn: str, **options: object) -> bytes:
    """The CAR/CNA file of a booking, written by the strict writer."""
    return write_transaction(build_car(booking, agency, tcn, **options))  # type: ignore[arg-type]
