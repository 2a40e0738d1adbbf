"""ANSI/NIST-ITL Type-9 minutiae record with the INCITS 378 block (fields 9.126-9.140), from and to FingerFeatures.

Fields written: 9.002 IDC (the IDC of the image the minutiae come from), 9.003 IMP, 9.004 FMT `U` (no legacy NIST
block 9.005-9.012), 9.126 CBI `27<US>513` (CBEFF format owner INCITS M1, format type 0x0201 [M]), 9.127 CEI
(`NONE<US>0`: no Appendix F claim), 9.128/9.129 HLL/VLL, 9.130 SLC 2 with 9.131/9.132 197 px/cm (= 500 ppi), 9.133 FVW,
9.134 FGP, 9.135 FQD `<quality><US><vendor hex><US><product>`, 9.136 NOM, 9.137 FMD one subfield per minutia
`<index><US><x><US><y><US><angle, 2-degree units 0-179><US><type 0/1/2><US><quality 0-100>` (pixels, origin
top-left, like INCITS 378), 9.139 CIN and 9.140 DIN `<x><US><y><US><angle>` (deltas without angle). 9.138 RCI (ridge
counts) is not written: our features carry none.
"""

from __future__ import annotations

from station.biometrics.features import FingerFeatures, Minutia, MinutiaKind, SingularKind, SingularPoint
from station.formats.ansi_nist import TaggedRecord
from station.formats.templates.fmr import AngleUnit, quality_byte, scale_to_canonical
from station.formats.templates.model import PX_PER_CM_500PPI, FingerView, TemplateError

ANGLE = AngleUnit(180)
QUALITY_VENDOR = "0000"  # [M] 9.135 needs a registered quality vendor; 0000 = not registered
QUALITY_PRODUCT = "1"


def encode_type9(view: FingerView, idc: int) -> TaggedRecord:
    """A Type-9 record for one finger view, linked by IDC to its image record."""
    f = view.features
    if not 0 <= idc <= 99:
        raise TemplateError(f"IDC {idc} must be 0-99")
    if len(f.minutiae) > 9999:
        raise TemplateError("too many minutiae for 9.136 NOM")
    r = TaggedRecord(9)
    r.set(2, f"{idc:02d}")
    r.set(3, str(view.impression))
    r.set(4, "U")
    r.set(126, [["27", "513"]])
    r.set(127, [["NONE", "0"]])
    for number, value in (
        (128, f.width),
        (129, f.height),
        (130, 2),
        (131, PX_PER_CM_500PPI),
        (132, PX_PER_CM_500PPI),
        (133, view.view_number),
        (134, view.position),
    ):
        r.set(number, str(value))
    r.set(135, [[str(view.quality), QUALITY_VENDOR, QUALITY_PRODUCT]])
    r.set(136, str(len(f.minutiae)))
    if f.minutiae:
        r.set(
            137,
            [
                [
                    str(i),
                    str(round(m.x)),
                    str(round(m.y)),
                    str(ANGLE.encode(m.angle)),
                    str(int(m.kind)),
                    str(quality_byte(m.quality)),
                ]
                for i, m in enumerate(f.minutiae, start=1)
            ],
        )
    cores = [p for p in f.singular_points if p.kind == SingularKind.CORE]
    deltas = [p for p in f.singular_points if p.kind == SingularKind.DELTA]
    if cores:
        r.set(
            139,
            [
                [str(round(p.x)), str(round(p.y))] + ([str(ANGLE.encode(p.angle))] if p.angle is not None else [])
                for p in cores
            ],
        )
    if deltas:
        r.set(140, [[str(round(p.x)), str(round(p.y))] for p in deltas])
    return r


def _int(record: TaggedRecord, number: int, default: int | None = None) -> int:
    text = record.text(number)
    if text is None or not text.isascii() or not text.isdigit():
        if default is not None:
            return default
        raise TemplateError(f"9.{number:03d} must be a number, found {text!r}")
    return int(text)


def decode_type9(record: TaggedRecord) -> FingerView:
    """The finger view of a Type-9 INCITS 378 block; raises TemplateError when the block is absent or malformed."""
    if record.type != 9 or record.get(128) is None:
        raise TemplateError("not a Type-9 record with the INCITS 378 block (9.126-9.140)")
    width, height = _int(record, 128), _int(record, 129)
    slc, hps, vps = _int(record, 130, 2), _int(record, 131, PX_PER_CM_500PPI), _int(record, 132, PX_PER_CM_500PPI)
    if slc == 1:
        hps, vps = round(hps / 2.54), round(vps / 2.54)
    scale = scale_to_canonical(hps, vps)
    minutiae = []
    fmd = record.get(137)
    for sub in fmd.subfields if fmd is not None else []:
        if len(sub) != 6 or not all(item.isascii() and item.isdigit() for item in sub) or int(sub[4]) > 2:
            raise TemplateError(f"9.137 entry {sub} must be index, x, y, angle, type 0-2, quality")
        _, x, y, angle, kind, quality = (int(v) for v in sub)
        minutiae.append(
            Minutia(x * scale, y * scale, ANGLE.decode(angle), MinutiaKind(kind), quality / 100 if quality else 1.0)
        )
    if len(minutiae) != _int(record, 136, len(minutiae)):
        raise TemplateError(f"9.136 NOM says {record.text(136)} minutiae, 9.137 lists {len(minutiae)}")
    points = []
    for number, kind in ((139, SingularKind.CORE), (140, SingularKind.DELTA)):
        f = record.get(number)
        for sub in f.subfields if f is not None else []:
            if len(sub) < 2 or not all(item.isascii() and item.isdigit() for item in sub):
                raise TemplateError(f"9.{number} entry {sub} must be x, y[, angle]")
            angle = ANGLE.decode(int(sub[2])) if len(sub) > 2 and kind == SingularKind.CORE else None
            points.append(SingularPoint(int(sub[0]) * scale, int(sub[1]) * scale, kind, angle))
    fqd = record.get(135)
    quality_text = fqd.subfields[0][0] if fqd is not None else "0"
    features = FingerFeatures(round(width * scale), round(height * scale), tuple(minutiae), tuple(points))
    return FingerView(
        features,
        _int(record, 134, 0),
        _int(record, 133, 0),
        _int(record, 3, 0),
        int(quality_text) if quality_text.isascii() and quality_text.isdigit() else 0,
    )
