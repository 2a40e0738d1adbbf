"""`ImageScanner`: the capture flow every image driver shares, so a driver writes only device hooks.

The flow is libfprint's image-device cycle (await finger -> capture -> done) with the station's two rules built in:
a retry leaves the scanner open and idle; a fault (or any unexpected exception in a driver, which is a fault by
definition) ends the capture with `CaptureFailed`, closes the device and leaves the process running. Drivers
implement:

    _open_device() -> DeviceInfo            connect, handshake, read identity
    _close_device()                         release everything; must not raise, even half-open
    _wait_for_finger(kind, position)        return when a finger is on; raise NoFinger on time-out
    _acquire(kind, position)                async iterator of PreviewFrame ... then one CaptureResult
    _abort_capture()                        put the device back to idle after a retry or a cancelled capture
    _blank_frame() -> ndarray | None        a frame of the empty platen for the self-test (None: cannot)
    _device_checks() -> list[SelfTestCheck] link/parameter checks for the self-test
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import numpy as np

from drivers import diagnostics
from drivers.base import (
    CaptureEvent,
    CaptureFailed,
    CaptureKind,
    CaptureResult,
    DeviceInfo,
    PreviewFrame,
    Scanner,
    SelfTestCheck,
    SelfTestReport,
    StatusChanged,
    check_position,
)
from drivers.errors import DriverFault, ScannerBusy, ScannerNotOpen, ScanRetry, UnsupportedFeature
from drivers.state import DeviceState, DeviceStateMachine
from drivers.traffic import TrafficLog

log = logging.getLogger(__name__)

DEFAULT_FINGER_TIMEOUT_S = 30.0
T = TypeVar("T")


def as_fault(exc: BaseException) -> DriverFault:
    """A DriverFault for any exception that escaped a driver hook (our own faults pass through)."""
    if isinstance(exc, DriverFault):
        return exc
    fault = DriverFault(f"internal driver error: {type(exc).__name__}: {exc}")
    fault.__cause__ = exc
    return fault


class ImageScanner(Scanner):
    """Base class of every image-producing driver: owns the state machine and the capture flow."""

    def __init__(self, uri: str, *, finger_timeout_s: float = DEFAULT_FINGER_TIMEOUT_S) -> None:
        self.uri = uri
        self.finger_timeout_s = finger_timeout_s
        self.traffic = TrafficLog()  # what went over the wire (hardware drivers record into it)
        self._machine = DeviceStateMachine(uri)
        self._info: DeviceInfo | None = None
        self._busy = False
        self._io_lock = asyncio.Lock()
        self._closing = asyncio.Event()  # set by close() while an operation runs, so a long wait ends at once

    # ------------------------------------------------------------------ public interface

    @property
    def state(self) -> DeviceState:
        return self._machine.state

    def subscribe(self, listener: Callable[[DeviceState, DeviceState], None]) -> Callable[[], None]:
        return self._machine.subscribe(listener)

    @property
    def info(self) -> DeviceInfo:
        if self._info is None:
            raise ScannerNotOpen(f"{self.uri}: open the scanner before asking for its information")
        return self._info

    async def open(self) -> None:
        if self.state is not DeviceState.CLOSED:
            return
        try:
            self._info = await self._open_device()
        except BaseException as exc:
            await self._quiet_close_device()
            self._machine.move(DeviceState.ERROR)
            self._machine.move(DeviceState.CLOSED)
            if isinstance(exc, Exception):
                raise as_fault(exc) from exc
            raise
        self._machine.move(DeviceState.IDLE)

    async def close(self) -> None:
        if self.state is DeviceState.CLOSED:
            return
        if self._busy:
            self._closing.set()
        await self._quiet_close_device()
        if self.state in (DeviceState.AWAITING_FINGER, DeviceState.CAPTURING, DeviceState.DONE):
            self._machine.move(DeviceState.IDLE)
        self._machine.move(DeviceState.CLOSED)

    async def capture(self, kind: CaptureKind, position: int) -> AsyncIterator[CaptureEvent]:
        check_position(kind, position)
        self._begin_operation()
        if not self.info.supports(kind):
            self._busy = False
            raise UnsupportedFeature(f"{self.uri} ({self.info.model}) cannot take {kind.value} captures")
        ended = False
        try:
            self._machine.move(DeviceState.AWAITING_FINGER)
            yield StatusChanged(DeviceState.AWAITING_FINGER)
            async with contextlib.aclosing(self._run_capture(kind, position)) as outcome:
                async for event in outcome:
                    if isinstance(event, CaptureFailed | CaptureResult):
                        ended = True  # the device is settled before the caller sees the last event
                        self._busy = False
                    yield event
        finally:
            self._busy = False
            if not ended:  # the consumer walked away or was cancelled: leave the device idle
                await self._abandon_capture()

    async def self_test(self) -> SelfTestReport:
        self._begin_operation()
        checks: list[SelfTestCheck] = []
        stats = None
        try:
            checks.extend(await self._device_checks())
            self._machine.move(DeviceState.CAPTURING)
            blank = await self._blank_frame()
            if self.state is not DeviceState.CAPTURING:
                raise DriverFault(f"{self.uri}: the scanner was closed during the self-test")
            self._machine.move(DeviceState.IDLE)
            if blank is None:
                checks.append(SelfTestCheck("blank platen", True, "this device cannot take a frame without a finger"))
            else:
                stats = diagnostics.analyse_blank_frame(blank)
                checks.extend(diagnostics.judge_blank_frame(stats))
        except Exception as exc:
            fault = as_fault(exc)
            checks.append(SelfTestCheck("device", False, str(fault)))
            await self._fault_close(fault)
        finally:
            self._busy = False
        return SelfTestReport(uri=self.uri, checks=tuple(checks), blank=stats)

    # ------------------------------------------------------------------ hooks for drivers

    @abc.abstractmethod
    async def _open_device(self) -> DeviceInfo: ...

    @abc.abstractmethod
    async def _close_device(self) -> None: ...

    async def _wait_for_finger(self, kind: CaptureKind, position: int) -> None:
        """Default: the device detects the finger itself inside `_acquire`."""

    @abc.abstractmethod
    def _acquire(self, kind: CaptureKind, position: int) -> AsyncIterator[PreviewFrame | CaptureResult]: ...

    async def _abort_capture(self) -> None:
        """Put the device back to idle after a retry or an abandoned capture. Default: nothing to do."""

    async def _blank_frame(self) -> np.ndarray | None:
        return None

    async def _device_checks(self) -> list[SelfTestCheck]:
        return []

    async def _blocking(self, fn: Callable[..., T], *args: object) -> T:
        """Run blocking device I/O in a worker thread, one call at a time.

        A thread cannot be cancelled, so when the awaiting task is, the call is let run to its own (short) time-out
        before the cancellation goes on: the next I/O never races a stale read that would swallow its reply.
        """
        async with self._io_lock:
            call = asyncio.ensure_future(asyncio.to_thread(fn, *args))
            try:
                return await asyncio.shield(call)
            except asyncio.CancelledError:
                with contextlib.suppress(BaseException):
                    await call
                raise

    # ------------------------------------------------------------------ the flow

    def _begin_operation(self) -> None:
        if self.state is DeviceState.CLOSED:
            raise ScannerNotOpen(f"{self.uri}: open the scanner first")
        if self._busy or self.state is not DeviceState.IDLE:
            raise ScannerBusy(f"{self.uri}: another operation is running ({self.state.value})")
        self._busy = True
        self._closing.clear()

    async def _run_capture(self, kind: CaptureKind, position: int) -> AsyncIterator[CaptureEvent]:
        """Yield the events after AWAITING_FINGER, ending with exactly one CaptureResult or CaptureFailed."""
        try:
            await self._unless_closed(self._wait_for_finger(kind, position))
            self._machine.move(DeviceState.CAPTURING)
            yield StatusChanged(DeviceState.CAPTURING)
            result: CaptureResult | None = None
            async with contextlib.aclosing(self._acquire(kind, position)) as frames:
                async for event in frames:
                    if isinstance(event, CaptureResult):
                        result = event
                        break
                    yield event
            if result is None:
                raise DriverFault(f"{self.uri}: the driver ended the capture without an image")
            self._machine.move(DeviceState.DONE)
        except Exception as exc:
            error: Exception = exc
            if self.state is DeviceState.CLOSED:  # close() was called while the capture ran
                error = DriverFault(f"{self.uri}: the scanner was closed during the capture", hint="capture again")
            if isinstance(error, ScanRetry):
                await self._quiet(self._abort_capture)
                self._machine.move(DeviceState.IDLE)
                yield StatusChanged(DeviceState.IDLE)
                yield CaptureFailed(error)
                return
            fault = as_fault(error)
            log.warning("%s: capture fault: %s", self.uri, fault)
            await self._fault_close(fault)
            yield StatusChanged(DeviceState.CLOSED)
            yield CaptureFailed(fault)
            return
        yield StatusChanged(DeviceState.DONE)
        self._machine.move(DeviceState.IDLE)
        yield result

    async def _unless_closed(self, work: Awaitable[None]) -> None:
        """Await `work` (waiting for a finger can take long), but give up at once if close() is called."""
        task = asyncio.ensure_future(work)
        closed = asyncio.ensure_future(self._closing.wait())
        try:
            await asyncio.wait({task, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pending in (task, closed):
                if not pending.done():
                    pending.cancel()
                    with contextlib.suppress(BaseException):
                        await pending
        if not task.cancelled():
            task.result()  # the hook's own exception (a retry, a fault) goes on from here
        if self._closing.is_set():
            raise DriverFault(f"{self.uri}: the scanner was closed during the capture", hint="capture again")

    async def _fault_close(self, fault: DriverFault) -> None:
        await self._quiet_close_device()
        self._machine.close_after_fault()

    async def _abandon_capture(self) -> None:
        if self.state in (DeviceState.AWAITING_FINGER, DeviceState.CAPTURING, DeviceState.DONE):
            await self._quiet(self._abort_capture)
            self._machine.move(DeviceState.IDLE)

    async def _quiet_close_device(self) -> None:
        await self._quiet(self._close_device)

    async def _quiet(self, hook: Callable[[], Awaitable[None]]) -> None:
        try:
            await hook()
        except Exception:
            log.exception("%s: %s failed during clean-up", self.uri, getattr(hook, "__name__", "hook"))
