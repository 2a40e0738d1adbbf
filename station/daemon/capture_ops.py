"""Capturing a booking's positions over the API: capture (best of the agency's `max_attempts`), accept (the NFIQ 2
gate, and its override when the agency allows it), the card's plan, and the sequence check."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from drivers.base import CaptureKind, check_position
from station.api.events import Audience
from station.api.server import ApiError, Connection
from station.booking.card import excused_fingers, missing_steps, plan_states
from station.daemon import imagework

if TYPE_CHECKING:
    from station.daemon.service import StationDaemon

from station.daemon.op_common import arg, open_booking, who


def _slot(kind: CaptureKind, position: int) -> str:
    return f"{kind.value}:{position}"


def _score(outcome: Any) -> float:
    score = outcome.analysis.get("nfiq2")
    return -1.0 if score is None else float(score)


def quality_gate(kind: CaptureKind, position: int) -> int:
    """The agency's NFIQ 2 gate for a capture (workflow's AgencyPolicy thresholds per kind of capture)."""
    from station.booking.plan import AgencyPolicy

    thresholds = AgencyPolicy().thresholds
    if kind is CaptureKind.ROLLED:
        return thresholds["rolled"]
    if kind is CaptureKind.SLAP:
        return thresholds["thumbs" if position == 15 else "slap"]
    return thresholds["plain_thumb"]


async def booking_capture(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """Capture one slot (previews and status stream as events); the result waits for booking.accept."""
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
    slot, limit = _slot(kind, position), daemon.config.max_attempts
    used = daemon.drafts.attempts(booking_id).get(slot, 0)
    if used >= limit:
        raise ApiError(
            "invalid",
            f"{slot}: the agency allows {limit} attempt(s) and all were used",
            "accept the best capture (with an override reason if it is below the gate), or annotate the finger(s)",
        )
    excused = sorted(excused_fingers(daemon.drafts.annotations(booking_id)))
    context = {"booking": booking_id, "slot": slot, "amputated": excused}
    task = asyncio.current_task()
    daemon.capture_tasks[conn.session.id] = task  # type: ignore[assignment]
    try:
        outcome = await daemon.device.capture(kind, position, audience, context)
    except asyncio.CancelledError:
        daemon.audit.record(
            user, "booking.capture", where, "info", booking=booking_id, slot=context["slot"], reason="cancelled"
        )
        raise ApiError("invalid", "the capture was cancelled", "start it again") from None
    except Exception as exc:
        daemon.audit.record(
            user,
            "booking.capture",
            where,
            "failure",
            booking=booking_id,
            slot=context["slot"],
            reason=type(exc).__name__,
        )
        from drivers.errors import ScanRetry

        if isinstance(exc, ScanRetry):
            raise ApiError("invalid", f"capture not usable: {exc.message}", exc.hint or "capture again") from exc
        raise
    finally:
        daemon.capture_tasks.pop(conn.session.id, None)
    analysis = outcome.analysis
    used = await daemon.writes.run(daemon.drafts.count_attempt, booking_id, slot)
    held = daemon.pending.get((booking_id, slot))
    if held is None or _score(outcome) >= _score(held[0]):  # best of N: a recapture never makes the position worse
        daemon.pending[(booking_id, slot)] = (outcome, user)
    outcome = daemon.pending[(booking_id, slot)][0]
    analysis = outcome.analysis
    threshold = quality_gate(kind, position)
    score = analysis.get("nfiq2")  # a slap's is its weakest finger's
    summary = {
        "booking": booking_id,
        "slot": context["slot"],
        "kind": kind.value,
        "position": position,
        "nfiq2": score,
        "threshold": threshold,
        "passes_gate": score is not None and score >= threshold,
        "fingers": analysis.get("fingers", []),
        "problems": analysis.get("problems", []),
        "frames": outcome.preview_frames,
        "attempts": used,
        "max_attempts": limit,
        "limit_reached": used >= limit,  # the officer is told: accept the best, or annotate
    }
    daemon.bus.publish("capture", {**summary, "status": "captured"}, audience)
    daemon.audit.record(
        user, "booking.capture", where, "success", booking=booking_id, slot=context["slot"], nfiq2=analysis.get("nfiq2")
    )
    return summary


async def booking_accept(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    booking_id = open_booking(daemon, conn, args)
    slot = arg(args, "slot", str)
    held = daemon.pending.get((booking_id, slot))
    if held is None:
        raise ApiError("not_found", f"no capture of {slot} waiting for acceptance", "capture it first")
    override = arg(args, "override_reason", (str, type(None)), None)
    outcome, _ = held
    analysis = outcome.analysis
    result = outcome.result
    threshold = quality_gate(result.kind, result.position)
    score = analysis.get("nfiq2")
    below = score is None or score < threshold
    if below and override and not daemon.config.allow_quality_override:
        raise ApiError(
            "invalid",
            f"NFIQ 2 {score if score is not None else 'not scorable'} is below the agency's gate of {threshold}, "
            "and the agency does not allow overriding it",
            "recapture, or annotate the finger(s) UP with a reason",
        )
    if below and not (override and override.strip()):
        raise ApiError(
            "invalid",
            f"NFIQ 2 {score if score is not None else 'not scorable'} is below the agency's gate of {threshold}",
            "recapture, or accept with an override_reason",
        )
    meta = {
        "override_reason": override[:200] if override else None,
        "nfiq2": analysis.get("nfiq2"),
        "fingers": analysis.get("fingers", []),
        "problems": analysis.get("problems", []),
        "frames": outcome.preview_frames,
        "device": outcome.result.device_uri,
        "width": int(outcome.result.image.shape[1]),
        "height": int(outcome.result.image.shape[0]),
    }
    await daemon.writes.run(
        daemon.drafts.accept_capture,
        booking_id,
        slot,
        outcome.result.kind.value,
        outcome.result.position,
        float(outcome.result.ppi),
        analysis.get("nfiq2"),
        meta,
        analysis["wsq"],
    )
    daemon.pending.pop((booking_id, slot), None)
    daemon.metrics.capture_accepted(outcome.result.kind.value, analysis.get("nfiq2"))
    if outcome.result.kind is not CaptureKind.FLAT or outcome.result.position in (11, 12):
        await daemon.writes.run(daemon.drafts.set_sequence, booking_id, None)  # an earlier check is out of date
    user, where = who(conn)
    daemon.audit.record(
        user, "booking.accept", where, "success", booking=booking_id, slot=slot, override=bool(override)
    )
    assert conn.session is not None
    daemon.bus.publish(
        "booking",
        {"booking": booking_id, "accepted": slot, "captures": len(daemon.drafts.captures(booking_id))},
        Audience.session(conn.session.id),
    )
    if card_complete(daemon, booking_id):  # the card is complete: check it in the background
        sequence_check_task(daemon, booking_id, user, where, fresh=True)
    return {"booking": booking_id, "slot": slot, "accepted": True}


# -- sequence check -----------------------------------------------------------------------------------------------
def card_plan(daemon: StationDaemon, booking_id: str) -> list[dict[str, Any]]:
    """The card's plan with each step's state (`station.booking.card`) and its quality gate (the screens colour a
    score by it): slot names only, no image is read, so it is cheap enough to ask after every accepted capture."""
    accepted = {c.slot: {"nfiq2": c.nfiq2, "meta": c.meta} for c in daemon.drafts.captures(booking_id)}
    pending = [slot for (b, slot) in daemon.pending if b == booking_id]
    steps = plan_states(accepted, daemon.drafts.annotations(booking_id), pending)
    for step in steps:
        step["gate"] = quality_gate(CaptureKind(step["kind"]), step["position"])
    return steps


def card_complete(daemon: StationDaemon, booking_id: str) -> bool:
    return not missing_steps(card_plan(daemon, booking_id))


def sequence_inputs(daemon: StationDaemon, booking_id: str) -> tuple[dict, dict, dict] | None:
    """WSQ images for the sequence check, or None while a rolled finger or both slaps are missing."""
    if not card_complete(daemon, booking_id):
        return None
    drafts = daemon.drafts
    captures = {c.slot: c for c in drafts.captures(booking_id)}
    rolled = {p: drafts.capture_image(booking_id, f"rolled:{p}") for p in range(1, 11) if f"rolled:{p}" in captures}
    slaps = {}
    for fgp in (13, 14, 15):
        capture = captures.get(f"slap:{fgp}")
        if capture is not None:
            boxes = [(f["position"], f["box"]) for f in capture.meta.get("fingers", []) if f.get("box")]
            slaps[fgp] = (drafts.capture_image(booking_id, capture.slot), boxes)
    thumbs = {fgp: drafts.capture_image(booking_id, f"flat:{fgp}") for fgp in (11, 12) if f"flat:{fgp}" in captures}
    return rolled, slaps, thumbs


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
    inputs = sequence_inputs(daemon, booking_id)
    if inputs is None:
        raise ApiError(
            "invalid",
            "the sequence check needs all ten rolled prints (or annotations) and both slaps",
            "capture the missing prints first",
        )
    loop = asyncio.get_running_loop()
    report = await loop.run_in_executor(daemon.pool, imagework.sequence_check, *inputs)
    await daemon.writes.run(daemon.drafts.set_sequence, booking_id, report)
    daemon.audit.record(
        user,
        "booking.sequence_check",
        where,
        "success" if report["ok"] else "failure",
        booking=booking_id,
        flagged=report["flagged"],
    )
    view = sequence_view(daemon.drafts.sequence(booking_id))
    daemon.bus.publish("booking", {"booking": booking_id, "sequence": view}, Audience.user(user))
    return view


def sequence_view(stored: dict[str, Any] | None) -> dict[str, Any]:
    if stored is None:
        return {"checked": False, "ok": None, "findings": []}
    return {
        "checked": True,
        "ok": stored["ok"],
        "findings": stored["errors"],
        "flagged": stored["flagged"],
        "duplicates": stored["duplicates"],
        "positions": stored["positions"],
        "override": stored.get("override"),
        "comparator": stored.get("comparator"),
    }


async def booking_sequence_check(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    booking_id = open_booking(daemon, conn, args)
    user, where = who(conn)
    return await await_sequence_check(daemon, booking_id, user, where)


async def booking_override_sequence(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    booking_id = open_booking(daemon, conn, args)
    reason = arg(args, "reason", str).strip()
    if not reason:
        raise ApiError("bad_request", "an override needs a reason", "say why the mismatch is accepted")
    if daemon.drafts.sequence(booking_id) is None:
        raise ApiError("invalid", "no sequence check to override", "run booking.sequence_check first")
    await daemon.writes.run(daemon.drafts.override_sequence, booking_id, reason[:200])
    user, where = who(conn)
    daemon.audit.record(user, "booking.override_sequence", where, "success", booking=booking_id)
    return sequence_view(daemon.drafts.sequence(booking_id))


async def booking_cancel_capture(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    assert conn.session is not None
    task = daemon.capture_tasks.get(conn.session.id)
    if task is None:
        return {"cancelled": False}
    task.cancel()
    return {"cancelled": True}
