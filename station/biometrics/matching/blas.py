"""Run the matcher's matrix products on the calling thread only.

The products are small (tens to hundreds of rows), where OpenBLAS's thread pool costs far more than it gains: on a
busy 2-core station a 120 x 42 match took 137 ms with two BLAS threads and 6.5 ms with one. OpenBLAS >= 0.3.27
(bundled with numpy's wheels) has `openblas_set_num_threads_local`, which changes the count for the calling thread
only, so the rest of the process keeps its setting. When the symbol is missing (another BLAS), this does nothing.
"""

from __future__ import annotations

import ctypes
import glob
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache

import numpy as np


@cache
def _set_local_threads() -> Callable[[int], int] | None:
    libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libs, "*openblas*.so*"))):
        try:
            library = ctypes.CDLL(path)
            function = library.openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        function.argtypes = [ctypes.c_int]
        function.restype = ctypes.c_int
        return function  # type: ignore[no-any-return]
    return None


@contextmanager
def single_thread() -> Iterator[None]:
    """Within the block, numpy's BLAS uses one thread on this thread."""
    setter = _set_local_threads()
    if setter is None:
        yield
        return
    previous = setter(1)
    try:
        yield
    finally:
        setter(max(previous, 1))
