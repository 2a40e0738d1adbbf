"""Capturing a booking's positions over the API, each operation one method of the booking's session: capture (the
scanner, then the session's analysis stage in the pool, then `record`: best of the agency's `max_attempts`), accept
(the quality gate and its override, as the agency allows), and the sequence check (`stages.sequence` in the pool,
kept by the session only if the captures did not change meanwhile)."""

from __future__ import annotations

import asyncio
import functools
from typing import TYPE_CHECKING, Any

from drivers.base import CaptureKind, check_position
from station.api.events import Audience
from station.api.server import ApiError, Connection
from station.booking import card, stages
from station.booking.session import BookingSession
from station.daemon.op_common import arg, booking_error, open_booking, reason_arg, who

if TYPE_CHECKING:
    from station.daemon.service import StationDaemon


def capture_summary(session: BookingSession, booking_id: str, key: str, outcome: Any, frames: int) -> dict[str, Any]:
    """What booking.capture answers: the attempt, and the best attempt the position keeps (what accept takes)."""
    step = session.step(key)
    slot = card.slot_of(step)
    kind, position = slot.split(":")
    return {
        "booking": booking_id,
        "slot": slot,
        "step": key,
        "kind": kind,
        "position": int(position),
        "usable": outcome.usable,
        "nfiq2": outcome.best_nfiq2,  # the kept (best) attempt's; a slap's is its weakest finger's
        "attempt_nfiq2": outcome.nfiq2,
        "is_best": outcome.is_best,
        "threshold": session.policy.threshold(step),
        "passes_gate": outcome.passes_gate,
        "acceptable": outcome.usable and not outcome.problems,  # accept needs no override
        "problems": list(outcome.problems),
        "message": outcome.message,
        "fingers": list(outcome.fingers),
        "frames": frames,
        "attempts": session.positions[key].usable_attempts,
        "max_attempts": session.policy.max_attempts,
        "limit_reached": outcome.attempts_left <= 0,  # the officer is told: accept the best, or annotate
    }


async def booking_capture(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """Capture one slot (previews and status stream as events); the best attempt waits for booking.accept."""
    booking_id = open_booking(daemon, conn, args)
    try:
        kind = CaptureKind(arg(args, "kind", str))
        position = arg(args, "position", int)
        check_position(kind, position)
    except ValueError as exc:
        raise ApiError("bad_request", str(exc), "kind is flat, rolled or slap; position an FGP code") from None
    user, where = who(conn)
    assert conn.session is not None
    audience = Audience.session(conn.session.id)
    slot = f"{kind.value}:{position}"

    def prepare(session: BookingSession | None) -> tuple[str, tuple[int, ...]]:
        assert session is not None
        key = card.step_of(session, slot).key
        session.check_attempt(key)  # the agency's max_attempts: refused before anyone is asked to place a finger
        return key, session.stage_excused(key)

    with booking_error():
        key, excused = await daemon.bookings.read(booking_id, prepare)
    context = {"booking": booking_id, "slot": slot, "step": key, "amputated": list(excused)}
    task = asyncio.current_task()
    daemon.capture_tasks[conn.session.id] = task  # type: ignore[assignment]
    try:
        outcome = await daemon.device.capture(
            kind, position, audience, context, functools.partial(stages.analyse, key, excused=excused)
        )
    except asyncio.CancelledError:
        daemon.audit.record(user, "booking.capture", where, "info", booking=booking_id, slot=slot, reason="cancelled")
        raise ApiError("invalid", "the capture was cancelled", "start it again") from None
    except Exception as exc:
        reason = type(exc).__name__
        daemon.audit.record(user, "booking.capture", where, "failure", booking=booking_id, slot=slot, reason=reason)
        from drivers.errors import ScanRetry

        if isinstance(exc, ScanRetry):
            raise ApiError("invalid", f"capture not usable: {exc.message}", exc.hint or "capture again") from exc
        raise
    finally:
        daemon.capture_tasks.pop(conn.session.id, None)
    device = outcome.result.device_uri
    with booking_error():
        summary = await daemon.bookings.change(
            booking_id,
            lambda s: capture_summary(
                s, booking_id, key, s.record(key, outcome.analysis, device), outcome.preview_frames
            ),
        )
    daemon.bus.publish("capture", {**summary, "status": "captured"}, audience)
    daemon.audit.record(
        user, "booking.capture", where, "success", booking=booking_id, slot=slot, nfiq2=summary["attempt_nfiq2"]
    )
    return summary


async def booking_accept(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """Accept the best attempt of a slot; below the gate (or with a blob too many) it needs `override_reason` and
    the agency's permission, and one with a finger not found is refused (recapture, or annotate). The last
    acceptance of the card starts its sequence check."""
    booking_id = open_booking(daemon, conn, args)
    slot = arg(args, "slot", str)
    override = arg(args, "override_reason", (str, type(None)), None)
    user, where = who(conn)

    def accept(session: BookingSession) -> tuple[bool, bool, int | None]:
        step = card.step_of(session, slot)
        overridden = bool(session.acceptance_problems(step.key))
        session.accept(step.key, user, override)
        best = session.positions[step.key].best_attempt
        return overridden, session.captures_complete(), best.nfiq2 if best else None

    with booking_error():
        overridden, complete, nfiq2 = await daemon.bookings.change(booking_id, accept)
    daemon.metrics.capture_accepted(slot.split(":")[0], nfiq2)
    daemon.audit.record(user, "booking.accept", where, "success", booking=booking_id, slot=slot, override=overridden)
    assert conn.session is not None
    daemon.bus.publish("booking", {"booking": booking_id, "accepted": slot}, Audience.session(conn.session.id))
    if complete:  # the card is complete: check it in the background
        sequence_check_task(daemon, booking_id, user, where, fresh=True)
    else:  # compare what came in with what is there, while the officer takes the next capture
        warm_scores(daemon, booking_id)
    return {"booking": booking_id, "slot": slot, "accepted": True, "override": overridden}


# -- sequence check -----------------------------------------------------------------------------------------------
def sequence_check_task(
    daemon: StationDaemon, booking_id: str, user: str, where: str, *, fresh: bool = False
) -> asyncio.Task[Any]:
    """The booking's running sequence check, or a new one: a card is checked once however many ask (the last
    acceptance starts it; the review screen and the submission then wait for it). `fresh`: the captures changed, so
    a check still running on the old ones is cancelled and a new one started."""
    task = daemon.sequence_checks.get(booking_id)
    if task is not None and not task.done() and not fresh:
        return task
    if task is not None:
        task.cancel()
    task = daemon.spawn(run_sequence_check(daemon, booking_id, user, where))
    daemon.sequence_checks[booking_id] = task

    def forget(done: asyncio.Task[Any]) -> None:
        if daemon.sequence_checks.get(booking_id) is done:
            del daemon.sequence_checks[booking_id]

    task.add_done_callback(forget)
    return task


async def await_sequence_check(daemon: StationDaemon, booking_id: str, user: str, where: str) -> dict[str, Any]:
    """The result of the booking's sequence check, waiting for the running one (or a fresh one that replaced it)."""
    while True:
        task = sequence_check_task(daemon, booking_id, user, where)
        try:
            return await asyncio.shield(task)  # a caller that goes away does not cancel the others' check
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if not task.cancelled() or (current is not None and current.cancelling()):
                raise  # this request itself is being cancelled
            # the captures changed while it ran: wait for the check that replaced it


async def run_sequence_check(daemon: StationDaemon, booking_id: str, user: str, where: str) -> dict[str, Any]:
    def inputs(session: BookingSession) -> Any:
        if not session.captures_complete():
            return None
        return session.covered(), (*session.sequence_inputs(), dict(session.scores))

    taken = await daemon.bookings.change(booking_id, inputs)
    if taken is None:
        raise ApiError(
            "invalid",
            "the sequence check needs every rolled print and every flat accepted (or annotated)",
            "capture and accept the missing prints first",
        )
    covered, (rolled, flats, known) = taken
    loop = asyncio.get_running_loop()
    report = await loop.run_in_executor(daemon.pool, stages.sequence, rolled, flats, known)
    kept = await daemon.bookings.change(booking_id, lambda s: s.record_sequence(report, covered))
    if not kept:  # an accept or an annotation came in meanwhile: check what the card holds now
        return await run_sequence_check(daemon, booking_id, user, where)
    outcome = "success" if report["ok"] else "failure"
    report = {k: v for k, v in report.items() if k != "scores"}
    daemon.audit.record(user, "booking.sequence_check", where, outcome, booking=booking_id, flagged=report["flagged"])
    view = await daemon.bookings.read(booking_id, lambda s: sequence_view(s.sequence if s else None))
    daemon.bus.publish("booking", {"booking": booking_id, "sequence": view}, Audience.user(user))
    return view


def warm_scores(daemon: StationDaemon, booking_id: str) -> None:
    """Make the sequence check's comparisons of the captures accepted so far (`stages.sequence_scores`) in the pool,
    one pass at a time per booking (an accept during a pass asks for one more), so the check the last accept
    starts finds them made and only compares what that capture brought."""
    daemon.score_wanted.add(booking_id)
    running = daemon.score_passes.get(booking_id)
    if running is None or running.done():
        daemon.score_passes[booking_id] = daemon.spawn(_score_passes(daemon, booking_id))


async def _score_passes(daemon: StationDaemon, booking_id: str) -> None:
    loop = asyncio.get_running_loop()
    try:
        while booking_id in daemon.score_wanted:
            daemon.score_wanted.discard(booking_id)
            taken = await daemon.bookings.change(booking_id, lambda s: (*s.sequence_inputs(), dict(s.scores)))
            fresh = await loop.run_in_executor(daemon.pool, stages.sequence_scores, *taken)
            if fresh:
                await daemon.bookings.change(booking_id, functools.partial(BookingSession.keep_scores, fresh=fresh))
    finally:
        daemon.score_passes.pop(booking_id, None)


def sequence_view(stored: dict[str, Any] | None) -> dict[str, Any]:
    if stored is None:
        return {"checked": False, "ok": None, "findings": []}
    report = stored["report"]
    return {
        "checked": True,
        "ok": report["ok"],
        "findings": report["errors"],
        "flagged": report["flagged"],
        "duplicates": report["duplicates"],
        "positions": report["positions"],
        "override": (stored.get("override") or {}).get("reason"),
        "comparator": report.get("comparator"),
    }


async def booking_sequence_check(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    booking_id = open_booking(daemon, conn, args)
    user, where = who(conn)
    return await await_sequence_check(daemon, booking_id, user, where)


async def booking_override_sequence(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    booking_id = open_booking(daemon, conn, args)
    reason = reason_arg(args, "an override", "say why the mismatch is accepted")
    user, where = who(conn)

    def override(session: BookingSession) -> dict[str, Any]:
        session.override_sequence(user, reason)
        return sequence_view(session.sequence)

    with booking_error():
        view = await daemon.bookings.change(booking_id, override)
    daemon.audit.record(user, "booking.override_sequence", where, "success", booking=booking_id)
    return view


async def booking_cancel_capture(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    assert conn.session is not None
    task = daemon.capture_tasks.get(conn.session.id)
    if task is None:
        return {"cancelled": False}
    task.cancel()
    return {"cancelled": True}
