"""Per-image work of a tenprint check (NFIQ 2, extraction, matcher preparation) on a process pool sized to the machine.

NFIQ 2 (NIST's native code, which runs MINDTCT as well) and our extractor are CPU-bound and independent per image, so
a card's 20 finger images are spread over one worker process per core. The pool is started once per process (on
first use, or ahead of time with `start_pool`) and reused by every later check; the workers load the NFIQ 2 model and
import the extractor once. Each task returns the image's NFIQ 2 result and its template with the matcher's prepared
state (the cylinders) already cached in it, so the main process only compares.

Everything degrades to the same work in-process: on a one-core machine, when the pool cannot start, or when the
comparator's functions cannot be sent to another process (the NBIS baseline's closures). Results are the same
either way: the same functions on the same pixels.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from station.biometrics.image import FingerImage

_LOCK = threading.Lock()
_POOL: list[ProcessPoolExecutor] = []


def cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _warm_worker(owner: int) -> None:
    """Worker start-up: end with the process that owns the pool, one thread per worker, load the NFIQ 2 model and
    import the extractor once."""
    import cv2

    from station.worker_guard import exit_with

    exit_with(owner)

    from station.biometrics.quality import warm_up

    cv2.setNumThreads(1)  # one worker per core already: inner threads would only contend (and spin)
    lib = _numpy_openblas()
    if lib is not None:
        lib.scipy_openblas_set_num_threads64_(ctypes.c_int(1))
    warm_up()
    with contextlib.suppress(ImportError):  # without the core the NBIS baseline still works
        import station.biometrics.api  # noqa: F401


def start_pool() -> tuple[Executor | None, float]:
    """The shared pool (started now if needed) and the seconds its start-up took (0 when it was already running).

    None on a one-core machine or when worker processes cannot be started: callers then work in-process.
    """
    with _LOCK:
        if _POOL:
            return _POOL[0], 0.0
        workers = cores()
        if workers < 2:
            return None, 0.0
        t = time.perf_counter()
        try:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
            pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_warm_worker, initargs=(os.getpid(),))
            list(pool.map(_ready, range(workers)))  # start every worker now: a check never waits for a warm-up
        except (OSError, RuntimeError):
            return None, 0.0
        _POOL.append(pool)
        return pool, time.perf_counter() - t


def _ready(_: int) -> int:
    return os.getpid()


def stop_pool() -> None:
    """Shut the shared pool down (it is started again on next use)."""
    with _LOCK:
        while _POOL:
            _POOL.pop().shutdown(wait=True, cancel_futures=True)


atexit.register(stop_pool)


def _numpy_openblas() -> ctypes.CDLL | None:
    """The OpenBLAS that numpy's wheel bundles (numpy.libs/libscipy_openblas64_*), if that is what numpy uses."""
    import numpy

    libs = Path(numpy.__file__).resolve().parent.parent / "numpy.libs"
    for candidate in sorted(libs.glob("libscipy_openblas64_*.so*")):
        try:
            lib = ctypes.CDLL(str(candidate))  # already loaded by numpy: the same handle
        except OSError:
            continue
        if hasattr(lib, "scipy_openblas_set_num_threads64_") and hasattr(lib, "scipy_openblas_get_num_threads64_"):
            return lib
    return None


@dataclass(frozen=True)
class ImageAnalysis:
    """What one finger image gives: its NFIQ 2 result (or None when not asked), its template (or None), and the CPU
    seconds each took where they ran (`extract_s` includes the matcher's preparation)."""

    quality: object | None
    template: object | None
    quality_s: float = 0.0
    extract_s: float = 0.0
    image: FingerImage | None = field(default=None, repr=False)  # the decoded record (`analyse_record` only)


def analyse(
    pixels: np.ndarray,
    ppi: float,
    quality: bool,
    extract: Callable[[FingerImage], object] | None,
    prepare: Callable[[object], object] | None,
    crop: bool = False,
) -> ImageAnalysis:
    """NFIQ 2, template and prepared matcher state of one image (runs in a worker or in-process).

    With `crop`, the image is first cut to its print (`segmentation.crop_to_print`: a card's rolled box loses its
    caption and borders, and is resampled to 500 ppi), here rather than in the caller so the cut runs in parallel.
    """
    if crop:
        from station.booking.segmentation import crop_to_print

        cut = crop_to_print(FingerImage(pixels, ppi))
        pixels, ppi = cut.pixels, cut.ppi
    result = None
    t = time.thread_time()
    if quality:
        from station.biometrics.quality import nfiq2

        result = nfiq2(FingerImage(pixels, ppi))  # resampled to 500 ppi when it is not
    quality_s, t = time.thread_time() - t, time.thread_time()
    template = None
    if extract is not None:
        template = extract(FingerImage(pixels, ppi))
        if prepare is not None:
            prepare(template)
    return ImageAnalysis(result, template, quality_s, time.thread_time() - t)


def analyse_record(
    transaction: object,
    index: int,
    ppi: float,
    quality: bool,
    extract: Callable[[FingerImage], object] | None,
    prepare: Callable[[object], object] | None,
    name: int | None = None,
) -> ImageAnalysis:
    """Decode image record `index` of `transaction` (the Type-1 and that record are enough), cut it to its print and
    analyse it (`analyse` with `crop`): a card's rolled box in one job, the decoded image coming back in `image`.
    Errors name the record `record <name>`, its index in the whole file (default `index`)."""
    from station.errors import FormatError
    from station.formats.ansi_nist import decode_image

    pixels = decode_image(transaction, index, name)  # type: ignore[arg-type]
    if pixels.ndim != 2:
        raise FormatError(
            f"record {index if name is None else name}: a colour friction-ridge image", "tenprints are 8-bit grey"
        )
    analysis = analyse(pixels, ppi, quality, extract, prepare, crop=True)
    return replace(analysis, image=FingerImage(pixels, ppi))


def picklable(*functions: object) -> bool:
    """Whether these functions can be sent to a worker process (module-level functions can, closures cannot)."""
    try:
        pickle.dumps(functions)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True
