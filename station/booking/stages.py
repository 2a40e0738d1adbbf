"""The booking session's image work as stages: pure, top-level functions on plain values, so the daemon runs them
in its process pool (the event loop and the live preview never wait for them) and a script runs them inline.

    analysis = analyse("slap_right", pixels, 500.0, excused=(5,))   # segment, NFIQ 2 per finger, WSQ: in the pool
    session.record("slap_right", analysis)                          # the model's decision: cheap, in the daemon

A flat capture (slap, two thumbs, a plain thumb) is cut into the fingers the plan expects on it, those annotated
XX/UP (`excused`) not sought, and every finger is scored with NFIQ 2; a rolled print is scored whole. The image kept
is the WSQ of the capture at 500 ppi: compressed once, here, and written into the CAR as it is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from station.biometrics.image import FingerImage, to_canonical
from station.booking.plan import STEPS


@dataclass(frozen=True)
class Analysis:
    """One capture's analysis, what `BookingSession.record` needs (picklable: it comes back from the pool)."""

    key: str
    encoded: bytes | None  # WSQ at 500 ppi; None when the capture must be retried
    nfiq2: int | None = None  # rolled: its score; flats: the weakest finger's
    quality_note: str | None = None
    fingers: tuple[dict, ...] = ()  # flats: position, box {left, top, right, bottom}, angle, nfiq2, quality_note
    missing: tuple[int, ...] = ()
    extra_blobs: int = 0
    retry_reason: str | None = None
    width: int = 0
    height: int = 0
    problems: tuple[str, ...] = field(default=())  # NFIQ 2's own remarks, for the officer
    templates: dict[int, bytes] = field(default_factory=dict)  # finger -> its template, for the sequence check


def _score(pixels: np.ndarray) -> tuple[int | None, str | None, list[str]]:
    from station.biometrics.quality import score_pixels

    result = score_pixels(pixels)
    return result.score, result.reason, list(result.problems)


def segment(image: FingerImage, key: str, excused: Sequence[int]) -> tuple[list[dict], list[int], int]:
    """The fingers of a flat step's image: ([finger dicts without scores], missing, extra blobs)."""
    from station.booking.segmentation import segment_slap

    seg = segment_slap(image, STEPS[key].hand, tuple(excused))
    return [f.as_dict() for f in seg.fingers], list(seg.missing), seg.extra_blobs


def _template(image: FingerImage) -> bytes | None:
    """The core matcher's template of a finger (what the sequence check compares), made while the capture is
    analysed, so the check at the end of the booking only matches. None when the core matcher is not there."""
    try:
        from station.biometrics import api
    except ImportError:
        return None
    return api.extract(image).to_bytes()


def _flat(key: str, image: FingerImage, excused: Sequence[int]) -> Analysis:
    from station.booking.segmentation import segment_slap

    seg = segment_slap(image, STEPS[key].hand, tuple(excused))
    fingers, problems, templates = [], [], {}
    for finger in seg.fingers:
        score, note, remarks = _score(finger.image.pixels)
        fingers.append({**finger.as_dict(), "nfiq2": score, "quality_note": note})
        problems += [f"finger {finger.position}: {r}" for r in remarks]
        template = _template(finger.image)
        if template is not None:
            templates[finger.position] = template
    values = [f["nfiq2"] for f in fingers]
    nfiq2 = min(values) if values and None not in values else None
    note = None
    if not fingers:
        note = "no finger found in the image"
    elif None in values:
        note = "a finger could not be scored"
    return Analysis(
        key,
        _encode(image),
        nfiq2,
        note,
        tuple(fingers),
        tuple(seg.missing),
        seg.extra_blobs,
        width=image.pixels.shape[1],
        height=image.pixels.shape[0],
        problems=tuple(problems),
        templates=templates,
    )


def _encode(image: FingerImage) -> bytes:
    from station.formats import wsq

    return wsq.encode(image.pixels, 500.0)


def analyse(key: str, pixels: np.ndarray, ppi: float, excused: Sequence[int] = ()) -> Analysis:
    """Quality and compression of one capture of plan step `key` (the image as the scanner gave it)."""
    image = to_canonical(FingerImage(np.ascontiguousarray(pixels, dtype=np.uint8), float(ppi)))
    if STEPS[key].is_flat:
        return _flat(key, image, excused)
    score, note, remarks = _score(image.pixels)
    template = _template(image)
    return Analysis(
        key,
        _encode(image),
        score,
        note,
        width=image.pixels.shape[1],
        height=image.pixels.shape[0],
        problems=tuple(remarks),
        templates={STEPS[key].fingers[0]: template} if template is not None else {},
    )


def analyse_frames(key: str, frames: Sequence[np.ndarray], ppi: float) -> Analysis:
    """A rolled capture from the roll's frames: composed and checked for slips, then as `analyse`."""
    from station.booking.rolled import compose_rolled

    rolled = compose_rolled([np.asarray(f, dtype=np.uint8) for f in frames], ppi)
    if not rolled.ok:
        return Analysis(key, None, retry_reason=rolled.retry_reason)
    return analyse(key, rolled.image.pixels, rolled.image.ppi)  # type: ignore[union-attr]


def pack_templates(templates: dict[int, bytes]) -> bytes:
    """Templates by finger as one kept item (JSON, base64)."""
    import base64
    import json

    return json.dumps({str(f): base64.b64encode(t).decode() for f, t in templates.items()}).encode()


def unpack_templates(data: bytes | None) -> dict[int, bytes]:
    import base64
    import json

    return {} if not data else {int(f): base64.b64decode(t) for f, t in json.loads(data).items()}


def decode(data: bytes) -> FingerImage:
    """A kept image (WSQ the station wrote itself)."""
    from station.formats import wsq

    decoded = wsq.decode(data)
    return FingerImage(np.asarray(decoded.pixels, dtype=np.uint8), float(decoded.ppi or 500))


Kept = tuple[bytes, dict[int, bytes]]  # a kept image (WSQ) and the templates made of it at capture, by finger
Flats = dict[str, tuple[Kept, list[tuple[int, dict]]]]  # step key -> (kept image, [(finger, box)])


class _Keyed:
    """A template and the digest of the bytes it was read from (None: extracted here), the key of its scores."""

    __slots__ = ("key", "template")

    def __init__(self, template: object, key: str | None) -> None:
        self.template, self.key = template, key


def _templates(rolled: dict[int, Kept], flats: Flats, chosen: object) -> tuple[dict[int, _Keyed], dict[int, _Keyed]]:
    """The rolled prints' and the flat segments' templates: those made at capture when the comparator is the core
    matcher (whose templates they are), else cut from the kept images and extracted here."""
    import hashlib

    from station.biometrics.template import Template

    reuse = getattr(chosen, "name", "") == "station core"

    def keyed(kept: Kept, finger: int, cut: Callable[[], FingerImage]) -> _Keyed:
        data = kept[1].get(finger)
        if reuse and data is not None:
            return _Keyed(Template.from_bytes(data), hashlib.sha256(data).hexdigest()[:20])
        return _Keyed(chosen.extract(cut()), None)  # type: ignore[attr-defined]

    def crop(data: bytes, box: dict) -> Callable[[], FingerImage]:
        def cut() -> FingerImage:
            flat = decode(data)
            pixels = flat.pixels[box["top"] : box["bottom"], box["left"] : box["right"]]
            return FingerImage(np.ascontiguousarray(pixels), flat.ppi)

        return cut

    segments = {}
    for kept, boxes in flats.values():
        for finger, box in boxes:
            if box["bottom"] > box["top"] and box["right"] > box["left"]:
                segments[finger] = keyed(kept, finger, crop(kept[0], box))
    prints = {p: keyed(kept, p, lambda data=kept[0]: decode(data)) for p, kept in rolled.items()}
    return prints, segments


def _scoring(chosen: object, known: dict[str, float], fresh: dict[str, float]) -> object:
    """`chosen` matching keyed templates, through the scores already known (made as the captures came in)."""

    def match(a: _Keyed, b: _Keyed) -> float:
        key = f"{a.key}|{b.key}"
        if a.key and b.key and key in known:
            return known[key]
        value = float(chosen.match(a.template, b.template))  # type: ignore[attr-defined]
        if a.key and b.key:
            fresh[key] = value
        return value

    return dataclasses.replace(chosen, match=match)  # type: ignore[call-overload]


def sequence_report(
    rolled: dict[int, Kept], flats: Flats, comparator: object = None, known: dict[str, float] | None = None
) -> tuple[object, str, dict[str, float]]:
    """The sequence check (every rolled print against its finger's flat segment): (report, the comparator's name,
    the scores it computed). `rolled`: finger -> kept image; `flats`: step key -> (kept image, [(finger, box)]);
    `known`: scores computed before (`sequence_scores`), by the digests of the templates compared."""
    from station.booking.sequence import check_sequence, default_comparator

    chosen = comparator or default_comparator()
    prints, segments = _templates(rolled, flats, chosen)
    fresh: dict[str, float] = {}
    report = check_sequence(prints, segments, _scoring(chosen, known or {}, fresh), templates=True)  # type: ignore[arg-type]
    return report, str(getattr(chosen, "name", type(chosen).__name__)), fresh


def sequence(rolled: dict[int, Kept], flats: Flats, known: dict[str, float] | None = None) -> dict:
    """`sequence_report` with the default comparator, as a dict with its new `scores` (what the pool returns)."""
    report, name, fresh = sequence_report(rolled, flats, known=known)
    return {**report.as_dict(), "comparator": name, "scores": fresh}  # type: ignore[attr-defined]


def sequence_scores(rolled: dict[int, Kept], flats: Flats, known: dict[str, float]) -> dict[str, float]:
    """Every rolled print against every segment accepted so far, but for the scores already `known`: run as the
    captures come in, so the check at the end of the booking finds its comparisons made."""
    from station.booking.sequence import default_comparator

    chosen = default_comparator()
    prints, segments = _templates(rolled, flats, chosen)
    fresh: dict[str, float] = {}
    match = _scoring(chosen, known, fresh).match  # type: ignore[attr-defined]
    for a in prints.values():
        for b in segments.values():
            if a.key and b.key:
                match(a, b)
    return fresh


def warm_up() -> int:
    """Import the heavy modules in a worker once, so the first real capture does not pay for it."""
    import os

    from station.biometrics.quality import warm_up as warm_nfiq2
    from station.formats import wsq  # noqa: F401

    warm_nfiq2()  # loads NIST's model once per worker
    return os.getpid()
