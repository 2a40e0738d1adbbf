"""Reading the legacy NIST minutiae block of Type-9 (9.005-9.012, FMT `S`), as NBIS `mindtct` and older AFIS write it.

Conventions of 9.012 MRC (formats.md 9.1, 9.4): X and Y in 0.01 mm with the origin at the **bottom-left**, angle in
whole degrees counter-clockwise from +x pointing **away** from the ending / bifurcation (NBIS `.xyt` default), quality
0-63 (0 manual, 1 not given), type A ending, B bifurcation, C compound, D undetermined. Converting to our features
(500 ppi pixels, top-left origin, ISO direction) therefore needs the image height — take it from the image record
with the same IDC — and turns the angle by 180 degrees. 9.008 CRP / 9.009 DLT give cores and deltas as `XXXXYYYY`.
"""

from __future__ import annotations

import math

from station.biometrics.features import FingerFeatures, Minutia, MinutiaKind, SingularKind, SingularPoint
from station.formats.ansi_nist import TaggedRecord
from station.formats.templates.model import FingerView, TemplateError

PX_PER_HUNDREDTH_MM = 500 / 25.4 / 100  # 0.01 mm in 500 ppi pixels
_KINDS = {"A": MinutiaKind.ENDING, "B": MinutiaKind.BIFURCATION, "C": MinutiaKind.OTHER, "D": MinutiaKind.OTHER}


def _position(text: str, width: int, height: int) -> tuple[float, float]:
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        raise TemplateError(f"position {text!r} must be XXXXYYYY in 0.01 mm")
    x = int(text[:4]) * PX_PER_HUNDREDTH_MM
    y = height - int(text[4:]) * PX_PER_HUNDREDTH_MM
    return min(max(x, 0.0), width - 1.0), min(max(y, 0.0), height - 1.0)


def decode_type9_legacy(record: TaggedRecord, width: int, height: int) -> FingerView:
    """The finger view of the legacy block, for an image of width x height pixels at 500 ppi."""
    if record.type != 9 or record.get(12) is None:
        raise TemplateError("not a Type-9 record with the legacy NIST block (9.012 MRC)")
    if width <= 0 or height <= 0:
        raise TemplateError(f"image size {width}x{height} is needed to place the minutiae")
    minutiae = []
    for sub in record.get(12).subfields:
        if len(sub) < 4 or len(sub[1]) != 11 or not sub[1].isascii() or not sub[1].isdigit():
            raise TemplateError(f"9.012 entry {sub[:4]} must be <index><US><XXXXYYYYTTT><US><quality><US><type>")
        x, y = _position(sub[1][:8], width, height)
        away = int(sub[1][8:])
        quality = int(sub[2]) if sub[2].isascii() and sub[2].isdigit() else 1
        kind = _KINDS.get(sub[3].strip().upper())
        if kind is None or away > 359:
            raise TemplateError(f"9.012 entry {sub[:4]}: angle 0-359 and type A/B/C/D expected")
        reliability = 1.0 if quality <= 1 else min(quality, 63) / 63
        minutiae.append(Minutia(x, y, math.radians((away + 180) % 360), kind, reliability))
    count = record.text(10)
    if count is not None and (not count.isascii() or not count.isdigit() or int(count) != len(minutiae)):
        raise TemplateError(f"9.010 MIN says {count!r} minutiae, 9.012 lists {len(minutiae)}")
    points = []
    for number, kind in ((8, SingularKind.CORE), (9, SingularKind.DELTA)):
        f = record.get(number)
        for sub in f.subfields if f is not None else []:
            x, y = _position(sub[0], width, height)
            points.append(SingularPoint(x, y, kind))
    fgp = record.text(6) or "0"
    position = int(fgp) if fgp.isascii() and fgp.isdigit() and int(fgp) <= 10 else 0
    imp = record.text(3) or "0"
    return FingerView(
        FingerFeatures(width, height, tuple(minutiae), tuple(points)),
        position,
        0,
        int(imp) if imp.isascii() and imp.isdigit() and int(imp) <= 15 else 0,
    )
