"""Run one call in a forked child process, so that a crash in C code cannot take the station down.

Some decoders we depend on are C code that untrusted bytes can drive into a segmentation fault or an endless loop
(NBIS's WSQ decoder inside the `wsq` package is one). Such a call runs here in a forked child with a time bound and
a memory bound:

    pixels = run_isolated(decode, data, timeout_s=30)

The child's return value comes back through a pipe (it must pickle). An exception raised by the call comes back and
is raised again in the parent as itself (a MemoryError when the memory bound was hit). If the child dies (a signal,
an abort) `ChildCrashed` is raised, if it overruns its time `ChildTimedOut`; both are `IsolationError`, which callers
translate into the error of their area (FormatError, DriverFault) with the fix for the user.

The child is forked, so the function and its arguments need not pickle, and it starts in microseconds with the
parent's modules already loaded. Forking a process that has threads is safe here because the child only runs the
call and exits: it does not touch locks other threads may have held.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import resource
import signal
import warnings
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TypeVar

from station.errors import StationError

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MEMORY_LIMIT_BYTES = 2 << 30  # address space the call may add to what the process already maps
_JOIN_S = 5.0


class IsolationError(StationError):
    """The isolated call gave no result: its child process crashed or ran out of time."""


class ChildCrashed(IsolationError):
    """The child process died while running the call (a segmentation fault, an abort)."""

    def __init__(self, message: str, hint: str | None = None, *, exit_code: int | None = None) -> None:
        super().__init__(message, hint)
        self.exit_code = exit_code

    @property
    def how(self) -> str:
        """How the child ended, for messages: "signal SIGSEGV", "exit 1"."""
        return _describe_exit(self.exit_code)


class ChildTimedOut(IsolationError):
    """The call did not finish within its time bound; the child was killed."""


def run_isolated(
    fn: Callable[..., T],
    *args: object,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_limit_bytes: int | None = DEFAULT_MEMORY_LIMIT_BYTES,
) -> T:
    """`fn(*args)` in a forked child; its result, its exception, or ChildCrashed / ChildTimedOut."""
    if timeout_s <= 0:
        raise ValueError(f"timeout_s must be positive, got {timeout_s}")
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    with warnings.catch_warnings():  # Python 3.12 warns on fork() with threads; the child only runs `fn` (see above)
        warnings.simplefilter("ignore", DeprecationWarning)
        process = context.Process(target=_child, args=(child, fn, args, memory_limit_bytes), daemon=True)
        process.start()
    child.close()
    name = getattr(fn, "__qualname__", repr(fn))
    try:
        if not parent.poll(timeout_s):
            raise ChildTimedOut(f"{name} took longer than {timeout_s:g} s and was stopped")
        try:
            status, payload = parent.recv()
        except (EOFError, OSError):
            process.join(_JOIN_S)
            raise ChildCrashed(
                f"{name} crashed its process ({_describe_exit(process.exitcode)})", exit_code=process.exitcode
            ) from None
    finally:
        parent.close()
        if process.is_alive():
            process.kill()
        process.join(_JOIN_S)
    if status == "error":
        raise payload
    return payload


def _child(conn: Connection, fn: Callable[..., object], args: tuple[object, ...], memory: int | None) -> None:
    faulthandler.disable()  # a crash here is expected and reported by the parent, not dumped on stderr
    try:
        if memory is not None:
            _limit_address_space(memory)
        result: tuple[str, object] = ("ok", fn(*args))
    except BaseException as exc:  # everything goes back to the parent, nothing dies silently here
        result = ("error", exc)
    try:
        conn.send(result)
    except Exception as exc:  # the result or the exception does not pickle: say so instead
        conn.send(("error", RuntimeError(f"the isolated call's {result[0]} could not be sent back: {exc}")))
    finally:
        conn.close()


def _limit_address_space(extra_bytes: int) -> None:
    """Let the child map at most `extra_bytes` more than it inherited from the parent."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = mapped + extra_bytes
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft == resource.RLIM_INFINITY or wanted < soft:
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit {code}"
