"""The daemon's scanner: opened from the configured URI, reopened after faults, one capture at a time.

Captures run on the event loop (drivers are async); each preview frame is downscaled here (cheap: an integer-factor
block mean) and published to the capture's owner; the final image goes to the process pool for the analysis the caller
names (a booking's: the session's stage `station.booking.stages.analyse`; else `imagework.plain_quality`). Device
state changes are published to every session allowed `device.read`; faults are audited and the scanner is reopened
with back-off in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from drivers.base import CaptureFailed, CaptureKind, CaptureResult, PreviewFrame, Scanner, StatusChanged
from drivers.errors import DriverFault, ScannerBusy, ScanRetry
from station.api.events import Audience, EventBus
from station.api.protocol import encode_preview
from station.audit.log import AuditLog
from station.daemon import imagework
from station.daemon.logs import log_event
from station.errors import DeviceError

REOPEN_DELAYS = (0.5, 1, 2, 5, 10, 30)


def _feedback(image: Any, ppi: float) -> tuple[list[str], dict[str, Any]]:
    """Workflow's live placement feedback for one preview frame: its hints as words and its clarity map."""
    from station.biometrics.quality import live_feedback

    feedback = live_feedback(image, ppi)
    assert feedback.clarity_map is not None
    return list(feedback.hints), encode_preview(feedback.clarity_map, feedback.clarity_map.shape[1])


@dataclass
class CaptureOutcome:
    """What a capture produced: the final image and the pool's analysis of it."""

    result: CaptureResult
    analysis: Any
    preview_frames: int


class DeviceManager:
    def __init__(
        self,
        uri: str,
        bus: EventBus,
        audit: AuditLog,
        pool: Executor,
        preview_width: int,
        factory: Callable[[str], Scanner] | None = None,
    ) -> None:
        self.uri, self.bus, self.audit, self.pool, self.preview_width = uri, bus, audit, pool, preview_width
        self._factory = factory
        self.scanner: Scanner | None = None
        self.state = "closed"
        self.detail = ""
        self._lock = asyncio.Lock()
        self._ready = asyncio.Event()
        self._reopen_task: asyncio.Task[None] | None = None
        self.current: asyncio.Task[Any] | None = None

    def _make(self) -> Scanner:
        if self._factory is not None:
            return self._factory(self.uri)
        from drivers.registry import make_scanner

        return make_scanner(self.uri)

    def _set_state(self, state: str, detail: str = "") -> None:
        if (state, detail) != (self.state, self.detail):
            self.state, self.detail = state, detail
            self.bus.publish(
                "device", {"state": state, "detail": detail, "uri": self.uri}, Audience.role_with("device.read")
            )

    async def open(self) -> bool:
        """Try once to open the scanner; on failure schedule background reopening."""
        try:
            scanner = self._make()
            await scanner.open()
        except (DriverFault, DeviceError, ValueError, OSError) as exc:
            self._fault(exc)
            return False
        self.scanner = scanner
        self._ready.set()
        self._set_state("ready", scanner.info.model)
        log_event("device.opened", uri=self.uri)
        return True

    def _fault(self, exc: BaseException) -> None:
        self._ready.clear()
        self._set_state("fault", str(exc)[:200])
        self.audit.record("system", "device.fault", self.uri, "failure", error=type(exc).__name__)
        log_event("device.fault", level="warning", uri=self.uri, error=exc)
        if self._reopen_task is None or self._reopen_task.done():
            self._reopen_task = asyncio.create_task(self._reopen())

    async def _reopen(self) -> None:
        for attempt, delay in enumerate([*REOPEN_DELAYS, *[REOPEN_DELAYS[-1]] * 10_000]):
            await asyncio.sleep(delay)
            with contextlib.suppress(Exception):
                if self.scanner is not None:
                    await self.scanner.close()
            self.scanner = None
            try:
                scanner = self._make()
                await scanner.open()
            except (DriverFault, DeviceError, ValueError, OSError):
                log_event("device.reopen_failed", level="info", uri=self.uri, attempt=attempt + 1)
                continue
            self.scanner = scanner
            self._ready.set()
            self._set_state("ready", scanner.info.model)
            self.audit.record("system", "device.reopened", self.uri, "success", attempt=attempt + 1)
            return

    def info(self) -> dict[str, Any]:
        out: dict[str, Any] = {"uri": self.uri, "state": self.state, "detail": self.detail}
        if self.scanner is not None and self.state != "fault":
            info = self.scanner.info
            out.update(
                driver=info.driver,
                vendor=info.vendor,
                model=info.model,
                serial=info.serial,
                firmware=info.firmware,
                ppi=info.resolution_ppi,
                preview=info.preview,
                capabilities=sorted(k.value for k in info.capabilities),
                leds=list(info.leds),
                beeper=info.beeper,
                transport=info.transport,
            )
        return out

    async def wait_ready(self, timeout: float) -> Scanner:
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            raise DeviceError(
                f"scanner {self.uri} is not ready ({self.detail or self.state})",
                "check the cable and power; a technician can run the self-test",
            ) from None
        assert self.scanner is not None
        return self.scanner

    async def capture(
        self,
        kind: CaptureKind,
        position: int,
        audience: Audience,
        context: dict[str, Any] | None = None,
        analyse: Callable[[Any, float], Any] = imagework.plain_quality,
    ) -> CaptureOutcome:
        """One capture with previews to `audience`, then `analyse(image, ppi)` in the pool (a picklable top-level
        function or partial); raises ScanRetry (ask again) or DeviceError (fault)."""
        if self._lock.locked():
            raise ScannerBusy("another capture is in progress")
        async with self._lock:
            scanner = await self.wait_ready(5.0)
            context = dict(context or {})
            self._set_state("capturing", f"{kind.value} {position}")
            frames, started = 0, time.monotonic()
            result: CaptureResult | None = None
            hints: list[str] = []
            quality_map: dict[str, Any] | None = None
            feedback_task: asyncio.Task[tuple[list[str], dict[str, Any]]] | None = None
            try:
                async for event in scanner.capture(kind, position):
                    if isinstance(event, PreviewFrame):
                        frames += 1
                        # Live hints ("press lighter", "centre the finger") and the clarity map in a thread, one
                        # frame at a time: a frame arriving while the last is being judged shows the last verdict.
                        if feedback_task is not None and feedback_task.done():
                            failed = feedback_task.exception() is not None
                            hints, quality_map = ([], None) if failed else feedback_task.result()
                            feedback_task = None
                        if feedback_task is None:
                            feedback_task = asyncio.create_task(asyncio.to_thread(_feedback, event.image, event.ppi))
                        preview = encode_preview(event.image, self.preview_width)
                        self.bus.publish(
                            "preview",
                            {
                                **context,
                                "position": position,
                                "index": event.index,
                                "finger_present": event.finger_present,
                                "preview": preview,
                                "hints": hints,
                                "quality_map": quality_map,
                            },
                            audience,
                        )
                    elif isinstance(event, StatusChanged):
                        status = {**context, "position": position, "status": event.state.name.lower()}
                        self.bus.publish("capture", status, audience)
                    elif isinstance(event, CaptureResult):
                        result = event
                    elif isinstance(event, CaptureFailed):
                        if event.is_fault:
                            self._fault(event.error)
                        raise event.error
            finally:
                if feedback_task is not None:
                    feedback_task.cancel()
                if self.state == "capturing":
                    self._set_state("ready", self.detail)
            if result is None:
                raise DriverFault(f"{self.uri}: the capture ended without an image")
            image = result.image
            loop = asyncio.get_running_loop()
            analysis = await loop.run_in_executor(self.pool, analyse, image, float(result.ppi))
            log_event(
                "capture.processed",
                position=position,
                kind=kind.value,
                frames=frames,
                duration_ms=round((time.monotonic() - started) * 1000),
            )
            return CaptureOutcome(result, analysis, frames)

    async def signal(self, what: str) -> None:
        """LEDs/beeper for headless use: ready, good, retry, fault (ignored where the device has none)."""
        scanner = self.scanner
        if scanner is None:
            return
        pattern = {"ready": ("green", 0), "good": ("green", 150), "retry": ("amber", 80), "fault": ("red", 600)}
        led, beep = pattern[what]
        info = scanner.info
        with contextlib.suppress(Exception):
            for name in info.leds:
                await scanner.set_led(name, name == led)
            if beep and info.beeper:
                await scanner.beep(beep)
                if what == "retry":
                    await scanner.beep(beep)

    async def self_test(self) -> dict[str, Any]:
        scanner = await self.wait_ready(5.0)
        async with self._lock:
            report = await scanner.self_test()
        out: dict[str, Any] = {
            "passed": report.passed,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in report.checks],
        }
        if report.blank is not None:
            b = report.blank
            out["blank"] = {
                "mean": b.mean,
                "uniformity": b.uniformity,
                "spots": b.spots,
                "spot_area_fraction": b.spot_area_fraction,
            }
        return out

    async def close(self) -> None:
        if self._reopen_task:
            self._reopen_task.cancel()
        if self.scanner is not None:
            with contextlib.suppress(Exception):
                await self.scanner.close()
        self.scanner = None
        self._set_state("closed")


__all__ = ["CaptureOutcome", "DeviceManager", "ScanRetry"]
