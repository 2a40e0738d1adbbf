"""Decoding untrusted images in a child process, so a crash of a C codec becomes a FormatError.

The WSQ decoder (NBIS code inside the `wsq` package) can be driven into a segmentation fault by corrupt data: random
mutations of a real WSQ image find one within a few hundred tries. A file from outside the station (a `station nist
extract` argument, an answer's photo) is therefore decoded in a forked child (`station.isolation`): a crash, a hang
past the timeout or any error comes back as FormatError naming the record, and the station keeps running. Images the
station encoded itself can use `decode_image` directly (faster: no fork).
"""

from __future__ import annotations

import numpy as np

from station.errors import FormatError
from station.formats.ansi_nist.images import decode_image
from station.formats.ansi_nist.model import Transaction
from station.isolation import DEFAULT_TIMEOUT_S, ChildCrashed, ChildTimedOut, run_isolated


def decode_image_isolated(transaction: Transaction, index: int, timeout: float = DEFAULT_TIMEOUT_S) -> np.ndarray:
    """`decode_image` in a forked child; raises FormatError (only) on bad data, a codec crash or a timeout."""
    minimal = Transaction([transaction.type1, transaction.records[index]])  # NTR for the resolution, the record
    try:
        return run_isolated(decode_image, minimal, 1, index, timeout_s=timeout)
    except ChildTimedOut:
        raise FormatError(
            f"record {index}: decoding took longer than {timeout:g} s", "the image data is corrupt"
        ) from None
    except ChildCrashed as exc:
        raise FormatError(
            f"record {index}: the image decoder crashed ({exc.how}) on this data",
            "the image data is corrupt; recapture or re-export it",
        ) from None
    except FormatError:  # names the record already
        raise
    except Exception as exc:  # MemoryError at the memory bound, or any other failure of the decoder
        raise FormatError(f"record {index}: {type(exc).__name__}: {exc}", "the image data is corrupt") from None
