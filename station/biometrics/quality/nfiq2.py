"""NFIQ 2 (ISO/IEC 29794-4) scores through NIST's own implementation, behind one small seam.

The score comes from `nbis-py` 0.1.3, which embeds NIST NFIQ 2.3 and its `nist_plain_tir-ink` model unchanged, so the
numbers are the standard's own. Everything project-specific lives here so the engine can be replaced:

- the model is loaded once per process (about 0.4 s) and shared behind a lock;
- the input is an 8-bit greyscale image at 500 ppi (callers resample first, see `score_image`);
- like NIST's command-line tool we remove the near-white frame around the print first; an image that is still larger
  than NFIQ 2's embedded minutiae extractor accepts (800 x 1000 px) is cropped to that window, centred on the print,
  and the result says so;
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

NFIQ2_PPI = 500
MAX_WIDTH = 800  # FingerJet FX OSE, inside NFIQ 2, refuses wider images (measured with nbis-py 0.1.3)
MAX_HEIGHT = 1000
NEAR_WHITE = 250  # a frame row/column whose darkest pixel is at least this is background, as in the NFIQ 2 tool

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
    cropped: bool = False  # the scored window is smaller than the print (image larger than NFIQ 2 accepts)

    @property
    def scorable(self) -> bool:
        return self.score is not None

    def as_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "reason": self.reason,
            "actionable": dict(self.actionable),
            "problems": list(self.problems),
            "cropped": self.cropped,
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


def remove_near_white_frame(pixels: np.ndarray) -> np.ndarray:
    """The image without the rows and columns at its border that hold no pixel darker than NEAR_WHITE."""
    dark = pixels < NEAR_WHITE
    rows = np.flatnonzero(dark.any(axis=1))
    cols = np.flatnonzero(dark.any(axis=0))
    if rows.size == 0 or cols.size == 0:
        return pixels[:0, :0]
    return pixels[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _centred_window(pixels: np.ndarray) -> np.ndarray:
    """An at most MAX_WIDTH x MAX_HEIGHT window centred on the dark mass of the print."""
    h, w = pixels.shape
    if w <= MAX_WIDTH and h <= MAX_HEIGHT:
        return pixels
    weight = 255.0 - pixels.astype(np.float32)
    total = float(weight.sum()) or 1.0
    cy = float((weight.sum(axis=1) * np.arange(h)).sum() / total)
    cx = float((weight.sum(axis=0) * np.arange(w)).sum() / total)
    ww, wh = min(w, MAX_WIDTH), min(h, MAX_HEIGHT)
    x0 = int(np.clip(round(cx - ww / 2), 0, w - ww))
    y0 = int(np.clip(round(cy - wh / 2), 0, h - wh))
    return pixels[y0 : y0 + wh, x0 : x0 + ww]


def _problems(actionable: dict[str, float]) -> tuple[str, ...]:
    found = []
    for name, (op, limit, text) in ACTIONABLE_PROBLEMS.items():
        value = actionable.get(name)
        if value is not None and (value < limit if op == "<" else value > limit):
            found.append(text)
    return tuple(found)


def score_pixels(pixels: np.ndarray) -> Nfiq2Result:
    """NFIQ 2 of an 8-bit greyscale image already at 500 ppi. Never raises for a bad image."""
    if not isinstance(pixels, np.ndarray) or pixels.ndim != 2 or pixels.dtype != np.uint8:
        return Nfiq2Result(None, "not scorable: NFIQ 2 needs an 8-bit greyscale image")
    framed = remove_near_white_frame(pixels)
    if framed.size == 0:
        return Nfiq2Result(None, "not scorable: the image is blank (no pixel darker than near-white)")
    if float(framed.std()) < 1.0:
        return Nfiq2Result(None, "not scorable: the image is uniform, there is no fingerprint in it")
    window = _centred_window(framed)
    cropped = window.shape != framed.shape
    ok, encoded = cv2.imencode(".bmp", np.ascontiguousarray(window))
    if not ok:  # pragma: no cover - OpenCV encodes any 2-D uint8 array
        return Nfiq2Result(None, "not scorable: the image could not be handed to NFIQ 2")
    try:
        score, actionable = _ENGINE.score(encoded.tobytes())
    except Exception as exc:  # nbis.NbisError and its subclasses; the engine's errors carry only a code
        name = type(exc).__name__
        return Nfiq2Result(
            None,
            f"not scorable: NFIQ 2 refused the image ({name} {exc}); it finds too little fingerprint "
            "(ridges, minutiae or area) in it",
            cropped=cropped,
        )
    return Nfiq2Result(score, None, actionable, _problems(actionable), cropped)
