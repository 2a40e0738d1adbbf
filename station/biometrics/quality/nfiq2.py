"""NFIQ 2 (ISO/IEC 29794-4) scores through NIST's own implementation, behind one small seam.

The score comes from `nbis-py` 0.1.3, which embeds NIST NFIQ 2.3 and its `nist_plain_tir-ink` model unchanged, so the
numbers are the standard's own. Everything project-specific lives here so the engine can be replaced:

- the model is loaded once per process (about 0.4 s) and shared behind a lock;
- the input is an 8-bit greyscale image at 500 ppi (`quality.nfiq2(image)` resamples a `FingerImage` first);
- the image is handed to NFIQ 2 **as it is**: NIST's library removes the near-white frame itself, with its own rule
  (`frame.py`), and any crop of ours would change the image the standard scores. Only an image that NIST's crop
  would leave larger than the engine accepts (800 x 1000 px) is scored in a window placed on the print, and the
  result says so (`windowed`, `window`);
- an image the engine refuses gives `Nfiq2Result(score=None, reason=...)`, never an exception;
- nbis-py's generated binding hands the image to the engine one byte at a time in Python (about 15 % of a score's
  CPU time for an 800 x 750 print); `_install_fast_byte_writer` replaces that copy with one `memmove`, checked to
  write the same bytes (see tests/biometrics/quality).
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass, field

import cv2
import numpy as np

from station.biometrics.quality.frame import (
    MU_THRESHOLD,
    fits_nfiq2,
    near_white_frame_box,
    print_window,
)

# NIST's actionable-feedback thresholds (nfiq2_qualitymeasures_impl.cpp): value -> problem when the test holds.
ACTIONABLE_PROBLEMS: dict[str, tuple[str, float, str]] = {
    "UniformImage": ("<", 1.0, "the image is uniform: no fingerprint"),
    "EmptyImageOrContrastTooLow": (">", 250.0, "the image is empty or its contrast is too low"),
    "FingerprintImageWithMinutiae": ("<", 5.0, "fewer than 5 minutiae: too little fingerprint"),
    "SufficientFingerprintForeground": ("<", 50000.0, "too little fingerprint area"),
}


@dataclass(frozen=True)
class Nfiq2Result:
    """One NFIQ 2 assessment: a score 0-100 (higher is better), or None with the reason it could not be scored."""

    score: int | None
    reason: str | None = None
    actionable: dict[str, float] = field(default_factory=dict)
    problems: tuple[str, ...] = ()  # NIST's actionable feedback that flags a problem, in words
    windowed: bool = False  # NIST's crop of the image is over NFIQ 2's size limit: the score is of `window` only
    window: tuple[int, int, int, int] | None = None  # the scored part (left, top, right, bottom) when windowed

    @property
    def scorable(self) -> bool:
        return self.score is not None

    def as_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "reason": self.reason,
            "actionable": dict(self.actionable),
            "problems": list(self.problems),
            "windowed": self.windowed,
            "window": list(self.window) if self.window else None,
        }


class _Engine:
    """The process-wide NFIQ 2 engine, loaded on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._extractor: object | None = None

    def _load(self) -> object:
        import nbis  # a large native library: import only when a score is wanted

        _install_fast_byte_writer()
        settings = nbis.NbisExtractorSettings(
            min_quality=0.0, get_center=False, check_fingerprint=False, compute_nfiq2=True, ppi=None
        )
        return nbis.new_nbis_extractor(settings)

    def score(self, encoded: bytes) -> tuple[int, dict[str, float]]:
        with self._lock:
            if self._extractor is None:
                self._extractor = self._load()
            minutiae = self._extractor.extract_minutiae(encoded)  # type: ignore[attr-defined]
        result = minutiae.quality()
        return int(result.score), {v.name: float(v.value) for v in result.actionable}


_ENGINE = _Engine()


def _fast_write(self: object, value: bytes) -> None:
    """Append `value` to a uniffi RustBuffer builder with one memmove (the binding loops over the bytes in Python)."""
    data = bytes(value)
    with self._reserve(len(data)):  # type: ignore[attr-defined]  # grows the buffer, then advances its length
        rbuf = self.rbuf  # type: ignore[attr-defined]
        ctypes.memmove(ctypes.cast(rbuf.data, ctypes.c_void_p).value + rbuf.len, data, len(data))


_ORIGINAL_WRITE: list[object] = []  # the binding's own writer, kept for the test that compares the two


def _install_fast_byte_writer() -> bool:
    """Use `_fast_write` for nbis-py 0.1.3's byte hand-over when its binding has the expected shape; else leave it."""
    try:
        from nbis import nbis as binding
    except ImportError:  # pragma: no cover - nbis-py is a dependency
        return False
    builder = getattr(binding, "_UniffiRustBufferBuilder", None)
    if builder is None or not hasattr(builder, "_reserve") or not hasattr(builder, "write"):
        return False
    if builder.write is not _fast_write:
        _ORIGINAL_WRITE.append(builder.write)
        builder.write = _fast_write
    return True


def warm_up() -> None:
    """Load the model now (about 0.4 s) rather than on the first score."""
    with _ENGINE._lock:
        if _ENGINE._extractor is None:
            _ENGINE._extractor = _ENGINE._load()


def _problems(actionable: dict[str, float]) -> tuple[str, ...]:
    found = []
    for name, (op, limit, text) in ACTIONABLE_PROBLEMS.items():
        value = actionable.get(name)
        if value is not None and (value < limit if op == "<" else value > limit):
            found.append(text)
    return tuple(found)


def _refusal(pixels: np.ndarray, box: tuple[int, int, int, int]) -> str:
    """Why NFIQ 2 refused an image, in words (nbis-py reports only an error code): NIST's own empty and uniform
    tests on what its crop keeps, else too little fingerprint for its minutiae extractor."""
    left, top, right, bottom = box
    kept = pixels[top:bottom, left:right]
    if float(kept.mean()) > MU_THRESHOLD:
        return "not scorable: the image is blank (near-white: mean grey above 250), there is no fingerprint in it"
    if float(kept.std()) < 1.0:
        return "not scorable: the image is uniform, there is no fingerprint in it"
    return "not scorable: NFIQ 2 refused the image; it finds too little fingerprint (ridges, minutiae or area) in it"


def score_pixels(pixels: np.ndarray) -> Nfiq2Result:
    """NFIQ 2 of an 8-bit greyscale image already at 500 ppi, handed to NIST's code untouched. Never raises.

    Only when NIST's own near-white crop would leave more than 800 x 1000 px (which NFIQ 2 refuses) is a window of
    that size, placed on the print, scored instead; the result then has `windowed` and the `window` box.
    """
    if not isinstance(pixels, np.ndarray) or pixels.ndim != 2 or pixels.dtype != np.uint8 or pixels.size == 0:
        return Nfiq2Result(None, "not scorable: NFIQ 2 needs an 8-bit greyscale image")
    box = near_white_frame_box(pixels)
    window = None if fits_nfiq2(box) else print_window(pixels, box)
    scored = pixels if window is None else pixels[window[1] : window[3], window[0] : window[2]]
    ok, encoded = cv2.imencode(".bmp", np.ascontiguousarray(scored))
    if not ok:  # pragma: no cover - OpenCV encodes any 2-D uint8 array
        return Nfiq2Result(None, "not scorable: the image could not be handed to NFIQ 2")
    try:
        score, actionable = _ENGINE.score(encoded.tobytes())
    except Exception:  # nbis.NbisError and its subclasses; the engine's errors carry only a code
        reason = _refusal(scored, near_white_frame_box(scored))
        return Nfiq2Result(None, reason, windowed=window is not None, window=window)
    return Nfiq2Result(score, None, actionable, _problems(actionable), window is not None, window)
