"""The booking's API operations: start, list, get (the card's plan and each position's state, from the session),
the person's fields, annotations, cancel, a kept capture at full resolution, and submit. Each calls one method of
the booking's session (`station.booking`) and publishes what changed. docs/local-api.md lists them."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from station.api.events import Audience
from station.api.server import ApiError, Connection
from station.booking import card
from station.booking.plan import STEPS
from station.booking.records import ANNOTATION_CODES
from station.booking.session import BookingSession
from station.daemon import imagework
from station.daemon.capture_ops import await_sequence_check, sequence_view
from station.daemon.op_common import arg, booking_error, open_booking, owned_booking, reason_arg, stamp, who
from station.errors import InputError

if TYPE_CHECKING:
    from station.daemon.service import StationDaemon

SEQUENCE_NOT_RUN = "the sequence check has not run on the accepted captures"


async def booking_start(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    user, where = who(conn)
    booking_id = await daemon.writes.run(daemon.bookings.create, user, "tenprint")
    daemon.audit.record(user, "booking.start", where, "success", booking=booking_id)
    return {"booking": booking_id}


def _timeline(daemon: StationDaemon, row: dict[str, Any]) -> list[dict[str, Any]]:
    """Booking started, then the submission's own timeline (station.store.timeline): queued, sent, accepted, each
    system's answers in order, and the steps still awaited with their due times."""
    events: list[dict[str, Any]] = [{"at": stamp(row["created_at"]), "what": "booking started", "step": "started"}]
    submitter = daemon.submitter
    if row["tcn"] and submitter is not None:
        from station.store.outbox import UnknownSubmission
        from station.store.timeline import timeline

        try:
            steps = timeline(submitter.store, row["tcn"], daemon.config.service_levels, key=submitter.storage_key)
        except UnknownSubmission:  # purged: the booking's own times still tell the story
            steps = []
        events += [{**step, "at": step["when"], "what": step["label"]} for step in steps]
    return events


async def booking_list(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """The officer's own bookings with the subject's name (for the officer, never logged), answer and timeline."""
    user, _ = who(conn)
    out = []
    for row in daemon.bookings.bookings(owner=user):
        name = await daemon.bookings.read(row["id"], lambda s: ((s and s.subject_fields) or {}).get("name", ""))
        answer = daemon.bookings.answer(row["id"])
        out.append({**row, "booking": row["id"], "name": name, "answer": answer, "timeline": _timeline(daemon, row)})
    return {"bookings": out}


def _view(session: BookingSession | None) -> dict[str, Any]:
    """The session as booking.get shows it; a shredded booking shows nothing of its data."""
    if session is None:
        return {"subject": {}, "captures": [], "annotations": {}, "plan": [], "next_step": None, "complete": False}
    plan = card.plan(session)
    problems = session.completion_problems()
    return {
        "subject": session.subject_fields or {},
        "subject_problems": session.subject_problems,
        "captures": [
            {k: s[k] for k in ("slot", "key", "kind", "position", "nfiq2", "override")}
            for s in plan
            if s["state"] == "accepted"
        ],
        "annotations": {
            str(f): {"code": a.code, "reason": a.reason, "officer": a.officer, "at": a.at}
            for f, a in sorted(session.annotations.items())
        },
        "plan": plan,
        "next_step": card.next_step(session),
        "complete": session.captures_complete(),  # every step accepted or annotated
        "problems": problems,  # what booking.submit would refuse for (the sequence check runs on its own)
        "ready": not [p for p in problems if p != SEQUENCE_NOT_RUN],
        "sequence": sequence_view(session.sequence),
    }


async def booking_get(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    booking_id = owned_booking(daemon, conn, args)
    row = daemon.bookings.booking(booking_id)
    view = await daemon.bookings.read(booking_id, _view)
    return {
        "booking": booking_id,
        "state": row["state"],
        "tcn": row["tcn"],
        **view,
        "answer": daemon.bookings.answer(booking_id),
        "timeline": _timeline(daemon, dict(row)),
        "shredded_at": stamp(row["shredded_at"]),
        "shred_reason": row["shred_reason"],
    }


async def booking_subject(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    booking_id = open_booking(daemon, conn, args)
    fields = arg(args, "fields", dict)
    problems = await daemon.bookings.change(booking_id, lambda s: s.set_subject(fields))
    user, where = who(conn)
    daemon.audit.record(user, "booking.subject", where, "success", booking=booking_id, problems=len(problems))
    return {"booking": booking_id, "problems": problems}


async def booking_annotate(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """Annotate the finger(s) of a plan step (XX amputated, UP unable to print, SR scarred) with a reason; the
    annotation holds for every impression of the finger. `code: null` removes it."""
    booking_id = open_booking(daemon, conn, args)
    step = arg(args, "step", str)
    code = arg(args, "code", (str, type(None)), None)
    user, where = who(conn)
    if step not in STEPS:
        raise ApiError("bad_request", f"step {step!r} is not in the plan", "use a step key of booking.get's plan")
    fingers = STEPS[step].fingers
    if code is None:
        await daemon.bookings.change(booking_id, lambda s: [s.remove_annotation(f, user) for f in fingers])
    else:
        if code not in ANNOTATION_CODES:
            raise ApiError("bad_request", f"annotation code {code!r} is not known", "use XX, UP or SR")
        reason = reason_arg(args, "an annotation", "say why the finger cannot be printed")
        with booking_error():
            await daemon.bookings.change(booking_id, lambda s: [s.annotate(f, code, reason, user) for f in fingers])
    daemon.audit.record(user, "booking.annotate", where, "success", booking=booking_id, step=step, code=code or "")
    daemon.bus.publish("booking", {"booking": booking_id, "annotated": step, "code": code}, Audience.user(user))
    return {"booking": booking_id, "step": step, "annotation": code}


async def booking_submit(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """Submit a complete card: refused, naming everything missing, until the session says it is complete."""
    return await _send(daemon, conn, args, resubmission=None)


async def booking_resubmit(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """Send a booking submitted before once more (after an ERRT, or corrected), with the officer's reason: a new TCN
    linked to the booking and to the TCN it replaces; audited `booking.resubmit`."""
    reason = reason_arg(args, "a resubmission", "say why the card is sent again")
    return await _send(daemon, conn, args, resubmission=reason)


async def _send(
    daemon: StationDaemon, conn: Connection, args: dict[str, Any], resubmission: str | None
) -> dict[str, Any]:
    booking_id = owned_booking(daemon, conn, args)
    user, where = who(conn)
    row = daemon.bookings.booking(booking_id)
    if row["state"] != "open":  # the claim in submission.py decides a race; this names the TCN at once
        raise ApiError("invalid", f"already submitted (TCN {row['tcn']})", "follow it in the results")

    def problems(session: BookingSession | None) -> list[str]:
        return ["the booking holds no card"] if session is None else session.completion_problems()

    missing = await daemon.bookings.read(booking_id, problems)
    if missing == [SEQUENCE_NOT_RUN]:  # all else is there: the check runs (or is running) now
        await await_sequence_check(daemon, booking_id, user, where)
        missing = await daemon.bookings.read(booking_id, problems)
    if missing:
        what = "booking.resubmit" if resubmission else "booking.submit"
        daemon.audit.record(user, what, where, "failure", booking=booking_id, reason="incomplete")
        raise ApiError(
            "invalid", "the card is not complete: " + "; ".join(missing), "capture, accept or annotate what is listed"
        )
    assert conn.session is not None
    audience = Audience.session(conn.session.id)
    tcn = await daemon.submit_booking(booking_id, user, where, audience, resubmission)
    return {"booking": booking_id, "tcn": tcn, "state": "queued"}


async def booking_cancel(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """Cancel an open booking with a reason: it is closed and its data shredded at once (audited)."""
    from station.store import lifecycle

    booking_id = open_booking(daemon, conn, args)
    reason = reason_arg(args, "a cancellation", "say why the booking is cancelled")
    user, where = who(conn)
    async with daemon.bookings.lock(booking_id):
        await daemon.writes.run(lifecycle.cancel, daemon.store, booking_id)
        daemon.bookings.forget(booking_id)
    daemon.audit.record(user, "booking.cancel", where, "success", booking=booking_id, reason=reason[:200])
    daemon.audit.record(
        "system", "booking.shred", daemon.config.station_id, "success", booking=booking_id, reason="cancelled"
    )
    daemon.bus.publish("booking", {"booking": booking_id, "state": "cancelled"}, Audience.user(user))
    return {"booking": booking_id, "state": "cancelled"}


async def booking_image(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """A kept capture at full resolution (gray8-base64, as previews, scale 1) with its ppi and its block-wise
    quality map, for the fingerprint viewer."""
    booking_id = owned_booking(daemon, conn, args)
    slot = arg(args, "slot", str)

    def kept(session: BookingSession) -> bytes:
        data = session.image_bytes(card.step_of(session, slot).key)
        if data is None:
            raise InputError(f"booking {booking_id} has no capture {slot}", "capture it first")
        return data

    try:
        data = await daemon.bookings.change(booking_id, kept)
    except InputError as exc:
        raise ApiError("not_found", exc.message, exc.hint or "see booking.get's plan") from None
    except Exception as exc:
        from station.booking.records import BookingError

        if isinstance(exc, BookingError):
            raise ApiError("not_found", exc.message, exc.hint or "see booking.get's plan") from None
        raise
    loop = asyncio.get_running_loop()
    image, ppi, quality_map = await loop.run_in_executor(daemon.pool, imagework.full_image, data)
    return {"booking": booking_id, "slot": slot, "ppi": ppi, "image": image, "quality_map": quality_map}
