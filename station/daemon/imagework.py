"""CPU-heavy image work, run in the daemon's process pool so the event loop (and the preview stream) never stalls.

Functions here are top-level and take/return plain picklable values (bytes, numbers, dicts): they run in worker
processes. `analyse_capture` is what happens to every accepted capture: NFIQ 2 (per finger for a slap, after
segmentation) and WSQ compression of what will be kept. `make_pool` sizes the pool to the machine.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np


def make_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes started by forkserver (no fork of a threaded asyncio process)."""
    context = multiprocessing.get_context("forkserver")
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),)
    )


def _worker_init(owner: int) -> None:
    from station.worker_guard import exit_with

    exit_with(owner)  # a daemon killed outright must not leave its workers behind
    # Image work must not compete with the event loop's process for the CPU it needs to keep previews flowing.
    with contextlib.suppress(OSError):
        os.nice(5)


def warm_up() -> int:
    """Import the heavy modules in a worker once, so the first real capture does not pay for it."""
    from station.biometrics.quality import warm_up as warm_nfiq2
    from station.formats import wsq  # noqa: F401

    warm_nfiq2()  # loads NIST's model once per worker
    return os.getpid()


def analyse_capture(
    pixels: bytes, shape: tuple[int, int], ppi: float, kind: str, position: int, amputated: tuple[int, ...] = ()
) -> dict[str, Any]:
    """Quality and compression of one capture: {"nfiq2": .., "fingers": [...], "wsq": bytes, "problems": [...]}.
    A slap is cut into the fingers the booking expects on it: those annotated XX/UP (`amputated`) are not sought."""
    from station.biometrics.image import FingerImage
    from station.biometrics.quality import nfiq2
    from station.formats import wsq

    image = np.frombuffer(pixels, dtype=np.uint8).reshape(shape)
    result: dict[str, Any] = {"kind": kind, "position": position, "fingers": [], "problems": []}
    if kind == "slap":
        from station.booking.plan import SLAP_LAYOUT
        from station.booking.segmentation import segment_slap

        segmentation = segment_slap(FingerImage(image, ppi), SLAP_LAYOUT[position], amputated)
        for finger in segmentation.fingers:
            score = nfiq2(finger.image)
            result["fingers"].append(
                {
                    "position": finger.position,
                    "box": list(finger.box),
                    "nfiq2": score.score,
                    "problems": list(score.problems),
                }
            )
        if segmentation.missing:
            result["problems"].append(f"fingers not found: {list(segmentation.missing)}")
        scores = [f["nfiq2"] for f in result["fingers"] if f["nfiq2"] is not None]
        result["nfiq2"] = min(scores) if scores else None
    else:
        score = nfiq2(FingerImage(image, ppi))
        result["nfiq2"] = score.score
        result["problems"] = list(score.problems) + ([score.reason] if score.reason else [])
    result["wsq"] = wsq.encode(image, ppi=ppi)
    return result


def sequence_check(
    rolled: dict[int, bytes], slaps: dict[int, tuple[bytes, list[tuple[int, list[int]]]]], thumbs: dict[int, bytes]
) -> dict[str, Any]:
    """Workflow's sequence check (rolled prints against slap segments) on WSQ images, in a worker.

    `rolled`: finger -> WSQ; `slaps`: FGP 13/14/15 -> (WSQ, [(finger, [left, top, right, bottom])]);
    `thumbs`: plain thumb FGP 11/12 -> WSQ (standing for fingers 1 and 6 when no thumb slap segment exists).
    """
    from station.biometrics.image import FingerImage
    from station.booking.sequence import check_sequence, default_comparator
    from station.formats import wsq

    def image(data: bytes) -> FingerImage:
        decoded = wsq.decode(data)
        return FingerImage(np.asarray(decoded.pixels, dtype=np.uint8), float(decoded.ppi))

    segments: dict[int, FingerImage] = {}
    for data, boxes in slaps.values():
        slap = image(data)
        for finger, (left, top, right, bottom) in boxes:
            crop = np.ascontiguousarray(slap.pixels[top:bottom, left:right])
            if crop.size:
                segments[finger] = FingerImage(crop, slap.ppi)
    for fgp, data in thumbs.items():
        segments.setdefault(1 if fgp == 11 else 6, image(data))
    comparator = default_comparator()
    report = check_sequence({p: image(d) for p, d in rolled.items()}, segments, comparator)
    return {**report.as_dict(), "comparator": comparator.name}


def full_image(data: bytes) -> tuple[dict[str, Any], float, dict[str, Any] | None]:
    """A kept WSQ capture for the viewer: its pixels at full resolution (gray8-base64), its ppi, and its block-wise
    ridge clarity (the live feedback's map), each as `station.api.protocol.encode_preview` encodes them."""
    from station.api.protocol import encode_preview
    from station.biometrics.quality import live_feedback
    from station.formats import wsq

    decoded = wsq.decode(data)
    pixels = np.asarray(decoded.pixels, dtype=np.uint8)
    ppi = float(decoded.ppi or 500)
    clarity = live_feedback(pixels, ppi).clarity_map
    quality_map = None if clarity is None else encode_preview(clarity, clarity.shape[1])
    return encode_preview(pixels, pixels.shape[1]), ppi, quality_map
