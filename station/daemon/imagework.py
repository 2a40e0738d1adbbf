"""CPU-heavy image work, run in the daemon's process pool so the event loop (and the preview stream) never stalls.

Functions here are top-level and take/return plain picklable values (bytes, numbers, dicts): they run in worker
processes. A booking's captures are analysed by the session's own stages (`station.booking.stages`: segmentation,
NFIQ 2 per finger, WSQ of what is kept); here are the pool itself, the quality of a capture nothing is kept of, and
a kept image made ready for the viewer. `make_pool` sizes the pool to the machine.
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
    from station.booking.stages import warm_up as warm_stages

    return warm_stages()


def plain_quality(pixels: np.ndarray, ppi: float) -> dict[str, Any]:
    """NFIQ 2 of a single flat finger nothing is kept of (the technician's raw capture, a quick-ID finger)."""
    from station.biometrics.image import FingerImage
    from station.biometrics.quality import nfiq2

    score = nfiq2(FingerImage(np.ascontiguousarray(pixels, dtype=np.uint8), float(ppi)))
    return {"nfiq2": score.score, "problems": list(score.problems) + ([score.reason] if score.reason else [])}


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
