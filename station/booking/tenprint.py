"""Check a tenprint transaction as it stands: per finger NFIQ 2, minutiae, the slap segment used, sequence verdict.

Reads an ANSI/NIST-ITL file (Type-4 or Type-14 images): the rolled prints (FGP 1-10), the four-finger slaps (13, 14)
and the thumbs (a two-thumb slap 15, or plain thumbs 11/12). Slaps are segmented here (the file's own SEG boxes are
not trusted: checking them is part of the point), amputations declared in 2.084 / 14.018 AMP are honoured, and every
rolled print is compared with the flat fingers by `sequence.check_sequence`. Each stage is timed for the bench.
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from station.biometrics.image import FingerImage
from station.booking.plan import SLAP_LAYOUT, finger_name
from station.booking.segmentation import SlapSegmentation, crop_to_print, segment_slap
from station.booking.sequence import Comparator, SequenceReport, check_sequence
from station.errors import FormatError, InputError

if TYPE_CHECKING:
    from station.formats.ansi_nist import ImageInfo, Transaction


@dataclass
class TenprintCheck:
    rolled: dict[int, FingerImage]
    flats: dict[int, FingerImage]  # by FGP 11-15
    amputated: dict[int, str]
    segmentations: dict[int, SlapSegmentation] = field(default_factory=dict)
    nfiq2: dict[str, int | None] = field(default_factory=dict)  # "rolled 3" / "flat 3" -> score
    nfiq2_notes: dict[str, str] = field(default_factory=dict)
    minutiae: dict[str, int] = field(default_factory=dict)
    report: SequenceReport | None = None
    comparator: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    rolled_templates: dict[int, object] = field(default_factory=dict, repr=False)
    flat_templates: dict[int, object] = field(default_factory=dict, repr=False)
    problems: list[str] = field(default_factory=list)  # segmentation count mismatches and the like

    @property
    def ok(self) -> bool:
        return self.report is not None and self.report.ok

    def segment_of(self, position: int) -> tuple[int, object] | None:
        for fgp, seg in self.segmentations.items():
            finger = seg.finger(position)
            if finger is not None:
                return fgp, finger
        return None

    def as_dict(self) -> dict[str, object]:
        positions = []
        for p in range(1, 11):
            seg = self.segment_of(p)
            verdict = self.report.verdicts[p].as_dict() if self.report else {}
            positions.append(
                {
                    "position": p,
                    "finger": finger_name(p),
                    "amputation": self.amputated.get(p),
                    "rolled_nfiq2": self.nfiq2.get(f"rolled {p}"),
                    "rolled_minutiae": self.minutiae.get(f"rolled {p}"),
                    "flat_nfiq2": self.nfiq2.get(f"flat {p}"),
                    "flat_minutiae": self.minutiae.get(f"flat {p}"),
                    "segment": None if seg is None else {"fgp": seg[0], **seg[1].as_dict()},  # type: ignore[attr-defined]
                    "sequence": verdict,
                }
            )
        return {
            "ok": self.ok,
            "comparator": self.comparator,
            "errors": list(self.report.errors) if self.report else [],
            "problems": self.problems,
            "positions": positions,
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
        }


def _amputations(transaction: object) -> dict[int, str]:
    from station.formats.ansi_nist import TaggedRecord

    found: dict[int, str] = {}
    for record in transaction.records:  # type: ignore[attr-defined]
        if isinstance(record, TaggedRecord) and record.type in (2, 14):
            amp = record.get(84 if record.type == 2 else 18)
            for sub in amp.subfields if amp is not None else ():
                if len(sub) >= 2 and sub[0].strip().isdigit() and 1 <= int(sub[0]) <= 10:
                    found[int(sub[0])] = sub[1].strip().upper()
    return found


def _decode_record(transaction: object, index: int, name: int | None = None) -> np.ndarray:
    """Decode record `index`; errors name it `record <name>` (its index in the file the worker got a part of)."""
    from station.formats.ansi_nist import decode_image

    return decode_image(transaction, index, name)  # type: ignore[arg-type]


def _image_records(transaction: Transaction) -> tuple[dict[int, ImageInfo], dict[int, ImageInfo]]:
    """The rolled (FGP 1-10) and flat (11-15) image records of a transaction, the first of each position, by FGP.

    Raises InputError when there is none of either.
    """
    from station.formats.ansi_nist import image_infos

    rolled: dict[int, ImageInfo] = {}
    flats: dict[int, ImageInfo] = {}
    for info in image_infos(transaction):
        if not info.positions or info.type not in (3, 4, 14):
            continue
        fgp = info.positions[0]
        if 1 <= fgp <= 10:
            rolled.setdefault(fgp, info)
        elif fgp in SLAP_LAYOUT:
            flats.setdefault(fgp, info)
    if not rolled and not flats:
        raise InputError("no fingerprint image records (FGP 1-15) in the transaction", "is this a tenprint file?")
    return rolled, flats


def _alone(transaction: Transaction, info: ImageInfo) -> Transaction:
    """A transaction of the Type-1 and one image record: all a worker needs to decode it."""
    from station.formats.ansi_nist import Transaction

    return Transaction([transaction.type1, transaction.records[info.record]])


def _image(pixels: np.ndarray, info: ImageInfo) -> FingerImage:
    if pixels.ndim != 2:
        raise FormatError(f"record {info.record}: a colour friction-ridge image", "tenprints are 8-bit grey")
    return FingerImage(pixels, info.ppi or 500.0)


def load_tenprint(data: bytes, parallel: bool = True) -> TenprintCheck:
    """The rolled and flat images of a tenprint transaction. Raises FormatError/InputError when it has none.

    With `parallel`, the image records are decoded (WSQ) on the shared process pool, each worker getting only the
    Type-1 record and the image record it decodes.
    """
    from station.booking import parallel as par
    from station.formats.ansi_nist import read_transaction

    transaction = read_transaction(data)
    rolled_records, flat_records = _image_records(transaction)
    wanted = {
        **{("rolled", p): i for p, i in rolled_records.items()},
        **{("flat", p): i for p, i in flat_records.items()},
    }
    pool = par.start_pool()[0] if parallel and len(wanted) > 1 else None
    if pool is not None:
        jobs = {
            key: pool.submit(_decode_record, _alone(transaction, info), 1, info.record) for key, info in wanted.items()
        }
        try:
            decoded = {key: job.result() for key, job in jobs.items()}
        except BrokenProcessPool as exc:  # a codec crashed its worker: the data is bad, the station carries on
            par.stop_pool()
            raise FormatError("an image record crashed the decoder", "the image data is corrupt") from exc
    else:
        decoded = {key: _decode_record(transaction, info.record) for key, info in wanted.items()}
    images = {key: _image(decoded[key], info) for key, info in wanted.items()}
    rolled = {p: images["rolled", p] for p in rolled_records}
    flats = {p: images["flat", p] for p in flat_records}
    return TenprintCheck(rolled, flats, _amputations(transaction))


def check_tenprint(
    data: bytes,
    comparator: Comparator,
    *,
    parallel: bool = True,
    quality: bool = True,
    count_minutiae: bool = True,
    cache: dict | None = None,
) -> TenprintCheck:
    """Read a tenprint transaction and check it (`load_tenprint` then `run_check`, as `station tenprint check` runs).

    On the process pool there is no pause between reading and checking: the slaps are decoded first (segmentation
    waits for them), and each rolled record is decoded, cut from its box and analysed by one job, queued at once.
    The time until the slaps are decoded is `timings["read"]`. If a worker dies, the file is read again the plain
    way (a record that crashes the decoder is then reported as corrupt).
    """
    from station.booking import parallel as par
    from station.formats.ansi_nist import read_transaction

    t = time.perf_counter()
    pool = par.start_pool()[0] if parallel else None
    if pool is None or not par.picklable(comparator.extract, comparator.prepare):
        check = load_tenprint(data, parallel)
        read_s = time.perf_counter() - t
        run_check(check, comparator, count_minutiae, parallel, quality, cache)
        check.timings["read"] = read_s
        return check
    transaction = read_transaction(data)
    rolled_records, flat_records = _image_records(transaction)
    try:
        flat_jobs = {
            p: pool.submit(_decode_record, _alone(transaction, info), 1, info.record)
            for p, info in flat_records.items()
        }
        rolled_jobs = {
            p: pool.submit(
                par.analyse_record,
                _alone(transaction, info),
                1,
                info.ppi or 500.0,
                quality,
                comparator.extract,
                comparator.prepare,
                info.record,
            )
            for p, info in rolled_records.items()
        }
        flats = {p: _image(job.result(), flat_records[p]) for p, job in flat_jobs.items()}
        check = TenprintCheck({}, flats, _amputations(transaction))
        check.timings["read"] = time.perf_counter() - t
        return _run_check(check, comparator, count_minutiae, True, quality, cache, rolled_jobs)
    except BrokenProcessPool:  # read again the plain way: a decoder crash is then reported as corrupt data
        par.stop_pool()
        check = load_tenprint(data, parallel)
        return run_check(check, comparator, count_minutiae, parallel, quality, cache)


def _store_quality(check: TenprintCheck, key: str, result: object) -> None:
    check.nfiq2[key] = result.score  # type: ignore[attr-defined]
    if result.reason:  # type: ignore[attr-defined]
        check.nfiq2_notes[key] = result.reason  # type: ignore[attr-defined]


def run_check(
    check: TenprintCheck,
    comparator: Comparator,
    count_minutiae: bool = True,
    parallel: bool = True,
    quality: bool = True,
    cache: dict | None = None,
) -> TenprintCheck:
    """See `_run_check`; if a worker process dies (a native crash on one image), the check is redone in-process."""
    try:
        return _run_check(check, comparator, count_minutiae, parallel, quality, cache)
    except BrokenProcessPool:
        from station.booking.parallel import stop_pool

        stop_pool()
        for name in ("segmentations", "nfiq2", "nfiq2_notes", "minutiae", "timings"):
            getattr(check, name).clear()
        check.problems.clear()
        return _run_check(check, comparator, count_minutiae, False, quality, cache)


def _run_check(
    check: TenprintCheck,
    comparator: Comparator,
    count_minutiae: bool,
    parallel: bool,
    quality: bool,
    cache: dict | None,
    rolled_jobs: dict[int, Future] | None = None,
) -> TenprintCheck:
    """Segment, score, extract and compare. Fills `check` in place and returns it.

    `rolled_jobs` (from `check_tenprint`): the rolled records' `parallel.analyse_record` jobs, already queued; their
    decoded images are put in `check.rolled` as they come back.

    `quality=False` skips NFIQ 2 (a sequence check alone); `cache` is passed to `check_sequence`.
    With `parallel`, every image's NFIQ 2, extraction and matcher preparation run on the shared process pool
    (`station.booking.parallel`, one worker per core, started on first use: its start-up is timed apart as
    `pool_start`); the rolled prints are sent first and the slaps are segmented meanwhile. Each image is extracted
    once and its prepared matcher state comes back with its template, so matching only compares.
    Timings (seconds): `segmentation`, `quality` (NFIQ 2), `extraction` (with the matcher's preparation),
    `matching`, `total`; on the pool `quality` and `extraction` are the workers' CPU seconds summed (they overlap)
    and `analysis` is the wall time until the last image was done.
    """
    from station.booking import parallel as par

    pool = None
    if parallel:
        pool, started = par.start_pool()
        if started:
            check.timings["pool_start"] = started
    start = time.perf_counter()
    prepare = comparator.prepare
    remote_extract = pool is not None and par.picklable(comparator.extract, prepare)
    serial_split = pool is None

    def submit(image: FingerImage, crop: bool) -> Future | None:
        args = (image.pixels, image.ppi, quality and not serial_split)
        if pool is not None and remote_extract:
            return pool.submit(par.analyse, *args, comparator.extract, prepare, crop)
        if pool is not None and quality:  # quality in a worker, extraction here (after submitting everything)
            return pool.submit(par.analyse, *args, None, None, crop)
        return None  # in-process: done below, stage by stage

    # The rolled prints go to the workers first. When the workers extract, they get them uncut: cutting them from
    # their card boxes is part of their job. Otherwise the cut is made here, once, for the extraction done here.
    prefetched = rolled_jobs is not None
    rolled_500 = {} if remote_extract else {p: crop_to_print(img) for p, img in check.rolled.items()}
    if rolled_jobs is None:
        rolled_jobs = {p: submit(rolled_500.get(p, img), not rolled_500) for p, img in check.rolled.items()}

    t = time.perf_counter()
    excused = frozenset(p for p, code in check.amputated.items() if code in ("XX", "UP"))
    for fgp, image in sorted(check.flats.items()):
        hand = SLAP_LAYOUT[fgp]
        seg = segment_slap(image, hand, excused)
        check.segmentations[fgp] = seg
        if not seg.count_ok:
            missing = ", ".join(finger_name(p) for p in seg.missing) or "none"
            check.problems.append(
                f"FGP {fgp} ({hand}): {len(seg.fingers)} finger(s) found, "
                f"{len(seg.expected)} expected (missing: {missing}; extra blobs: {seg.extra_blobs})"
            )
    flat_fingers: dict[int, FingerImage] = {}
    for seg in check.segmentations.values():
        for finger in seg.fingers:
            flat_fingers.setdefault(finger.position, finger.image)
    if not check.flats:
        check.problems.append("no slap or flat thumb records (FGP 11-15): the rolled prints cannot be sequence-checked")
    if not check.rolled and not rolled_jobs:
        check.problems.append("no rolled records (FGP 1-10): nothing to sequence-check")
    check.timings["segmentation"] = time.perf_counter() - t
    flat_jobs = {p: submit(img, False) for p, img in flat_fingers.items()}

    if serial_split:  # in-process: NFIQ 2 and extraction one after the other, each timed
        if quality:
            t = time.perf_counter()
            for label, images in (("rolled", rolled_500), ("flat", flat_fingers)):
                for p, img in images.items():
                    _store_quality(check, f"{label} {p}", par.analyse(img.pixels, img.ppi, True, None, None).quality)
            check.timings["quality"] = time.perf_counter() - t
        t = time.perf_counter()
        rolled_templates = {
            p: par.analyse(img.pixels, img.ppi, False, comparator.extract, prepare).template
            for p, img in rolled_500.items()
        }
        flat_templates = {
            p: par.analyse(img.pixels, img.ppi, False, comparator.extract, prepare).template
            for p, img in flat_fingers.items()
        }
        check.timings["extraction"] = time.perf_counter() - t
    else:
        t = time.perf_counter()
        if not remote_extract:  # the comparator cannot travel: extract here while the workers score
            rolled_templates = {p: comparator.extract(img) for p, img in rolled_500.items()}
            flat_templates = {p: comparator.extract(img) for p, img in flat_fingers.items()}
            check.timings["extraction"] = time.perf_counter() - t
        results = {("rolled", p): job.result() for p, job in rolled_jobs.items() if job is not None}
        results.update({("flat", p): job.result() for p, job in flat_jobs.items() if job is not None})
        if remote_extract:
            rolled_templates = {p: results["rolled", p].template for p in rolled_jobs}
            flat_templates = {p: results["flat", p].template for p in flat_jobs}
        if prefetched:
            check.rolled.update({p: results["rolled", p].image for p in rolled_jobs})
        if quality:
            for (label, p), analysis in results.items():
                _store_quality(check, f"{label} {p}", analysis.quality)
        check.timings["analysis"] = time.perf_counter() - t
        # The stages overlap on the workers: their split is the CPU seconds each took there, summed.
        if quality:
            check.timings["quality"] = sum(a.quality_s for a in results.values())
        if remote_extract:
            check.timings["extraction"] = sum(a.extract_s for a in results.values())
    check.rolled_templates, check.flat_templates = rolled_templates, flat_templates
    if count_minutiae:
        for p, tpl in rolled_templates.items():
            check.minutiae[f"rolled {p}"] = _count(tpl)
        for p, tpl in flat_templates.items():
            check.minutiae[f"flat {p}"] = _count(tpl)
    t = time.perf_counter()
    check.report = check_sequence(rolled_templates, flat_templates, comparator, templates=True, cache=cache)
    check.comparator = comparator.name
    check.timings["matching"] = time.perf_counter() - t
    check.timings["total"] = time.perf_counter() - start
    return check


def _count(template: object) -> int:
    """Minutiae in a template: our `Template` (its length) or the NBIS baseline's (`.features.minutiae`)."""
    for path in (("features", "minutiae"), ("minutiae",)):
        obj = template
        try:
            for name in path:
                obj = getattr(obj, name)
            return len(obj)  # type: ignore[arg-type]
        except (AttributeError, TypeError):
            continue
    try:
        return len(template)  # type: ignore[arg-type]
    except TypeError:
        return -1
