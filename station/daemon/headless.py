"""Headless quick-ID: no screen, no keyboard; the scanner drives a rapid search (EBTS `RPIS`) per person.

The loop: LEDs say *ready*; a finger on the platen starts the capture of the configured fingers (default both index
fingers, flat) one after another; each capture is quality-checked (NFIQ 2 in the process pool) and the device says
*good* or *try again* (up to 3 tries per finger, then the sequence restarts); a device fault says *fault* and waits
for the scanner to come back. The fingers become an RPIS transaction (`station.formats.ebts.rapid`), queued sealed
like any submission. The answer is never shown on the device: it goes to the audit trail and to the configured
notification hooks (syslog line, HTTPS webhook, file), see `answer_desk.AnswerDesk`.

Preview frames of a headless capture are published to no session: there is nobody to show them to.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import numpy as np

from drivers.base import CaptureKind
from drivers.errors import ScannerBusy, ScanRetry
from station.api.events import Audience
from station.daemon.logs import log_event
from station.errors import DeviceError, StationError

HEADLESS_OWNER = "headless"
NOBODY = Audience.session("headless-no-viewer")


class HeadlessRunner:
    def __init__(self, daemon: Any, *, min_nfiq2: int = 20, tries: int = 3, pause_s: float = 5.0) -> None:
        self.daemon = daemon
        self.min_nfiq2, self.tries, self.pause_s = min_nfiq2, tries, pause_s
        self.searches = 0
        self._stopping = False

    async def run(self) -> None:
        config = self.daemon.config
        log_event("headless.started", positions=list(config.headless_fingers))
        while not self._stopping:
            try:
                images = await self._capture_all(config.headless_fingers)
                if images is None:
                    continue
                await self._submit(images)
                await self.daemon.device.signal("good")
                await asyncio.sleep(self.pause_s)  # the person lifts their fingers before the next search
            except asyncio.CancelledError:
                raise
            except DeviceError as exc:
                await self.daemon.device.signal("fault")
                log_event("headless.device_fault", level="warning", error=exc)
                await asyncio.sleep(1.0)
            except StationError as exc:
                await self.daemon.device.signal("fault")
                self.daemon.audit.record(
                    HEADLESS_OWNER, "quickid.submit", config.station_id, "failure", reason=type(exc).__name__
                )
                log_event("headless.submit_failed", level="error", error=exc)
                await asyncio.sleep(5.0)

    async def _capture_all(self, positions: tuple[int, ...]) -> list[tuple[int, np.ndarray, float, int | None]] | None:
        out = []
        for position in positions:
            captured = await self._capture_one(position)
            if captured is None:
                return None
            out.append(captured)
        return out

    async def _capture_one(self, position: int) -> tuple[int, np.ndarray, float, int | None] | None:
        device, audit, where = self.daemon.device, self.daemon.audit, self.daemon.config.station_id
        for attempt in range(1, self.tries + 1):
            await device.signal("ready")
            try:
                outcome = await device.capture(CaptureKind.FLAT, position, NOBODY, {"headless": True})
            except (ScanRetry, ScannerBusy) as exc:
                await device.signal("retry")
                audit.record(
                    HEADLESS_OWNER,
                    "quickid.capture",
                    where,
                    "failure",
                    position=position,
                    attempt=attempt,
                    reason=type(exc).__name__,
                )
                continue
            score = outcome.analysis.get("nfiq2")
            if score is None or score < self.min_nfiq2:
                await device.signal("retry")
                audit.record(
                    HEADLESS_OWNER,
                    "quickid.capture",
                    where,
                    "failure",
                    position=position,
                    attempt=attempt,
                    reason="quality",
                    nfiq2=score,
                )
                continue
            await device.signal("good")
            audit.record(HEADLESS_OWNER, "quickid.capture", where, "success", position=position, nfiq2=score)
            return position, outcome.result.image, float(outcome.result.ppi), score
        return None

    async def _submit(self, images: list[tuple[int, np.ndarray, float, int | None]]) -> str:
        daemon = self.daemon
        submitter = daemon.submitter
        if submitter is None:
            raise StationError(
                "quick-ID cannot be sent: the station is not provisioned for a central",
                "run 'station provision' and import the central's descriptor",
            )
        from station.formats.ansi_nist import write_transaction
        from station.formats.ebts import Agency, FingerQuality, PrintImage
        from station.formats.ebts.rapid import RapidSearch, build_rpis

        prints = [
            PrintImage(position, pixels, round(ppi), quality=(FingerQuality(position, score),))
            for position, pixels, ppi, score in images
        ]
        tcn = submitter.tcns.next()
        agency = Agency(ori=daemon.config.agency_ori, dai=daemon.config.central_dai)
        data = await asyncio.to_thread(lambda: write_transaction(build_rpis(RapidSearch(prints), agency, tcn)))
        booking_id = await daemon.writes.run(daemon.bookings.create, HEADLESS_OWNER, "quickid")
        await submitter.submit_transaction(data, booking_id, tcn)
        self.searches += 1
        daemon.audit.record(
            HEADLESS_OWNER,
            "quickid.submit",
            daemon.config.station_id,
            "success",
            booking=booking_id,
            tcn=tcn,
            tot="RPIS",
            positions=[p for p, *_ in images],
        )
        log_event("headless.submitted", booking=booking_id, tcn=tcn)
        return tcn

    async def stop(self) -> None:
        self._stopping = True
        with contextlib.suppress(Exception):
            await self.daemon.device.signal("ready")
