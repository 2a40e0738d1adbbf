"""Submission: a booking's session becomes a CAR (booking, formats), sealed into the outbox (store), sent (sync).

`make_submitter` returns a Submitter when the station is provisioned (its keys and the central's descriptor are in
the state directory, see `station provision`), else None with the reason logged, and `booking.submit` answers
`unavailable`. The forwarder's passes run in a worker thread, woken at once by a new submission and otherwise every
`poll_s`; the answers it keeps (several per submission) and the answers that are late go to the officer, the
audit trail and the notify hooks through the answer desk (`answer_desk.py`). Queue counts go out as `queue` events.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
from typing import Any

from station.api.events import Audience
from station.crash_points import crash_point
from station.daemon.answer_desk import AnswerDesk
from station.daemon.logs import log_event
from station.errors import InputError, StationError


class Submitter:
    def __init__(self, daemon: Any, poll_s: float = 2.0) -> None:
        from station.crypto.provision import KeyPaths, load_central, load_identity
        from station.crypto.storage import StorageKey
        from station.formats.ebts import TcnGenerator
        from sync.backoff import Backoff
        from sync.client import CentralClient
        from sync.forwarder import Forwarder, ForwarderConfig

        state = daemon.config.state_dir
        self.daemon = daemon
        self.store = daemon.store  # the one store: bookings and the outbox commit together
        self.identity = load_identity(state)
        self.central = load_central(state)
        self.client = CentralClient(self.central.url, KeyPaths(state))
        config = ForwarderConfig(backoff=Backoff(0.5, 60.0), poll_interval=poll_s, breaker_cooldown=10.0)
        self.storage_key = StorageKey.load(KeyPaths(state).storage_key)
        self.forwarder = Forwarder(
            self.store,
            self.client,
            station_id=self.identity.station_id,
            central=self.central,
            answer_key=self.storage_key,
            config=config,
            rng=random.Random(),
            audit_dir=state / "audit",  # the signed head travels with each submission and as a heartbeat
        )
        station_id = "".join(ch for ch in daemon.config.station_id.upper() if ch.isalnum())[:8] or "STATION"
        self.tcns = TcnGenerator(daemon.config.agency_ori, station_id, state / "tcn.state")
        self.poll_s = poll_s
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._loop())
        self._last_counts: dict[str, int] = {}
        self.desk = AnswerDesk(daemon, self.store, self.storage_key, self.central.url)

    def describe(self) -> dict[str, Any]:
        from station.store import outbox

        return {"central": self.central.url, "queue": outbox.counts(self.store), "answers": self.desk.metrics()}

    # -- building and queueing ------------------------------------------------------------------------------------
    def _build(self, session: Any, tcn: str) -> bytes:
        """The booking's CAR, from its session (`station.booking.card`): the images as kept, the annotations as AMP."""
        from station.booking import card
        from station.formats.ebts import Agency, CaptureDevice

        info = self.daemon.device.info()
        device = CaptureDevice(
            str(info.get("vendor", "unknown")), str(info.get("model", "unknown")), str(info.get("serial", ""))
        )
        agency = Agency(ori=self.daemon.config.agency_ori, dai=self.daemon.config.central_dai)
        return card.car(session, agency, tcn, device)

    async def submit(
        self, booking_id: str, user: str, where: str, audience: Audience, *, resubmission: str | None = None
    ) -> str:
        """Claim the booking, build its CAR, seal and queue it: exactly one CAR per booking.

        `resubmission` (the officer's reason) sends a booking submitted before once more, after an ERRT or to
        correct it: a new TCN, linked to the booking and to the TCN it replaces (`submissions.replaces`), audited
        `booking.resubmit`.

        The claim (open -> submitting, TCN reserved) is one transaction, so of two submits at once one wins and the
        other is told `already submitted (TCN ...)`; the outbox row and the booking's `queued` state are the next
        one (`outbox.enqueue` with the booking). A crash between the two leaves the claim alone, which the next
        start puts back to open (`lifecycle.recover`): no CAR was queued for it."""
        from station.booking.records import BookingError as SessionError
        from station.formats.ebts import BookingError as CardError
        from station.store import lifecycle
        from station.store.submit import queue_transaction

        audit = self.daemon.audit
        what = "booking.resubmit" if resubmission else "booking.submit"
        tcn = self.tcns.next()
        try:
            replaces = await self.daemon.writes.run(
                functools.partial(lifecycle.claim, resubmission=bool(resubmission)), self.store, booking_id, tcn
            )
        except (lifecycle.AlreadySubmitted, lifecycle.NotOpen) as exc:
            audit.record(user, what, where, "failure", booking=booking_id, reason=exc.message)
            raise
        crash_point("claimed")
        try:
            data = await self.daemon.bookings.change(booking_id, lambda session: self._build(session, tcn))
            await self.daemon.writes.run(
                lambda: queue_transaction(
                    self.store,
                    data,
                    identity=self.identity,
                    central=self.central,
                    booking_id=booking_id,
                    replaces=replaces,
                )
            )
        except BaseException as exc:
            await self.daemon.writes.run(lifecycle.release, self.store, booking_id)
            if isinstance(exc, (SessionError, CardError)):
                audit.record(user, what, where, "failure", booking=booking_id, reason="incomplete")
                message = (
                    exc.message if isinstance(exc, CardError) else f"the booking cannot be submitted: {exc.message}"
                )
                raise InputError(message, exc.hint or "fix the listed problems, then submit") from exc
            raise
        crash_point("queued")
        details = {"replaces": replaces, "reason": resubmission[:200]} if resubmission else {}
        audit.record(user, what, where, "success", booking=booking_id, tcn=tcn, bytes=len(data), **details)
        log_event("booking.submitted", booking=booking_id, tcn=tcn, bytes=len(data))
        self.daemon.bus.publish("booking", {"booking": booking_id, "state": "queued", "tcn": tcn}, Audience.user(user))
        self._wake.set()
        return tcn

    def wake(self) -> None:
        """Run a forwarder pass now (a new or re-queued submission)."""
        self._wake.set()

    async def submit_transaction(self, data: bytes, booking_id: str, tcn: str) -> str:
        """Queue an already built transaction as the booking's one submission (the headless quick-ID)."""
        from station.store import lifecycle
        from station.store.submit import queue_transaction

        def claim_and_queue() -> Any:
            lifecycle.claim(self.store, booking_id, tcn)
            return queue_transaction(
                self.store, data, identity=self.identity, central=self.central, booking_id=booking_id
            )

        submission = await self.daemon.writes.run(claim_and_queue)
        self._wake.set()
        return str(submission.tcn)

    # -- forwarding and answers -----------------------------------------------------------------------------------
    async def _loop(self) -> None:
        from station.store import outbox

        await asyncio.to_thread(outbox.recover, self.store)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_s)
            self._wake.clear()
            try:
                report = await asyncio.to_thread(self.forwarder.run_pass, poll=True)
                if report.sent or report.answers or report.failed or report.transport_errors:
                    log_event(
                        "forwarder.pass",
                        count=report.sent,
                        records=report.answers,
                        status=(
                            f"accepted={report.accepted} deferred={report.deferred} failed={report.failed} "
                            f"rejected={report.rejected} transport_errors={report.transport_errors}"
                        ),
                    )
            except StationError as exc:
                log_event("forwarder.pass_failed", level="warning", error=exc)
            except Exception as exc:
                log_event("forwarder.pass_failed", level="error", error=exc)
            try:
                await self.desk.run_once()
                await self.daemon.shred_due()  # after the answer was shown: the booking's data goes
                self._publish_queue()
            except Exception as exc:  # the loop must outlive one bad answer or a full disk
                log_event("answers.collect_failed", level="error", error=exc)

    def _publish_queue(self) -> None:
        from station.store import outbox

        counts = outbox.counts(self.store)
        if counts != self._last_counts:
            self._last_counts = counts
            self.daemon.bus.publish("queue", {"counts": counts}, Audience.role_with("queue.read"))
            self.daemon.bus.publish("queue", {"counts": counts}, Audience.role_with("booking"))

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(BaseException):
            await self._task
        with contextlib.suppress(Exception):
            self.client.close()
        self.store.close()


def make_submitter(daemon: Any) -> Submitter | None:
    """The submitter, or None (logged, with the reason) when the station is not provisioned for a central."""
    try:
        from station.crypto.provision import KeyPaths

        paths = KeyPaths(daemon.config.state_dir)
        if not paths.station_key.exists() or not paths.central.exists():
            log_event(
                "submission.unavailable",
                level="warning",
                reason="station not provisioned: run 'station provision' and import the central descriptor",
            )
            return None
        return Submitter(daemon)
    except (ImportError, StationError) as exc:
        log_event("submission.unavailable", level="warning", error=exc)
        return None
