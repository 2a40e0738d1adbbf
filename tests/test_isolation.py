"""`station.isolation.run_isolated`: a call in a forked child gives its result or its error, and a crash, a hang or
a runaway allocation in the child is our error in the parent, which keeps running."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from station.errors import FormatError
from station.isolation import ChildCrashed, ChildTimedOut, IsolationError, run_isolated


def _pixels(width: int, height: int) -> np.ndarray:
    return np.arange(width * height, dtype=np.uint32).reshape(height, width)


def _refuse(message: str) -> None:
    raise FormatError(message, "re-export the file")


def _segfault() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _allocate(megabytes: int) -> int:
    return len(bytearray(megabytes << 20))


def test_the_result_comes_back_from_the_child() -> None:
    result = run_isolated(_pixels, 300, 200)
    assert np.array_equal(result, _pixels(300, 200))
    assert run_isolated(lambda: os.getpid()) != os.getpid()  # forked: even a lambda runs, in another process


def test_the_calls_own_error_is_raised_again_with_its_hint() -> None:
    with pytest.raises(FormatError, match="bad header") as caught:
        run_isolated(_refuse, "bad header")
    assert caught.value.hint == "re-export the file"


def test_a_crash_is_child_crashed_and_the_parent_lives() -> None:
    with pytest.raises(ChildCrashed, match="SIGSEGV") as caught:
        run_isolated(_segfault)
    assert caught.value.exit_code == -signal.SIGSEGV and caught.value.how == "signal SIGSEGV"
    assert isinstance(caught.value, IsolationError)
    assert run_isolated(_pixels, 2, 2).shape == (2, 2)


def test_a_hang_is_stopped_at_the_time_bound() -> None:
    started = time.monotonic()
    with pytest.raises(ChildTimedOut, match=r"longer than 0\.3 s"):
        run_isolated(_sleep, 30, timeout_s=0.3)
    assert time.monotonic() - started < 5


def test_the_memory_bound_turns_a_runaway_allocation_into_memory_error() -> None:
    with pytest.raises(MemoryError):
        run_isolated(_allocate, 512, memory_limit_bytes=64 << 20)
    assert run_isolated(_allocate, 16, memory_limit_bytes=256 << 20) == 16 << 20
