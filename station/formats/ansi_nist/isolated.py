"""Decoding untrusted images in a child process, so a crash of a C codec becomes a FormatError.

The WSQ decoder (NBIS code inside the `wsq` package) can be driven into a segmentation fault by corrupt data: random
mutations of a real WSQ image find one within a few hundred tries. A file from outside the station (a `station nist
extract` argument, an answer's photo) is therefore decoded in a forked child: a crash, a hang past the timeout or any
error comes back as FormatError naming the record, and the station keeps running. Images the station encoded itself
can use `decode_image` directly (faster: no fork).
"""

from __future__ import annotations

import faulthandler
import multiprocessing
from multiprocessing.connection import Connection

import numpy as np

from station.errors import FormatError
from station.formats.ansi_nist.images import decode_image
from station.formats.ansi_nist.model import Transaction

DEFAULT_TIMEOUT_S = 30.0


def _child(conn: Connection, transaction: Transaction, index: int) -> None:
    faulthandler.disable()  # a crash here is expected and reported by the parent, not dumped on stderr
    try:
        conn.send(("ok", decode_image(transaction, index)))
    except FormatError as exc:
        conn.send(("error", str(exc)))
    except Exception as exc:  # report, never let the child die silently
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def decode_image_isolated(transaction: Transaction, index: int, timeout: float = DEFAULT_TIMEOUT_S) -> np.ndarray:
    """`decode_image` in a forked child; raises FormatError (only) on bad data, a codec crash or a timeout."""
    minimal = Transaction([transaction.type1, transaction.records[index]])  # NTR for the resolution, the record
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(child, minimal, 1), daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise FormatError(f"record {index}: decoding took longer than {timeout:g} s", "the image data is corrupt")
        try:
            status, payload = parent.recv()
        except EOFError:
            process.join(5)
            raise FormatError(
                f"record {index}: the image decoder crashed (exit {process.exitcode}) on this data",
                "the image data is corrupt; recapture or re-export it",
            ) from None
    finally:
        parent.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    if status != "ok":
        raise FormatError(f"record {index}: {payload}")
    return payload
