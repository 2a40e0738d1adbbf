"""The booking's API operations: start, list, get (with the card's plan and each position's state), the person's
fields, annotations, cancel, a captured image at full resolution, and submit. docs/local-api.md lists them."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from station.api.events import Audience
from station.api.server import ApiError, Connection
from station.booking.card import missing_steps, next_step
from station.booking.plan import STEPS
from station.booking.session import ANNOTATION_CODES
from station.daemon import imagework
from station.errors import InputError

if TYPE_CHECKING:
    from station.daemon.service import StationDaemon

from station.daemon.capture_ops import await_sequence_check, card_plan, sequence_view
from station.daemon.op_common import arg, open_booking, owned_booking, stamp, who


async def booking_start(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    user, where = who(conn)
    booking_id = await daemon.writes.run(daemon.drafts.create, user, "tenprint")
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
    for row in daemon.drafts.bookings(owner=user):
        answer = daemon.drafts.answer(row["id"])
        subject = daemon.drafts.subject(row["id"])
        out.append(
            {
                **row,
                "booking": row["id"],
                "name": subject.get("name", ""),
                "answer": answer,
                "timeline": _timeline(daemon, row),
            }
        )
    return {"bookings": out}


async def booking_get(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    booking_id = owned_booking(daemon, conn, args)
    row = daemon.drafts.booking(booking_id)
    plan = card_plan(daemon, booking_id)
    captures = [
        {
            "slot": c.slot,
            "kind": c.kind,
            "position": c.position,
            "nfiq2": c.nfiq2,
            "meta": c.meta,
            "accepted_at": c.accepted_at,
        }
        for c in daemon.drafts.captures(booking_id)
    ]
    pending = sorted(slot for (b, slot) in daemon.pending if b == booking_id)
    return {
        "booking": booking_id,
        "state": row["state"],
        "tcn": row["tcn"],
        "subject": daemon.drafts.subject(booking_id),
        "captures": captures,
        "pending": pending,
        "answer": daemon.drafts.answer(booking_id),
        "timeline": _timeline(daemon, dict(row)),
        "annotations": daemon.drafts.annotations(booking_id),
        "plan": plan,
        "next_step": next_step(plan),
        "complete": not missing_steps(plan),
        "sequence": sequence_view(daemon.drafts.sequence(booking_id)),
        "shredded_at": stamp(row["shredded_at"]),
        "shred_reason": row["shred_reason"],
    }


async def booking_subject(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    booking_id = open_booking(daemon, conn, args)
    fields = arg(args, "fields", dict)
    problems = daemon.validate_subject(fields)
    await daemon.writes.run(daemon.drafts.set_subject, booking_id, fields)
    user, where = who(conn)
    daemon.audit.record(user, "booking.subject", where, "success", booking=booking_id, problems=len(problems))
    return {"booking": booking_id, "problems": problems}


async def booking_annotate(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """Annotate a plan step (XX amputated, UP unable to print, SR scarred) with a reason; `code: null` removes it."""
    booking_id = open_booking(daemon, conn, args)
    step = arg(args, "step", str)
    code = arg(args, "code", (str, type(None)), None)
    user, where = who(conn)
    if code is None:
        await daemon.writes.run(daemon.drafts.remove_annotation, booking_id, step)
        daemon.audit.record(user, "booking.annotate", where, "success", booking=booking_id, step=step, code="")
        return {"booking": booking_id, "step": step, "annotation": None}
    if step not in STEPS:
        raise ApiError("bad_request", f"step {step!r} is not in the plan", "use a step key of booking.get's plan")
    if code not in ANNOTATION_CODES:
        raise ApiError("bad_request", f"annotation code {code!r} is not known", "use XX, UP or SR")
    reason = arg(args, "reason", str).strip()
    if not reason:
        raise ApiError("bad_request", "an annotation needs a reason", "say why the finger cannot be printed")
    await daemon.writes.run(daemon.drafts.annotate, booking_id, step, code, reason[:200], user)
    daemon.audit.record(user, "booking.annotate", where, "success", booking=booking_id, step=step, code=code)
    assert conn.session is not None
    daemon.bus.publish("booking", {"booking": booking_id, "annotated": step, "code": code}, Audience.user(user))
    return {"booking": booking_id, "step": step, "annotation": code}


async def booking_submit(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    booking_id = owned_booking(daemon, conn, args)
    user, where = who(conn)
    row = daemon.drafts.booking(booking_id)
    if row["state"] != "open":  # the claim in submission.py decides a race; this names the TCN at once
        raise ApiError("invalid", f"already submitted (TCN {row['tcn']})", "follow it in the results")
    problems = missing_steps(card_plan(daemon, booking_id))
    problems += [
        f"subject: {p['field']}: {p['message']}"
        for p in daemon.validate_subject(daemon.drafts.subject(booking_id))
        if p.get("severity") == "error"
    ]
    if problems:
        daemon.audit.record(user, "booking.submit", where, "failure", booking=booking_id, reason="incomplete")
        raise ApiError(
            "invalid", "the card is not complete: " + "; ".join(problems), "capture, accept or annotate what is listed"
        )
    sequence = daemon.drafts.sequence(booking_id)
    if sequence is None:
        await await_sequence_check(daemon, booking_id, user, where)
        sequence = daemon.drafts.sequence(booking_id)
    if sequence is not None and not sequence["ok"] and not sequence.get("override"):
        raise ApiError(
            "invalid",
            "the sequence check found: " + "; ".join(sequence["errors"]),
            "recapture the flagged fingers, or override the check with a reason",
        )
    assert conn.session is not None
    tcn = await daemon.submit_booking(booking_id, user, where, Audience.session(conn.session.id))
    return {"booking": booking_id, "tcn": tcn, "state": "queued"}


async def booking_cancel(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """Cancel an open booking with a reason: it is closed and its data shredded at once (audited)."""
    from station.store import lifecycle

    booking_id = open_booking(daemon, conn, args)
    reason = arg(args, "reason", str).strip()
    if not reason:
        raise ApiError("bad_request", "a cancellation needs a reason", "say why the booking is cancelled")
    user, where = who(conn)
    await daemon.writes.run(lifecycle.cancel, daemon.store, booking_id)
    for key in [k for k in daemon.pending if k[0] == booking_id]:
        daemon.pending.pop(key, None)
    daemon.audit.record(user, "booking.cancel", where, "success", booking=booking_id, reason=reason[:200])
    daemon.bus.publish("booking", {"booking": booking_id, "state": "cancelled"}, Audience.user(user))
    return {"booking": booking_id, "state": "cancelled"}


async def booking_image(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """An accepted capture at full resolution (gray8-base64, as previews, scale 1) with its ppi and its block-wise
    quality map, for the fingerprint viewer."""
    booking_id = owned_booking(daemon, conn, args)
    slot = arg(args, "slot", str)
    try:
        data = daemon.drafts.capture_image(booking_id, slot)
    except InputError as exc:
        raise ApiError("not_found", exc.message, exc.hint or "see booking.get's captures") from None
    loop = asyncio.get_running_loop()
    image, ppi, quality_map = await loop.run_in_executor(daemon.pool, imagework.full_image, data)
    return {"booking": booking_id, "slot": slot, "ppi": ppi, "image": image, "quality_map": quality_map}
