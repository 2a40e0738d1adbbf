"""Finger images as the core sees them: 8-bit grey pixels with a known resolution, loaded from any usual format.

Every stage after loading works at the canonical 500 ppi, so `to_canonical` resamples the rest (1000 ppi livescan
and rolled prints, 569 ppi sensors, 400 ppi cards). `resample` is one exact change of scale: the output grid is the
input's scaled by exactly `ppi / image.ppi` about the pixel centres (no drift from rounding the output size), read
with Lanczos interpolation (4 lobes); when shrinking, a windowed-sinc low-pass with its cut-off at the new Nyquist
frequency runs first, so what the coarser grid cannot hold is removed rather than aliased, and everything it can hold
(ridges, their edges) passes almost untouched. A 500 ppi print enlarged to 569-1000 ppi and read back differs from
the original by about 2 grey levels RMS, under 0.6 in the band ridges live in; area averaging, used before, blurred
the band near Nyquist (3.0-3.6 RMS at 569-750 ppi) while its box response let part of the rest alias.

Resolution is a fact about the capture, not about the pixels: it comes from the caller first, then from the file's
header, and is never guessed. A file that cannot hold a fingerprint (not an image, blank, tiny) is refused
here with an `InputError` naming the file and the reason, so the stages never see it.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from station.biometrics.features import CANONICAL_PPI
from station.errors import FormatError, InputError
from station.formats import wsq

#: Smallest side, in canonical pixels, that can hold enough ridges to be worth reading (about 1.6 mm at 500 ppi
#: would be 32 px; the smallest real sensors in ../shared/data are 100 px wide).
MIN_SIDE_PX = 32
#: Resolutions outside this range are header junk (FVC TIFFs say 1 dpi) rather than a real scanner.
MIN_PLAUSIBLE_PPI = 100.0
MAX_PLAUSIBLE_PPI = 5000.0
#: Largest image read, in pixels: a whole tenprint card scanned at 1000 ppi (8 x 8 in) is 64 Mpx, and nothing a
#: station reads is larger. A bigger header is refused before any pixel is decoded (a "decompression bomb").
MAX_PIXELS = 64_000_000
TOO_LARGE = f"is larger than the {MAX_PIXELS // 1_000_000} Mpx a fingerprint image can be"
#: Lobes of the Lanczos interpolation kernel and of the window of the anti-aliasing sinc (OpenCV's INTER_LANCZOS4 has
#: 4; the same for the low-pass keeps its transition band about a quarter of the cut-off wide).
RESAMPLE_LOBES = 4
#: A grey-level standard deviation below this is a blank frame: no ridges can be told from valleys.
MIN_CONTRAST_STD = 3.0


@dataclass(frozen=True)
class FingerImage:
    """An 8-bit greyscale finger image (dark ridges on a light background) and its resolution in pixels per inch."""

    pixels: np.ndarray
    ppi: float

    def __post_init__(self) -> None:
        if not isinstance(self.pixels, np.ndarray) or self.pixels.ndim != 2 or self.pixels.dtype != np.uint8:
            raise ValueError("FingerImage.pixels must be a 2-D uint8 array (height, width)")
        if not MIN_PLAUSIBLE_PPI <= float(self.ppi) <= MAX_PLAUSIBLE_PPI:
            raise ValueError(f"FingerImage.ppi must be within {MIN_PLAUSIBLE_PPI}-{MAX_PLAUSIBLE_PPI}, got {self.ppi}")

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])


def load_image(source: str | Path | bytes, ppi: float | None = None, *, name: str | None = None) -> FingerImage:
    """Read a TIFF, PNG, BMP, PGM, JPEG or WSQ fingerprint from a path or from bytes.

    `ppi` from the caller wins over the file's header; without either the image is refused, because a wrong
    resolution silently ruins every distance measured later. `name` labels bytes in error messages.
    """
    label = name or (str(source) if not isinstance(source, bytes | bytearray) else "<image bytes>")
    data = _read_bytes(source, label)
    if ppi is not None and not MIN_PLAUSIBLE_PPI <= ppi <= MAX_PLAUSIBLE_PPI:
        raise InputError(f"{label}: resolution {ppi} ppi is not plausible", "give --ppi between 100 and 5000")
    if wsq.is_wsq(data):
        try:
            decoded = wsq.decode_untrusted(data)
        except FormatError as exc:
            raise InputError(f"{label}: {exc.message}", exc.hint) from exc
        pixels, file_ppi = decoded.pixels, decoded.ppi
    else:
        pixels, file_ppi = _decode_raster(data, label)
    resolution = ppi if ppi is not None else _plausible(file_ppi)
    if resolution is None:
        raise InputError(f"{label}: the file does not say its resolution", "give it with --ppi (500 for FVC images)")
    _check_fingerprint_like(pixels, label)
    return FingerImage(pixels=np.ascontiguousarray(pixels), ppi=float(resolution))


def to_canonical(image: FingerImage) -> FingerImage:
    """The same image at 500 ppi (returned unchanged when it already is)."""
    return resample(image, float(CANONICAL_PPI))


def resample(image: FingerImage, ppi: float) -> FingerImage:
    """The same image at `ppi`: an exact change of scale about the pixel centres (see the module docstring)."""
    scale = ppi / image.ppi
    if abs(scale - 1.0) < 1e-3:
        return image if image.ppi == ppi else FingerImage(image.pixels, float(ppi))
    width = max(1, round(image.width * scale))
    height = max(1, round(image.height * scale))
    grey = image.pixels.astype(np.float32)
    if scale < 1.0:
        kernel = _lowpass_kernel(scale)
        grey = cv2.sepFilter2D(grey, -1, kernel, kernel, borderType=cv2.BORDER_REFLECT)
    # Output pixel centre (u + 0.5) sits at input position (u + 0.5) / scale: u = scale * x + (scale - 1) / 2.
    offset = (scale - 1.0) / 2.0
    matrix = np.array([[scale, 0.0, offset], [0.0, scale, offset]], dtype=np.float64)
    resized = cv2.warpAffine(grey, matrix, (width, height), flags=cv2.INTER_LANCZOS4, borderMode=cv2.BORDER_REFLECT)
    pixels = np.clip(np.rint(resized), 0, 255).astype(np.uint8)
    return FingerImage(pixels=pixels, ppi=float(ppi))


def _lowpass_kernel(scale: float) -> np.ndarray:
    """1-D windowed-sinc low-pass at the Nyquist frequency of a grid `scale` (< 1) times as fine, unit DC gain."""
    cutoff = 0.5 * scale  # cycles per input pixel
    half = int(np.ceil(RESAMPLE_LOBES / (2.0 * cutoff)))
    n = np.arange(-half, half + 1, dtype=np.float64)
    taps = np.sinc(2.0 * cutoff * n) * np.sinc(n / (half + 1))
    return (taps / taps.sum()).astype(np.float32)


def _read_bytes(source: str | Path | bytes, label: str) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    path = Path(source)
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"{label}: no such file", "check the path") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{label}: is a directory, not an image", "name the image files") from exc
    except OSError as exc:
        raise InputError(f"{label}: cannot be read ({exc.strerror or exc})", "check the file's permissions") from exc


def _decode_raster(data: bytes, label: str) -> tuple[np.ndarray, float | None]:
    """Pixels as 8-bit grey and the header resolution of a Pillow-readable image."""
    if not data:
        raise InputError(f"{label}: the file is empty", "recapture or re-export the image")
    try:
        with warnings.catch_warnings():  # Pillow's bomb warning is an error here: our own bound is lower
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
        with img:
            _check_size(img.width, img.height, label)
            img.load()
            dpi = img.info.get("dpi")
            pixels = _to_grey8(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:  # Pillow's bound, met before ours
        raise InputError(f"{label}: the image {TOO_LARGE}", "crop or downsample it to one print") from exc
    except UnidentifiedImageError as exc:
        raise InputError(f"{label}: not an image in a known format", "use TIFF, PNG, BMP, PGM, JPEG or WSQ") from exc
    except (OSError, ValueError, SyntaxError) as exc:  # Pillow's ways of saying "truncated or corrupt"
        raise InputError(f"{label}: corrupt image data ({exc})", "recapture or re-export the image") from exc
    file_ppi = float(dpi[0]) if isinstance(dpi, tuple) and dpi and dpi[0] else None
    return pixels, file_ppi


def _check_size(width: int, height: int, label: str) -> None:
    if width * height > MAX_PIXELS:
        raise InputError(f"{label}: {width}x{height} pixels {TOO_LARGE}", "crop or downsample it to one print")


def _to_grey8(img: Image.Image) -> np.ndarray:
    """8-bit grey from any Pillow mode: 16-bit scaled down, colour by luma, transparency over white paper."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        wide = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode != "I" or wide.max(initial=0) > 255 else 255.0
        return np.clip(np.round(wide * (255.0 / top)), 0, 255).astype(np.uint8)
    if img.mode == "F":
        values = np.asarray(img, dtype=np.float64)
        low, high = float(values.min(initial=0)), float(values.max(initial=0))
        span = high - low if high > low else 1.0
        return np.round((values - low) * (255.0 / span)).astype(np.uint8)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(paper, rgba)
    return np.asarray(img.convert("L"), dtype=np.uint8)


def _plausible(ppi: float | None) -> float | None:
    """A header resolution we can trust, rounded when it is an integer in disguise (999.9975 -> 1000)."""
    if ppi is None or not MIN_PLAUSIBLE_PPI <= ppi <= MAX_PLAUSIBLE_PPI:
        return None
    nearest = round(ppi)
    return float(nearest) if abs(ppi - nearest) < 0.05 else float(ppi)


def _check_fingerprint_like(pixels: np.ndarray, label: str) -> None:
    height, width = pixels.shape
    if min(height, width) < MIN_SIDE_PX:
        raise InputError(
            f"{label}: {width}x{height} pixels is too small to hold a fingerprint", "capture the whole fingertip"
        )
    if float(pixels.std()) < MIN_CONTRAST_STD:
        raise InputError(f"{label}: the image is blank (uniform grey level)", "place the finger and recapture")
