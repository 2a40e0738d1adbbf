"""FBI WSQ encode and decode, behind one small module so the codec can be replaced.

We use the PyPI `wsq` package (NBIS 5.0 code; output byte-identical to NBIS `cwsq` at 0.75 bit per pixel) through
its C module directly: the Pillow plugin path converts through Python lists and is much slower. The codec is fixed
at 500 ppi, 8-bit greyscale and 0.75 bpp, so other inputs are refused with the fix named.

NBIS's decoder can be driven into a segmentation fault by corrupt data, so bytes from outside the station (a file a
user gives, a record of a foreign transaction) go through `decode_untrusted`, which decodes in a forked child
(`station.isolation`) and turns a crash, a hang or a runaway allocation into FormatError. `decode` is for images
the station encoded itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from station.errors import FormatError, InputError
from station.isolation import ChildCrashed, ChildTimedOut, run_isolated
from station.native_stderr import Diagnostics, caught

try:  # the C extension that `wsq` installs beside its Pillow plugin
    import _wsq  # type: ignore[import-not-found]
except ImportError as exc:  # pragma: no cover - the dependency is declared in pyproject
    raise ImportError("the 'wsq' package is needed for WSQ images: pip install wsq") from exc

WSQ_PPI = 500
WSQ_BITRATE = 0.75
_SOI = b"\xff\xa0"  # WSQ start-of-image marker
UNTRUSTED_TIMEOUT_S = 30.0  # a 1600 x 1500 slap decodes in well under a second
UNTRUSTED_MEMORY_BYTES = 1 << 30  # the largest WSQ frame (65535 x 65535 pixels) would need 4 GiB


@dataclass(frozen=True)
class DecodedWsq:
    pixels: np.ndarray  # uint8, shape (height, width)
    ppi: int | None  # from the frame header; None when the encoder wrote -1 (unknown)


def is_wsq(data: bytes) -> bool:
    """True when the bytes start with the WSQ start-of-image marker."""
    return data[:2] == _SOI


_SOF = 0xFFA2  # start of frame: black, white, height, width, ...
_TABLES = range(0xFFA3, 0xFFA9)  # SOB, DTT, DQT, DHT, DRT, COM: segments with a 2-byte length


def frame_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a WSQ frame header, without decoding the image; FormatError when there is none."""
    if not is_wsq(data):
        raise FormatError("not WSQ data: the start-of-image marker FFA0 is missing")
    at = 2
    while at + 4 <= len(data):
        marker, length = int.from_bytes(data[at : at + 2], "big"), int.from_bytes(data[at + 2 : at + 4], "big")
        if marker == _SOF:
            if at + 10 > len(data):
                break
            height, width = int.from_bytes(data[at + 6 : at + 8], "big"), int.from_bytes(data[at + 8 : at + 10], "big")
            return width, height
        if marker not in _TABLES or length < 2:
            break
        at += 2 + length
    raise FormatError("corrupt WSQ data: no frame header", "recapture or re-export the image")


def encode(pixels: np.ndarray, ppi: float = WSQ_PPI) -> bytes:
    """Compress an 8-bit greyscale image taken at 500 ppi."""
    if not isinstance(pixels, np.ndarray) or pixels.ndim != 2:
        raise InputError("WSQ needs a single-channel (greyscale) image", "convert colour images to grey first")
    if pixels.dtype != np.uint8:
        raise InputError(f"WSQ needs 8-bit pixels, got {pixels.dtype}", "scale the image to 0-255 uint8 first")
    if abs(ppi - WSQ_PPI) > 0.5:
        raise InputError(
            f"WSQ at 0.75 bpp is defined for 500 ppi images, this one is {ppi} ppi",
            "resample the image to 500 ppi first",
        )
    height, width = pixels.shape
    if height < 16 or width < 16:
        raise InputError(f"image of {width}x{height} pixels is too small for WSQ")
    return _wsq.compress(np.ascontiguousarray(pixels).tobytes(), height, width, WSQ_BITRATE)


def decode(data: bytes) -> DecodedWsq:
    """Decompress WSQ bytes; corrupt data raises FormatError, never anything else."""
    if not is_wsq(data):
        raise FormatError("not WSQ data: the start-of-image marker FFA0 is missing")
    diagnostics = Diagnostics()
    try:
        with caught(diagnostics):  # NBIS prints its reason on fd 2: it belongs in our message
            raw, width, height, ppi = _wsq.decompress(bytes(data))
    except Exception as exc:  # the C module raises plain exceptions of several kinds
        reason = diagnostics.text() or str(exc)
        raise FormatError(f"corrupt WSQ data: {reason}", "recapture or re-export the image") from exc
    if width <= 0 or height <= 0 or len(raw) != width * height:
        raise FormatError(f"corrupt WSQ data: {len(raw)} pixels for a {width}x{height} frame")
    pixels = np.frombuffer(raw, dtype=np.uint8).reshape(height, width).copy()
    return DecodedWsq(pixels=pixels, ppi=ppi if ppi and ppi > 0 else None)


def decode_untrusted(data: bytes, timeout_s: float = UNTRUSTED_TIMEOUT_S) -> DecodedWsq:
    """`decode` in a forked child, for bytes from outside the station: a decoder crash is FormatError too."""
    if not is_wsq(data):  # refused here, without a fork
        raise FormatError("not WSQ data: the start-of-image marker FFA0 is missing")
    hint = "the WSQ data is corrupt; recapture or re-export the image"
    try:
        return run_isolated(decode, bytes(data), timeout_s=timeout_s, memory_limit_bytes=UNTRUSTED_MEMORY_BYTES)
    except ChildCrashed as exc:
        raise FormatError(f"corrupt WSQ data: the decoder crashed ({exc.how})", hint) from None
    except ChildTimedOut:
        raise FormatError(f"corrupt WSQ data: decoding took longer than {timeout_s:g} s", hint) from None
    except MemoryError:
        raise FormatError(
            f"corrupt WSQ data: decoding needs more than {UNTRUSTED_MEMORY_BYTES >> 20} MiB", hint
        ) from None
