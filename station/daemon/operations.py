"""The daemon's API operations (beyond login and sessions, which the server owns). docs/local-api.md lists them.

Every handler takes the connection (its session says who and where) and the request's arguments, checks them, and
returns a JSON object. Arguments are validated here with errors naming the argument; the server maps errors to codes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from drivers.base import CaptureKind, check_position
from station.accounts.roles import Role
from station.api.events import Audience
from station.api.server import ApiError, ApiServer, Connection
from station.audit.export import select
from station.audit.verify import verify_trail
from station.daemon import imagework

if TYPE_CHECKING:
    from station.daemon.service import StationDaemon


def _arg(args: dict[str, Any], name: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    value = args.get(name, default)
    if value is ...:
        raise ApiError("bad_request", f"argument {name!r} is missing", f"send {name}")
    if value is not default and ((isinstance(value, bool) and kind is not bool) or not isinstance(value, kind)):
        raise ApiError("bad_request", f"argument {name!r} has the wrong type", f"send {name} as {kind}")
    return value


def _who(conn: Connection) -> tuple[str, str]:
    assert conn.session is not None
    return conn.session.username, conn.where


def register(server: ApiServer, daemon: StationDaemon) -> None:
    ops: dict[str, tuple[str | None, Callable[..., Any]]] = {
        "status": (None, status),
        "device.info": ("device.read", device_info),
        "device.selftest": ("device.service", device_selftest),
        "device.traffic": ("device.service", device_traffic),
        "booking.start": ("booking", booking_start),
        "booking.list": ("booking", booking_list),
        "booking.get": ("booking", booking_get),
        "booking.subject": ("booking", booking_subject),
        "booking.capture": ("booking", booking_capture),
        "booking.accept": ("booking", booking_accept),
        "booking.cancel_capture": ("booking", booking_cancel_capture),
        "booking.annotate": ("booking", booking_annotate),
        "booking.sequence_check": ("booking", booking_sequence_check),
        "booking.override_sequence": ("booking", booking_override_sequence),
        "device.capture_raw": ("device.service", device_capture_raw),
        "booking.submit": ("booking", booking_submit),
        "answer.acknowledge": ("booking", answer_acknowledge),
        "users.list": ("users", users_list),
        "users.create": ("users", users_create),
        "users.unlock": ("users", users_unlock),
        "users.disable": ("users", users_disable),
        "users.enable": ("users", users_enable),
        "queue.status": ("queue.read", queue_status),
        "central.check": ("queue.read", central_check),
        "diagnostics.bundle": ("device.service", diagnostics_bundle),
        "queue.retry": ("queue.service", queue_retry),
        "audit.tail": ("audit.read", audit_tail),
        "audit.verify": ("audit.read", audit_verify),
    }
    for name, (permission, fn) in ops.items():
        server.add(name, permission, _bind(fn, daemon))


def _bind(fn: Callable[..., Any], daemon: StationDaemon) -> Callable[[Connection, dict[str, Any]], Any]:
    async def handler(conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        return await fn(daemon, conn, args)

    return handler


# -- station and device -------------------------------------------------------------------------------------------
async def status(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    return daemon.status()


async def device_info(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    return daemon.device.info()


async def device_capture_raw(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """Technician's raw capture: one flat finger, its quality analysis and a preview; nothing is kept."""
    position = _arg(args, "position", int, 2)
    try:
        check_position(CaptureKind.FLAT, position)
    except ValueError as exc:
        raise ApiError("bad_request", str(exc), "position is an FGP code 1-12") from None
    assert conn.session is not None
    outcome = await daemon.device.capture(CaptureKind.FLAT, position, Audience.session(conn.session.id), {"raw": True})
    image = outcome.result.image
    from station.api.protocol import encode_preview

    return {
        "position": position,
        "nfiq2": outcome.analysis.get("nfiq2"),
        "problems": outcome.analysis.get("problems", []),
        "width": int(image.shape[1]),
        "height": int(image.shape[0]),
        "ppi": float(outcome.result.ppi),
        "frames": outcome.preview_frames,
        "preview": encode_preview(image, 256),
    }


async def device_traffic(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """The scanner's recent serial/USB traffic (headers only: image payloads are logged by length)."""
    scanner = daemon.device.scanner
    log = getattr(scanner, "traffic", None)
    if scanner is None or log is None:
        return {"device": daemon.device.uri, "records": 0, "lines": []}
    lines = log.lines(_arg(args, "count", int, 100))
    no_wire = ["(no traffic: this scanner has no wire)"]
    return {"device": daemon.device.uri, "records": len(log), "lines": lines or no_wire}


async def device_selftest(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    return await daemon.device.self_test()


# -- answers ------------------------------------------------------------------------------------------------------
async def answer_acknowledge(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """The officer has seen an answer of one of their bookings (a hit's modal closes on this); audited."""
    from station.store import answers

    answer_id = _arg(args, "answer_id", str)
    user, where = _who(conn)
    submitter = _submitter(daemon)
    try:
        answer = answers.get(submitter.store, answer_id)
    except answers.UnknownAnswer:
        answer = None
    owners = {
        r["owner"]
        for r in daemon.drafts.bookings(states=("submitted", "answered"))
        if answer and r["tcn"] == answer.tcn
    }
    if answer is None or user not in owners:  # never reveal another officer's answers
        raise ApiError("not_found", f"no answer {answer_id}", "see the booking's timeline for its answers")
    return await submitter.desk.acknowledge(answer_id, user, where)


# -- bookings -----------------------------------------------------------------------------------------------------
def _open(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> str:
    """A booking of the caller's that is still open (captures and the form can change)."""
    booking_id = _owned(daemon, conn, args)
    state = daemon.drafts.booking(booking_id)["state"]
    if state != "open":
        raise ApiError("invalid", f"booking {booking_id} is {state}", "start a new booking")
    return booking_id


def _owned(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> str:
    booking_id = _arg(args, "booking", str)
    user, _ = _who(conn)
    try:
        row = daemon.drafts.booking(booking_id)
    except Exception:
        raise ApiError("not_found", f"no booking {booking_id}", "list your bookings with booking.list") from None
    if row["owner"] != user:  # never reveal whether another officer's booking exists
        raise ApiError("not_found", f"no booking {booking_id}", "list your bookings with booking.list")
    return booking_id


async def booking_start(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    user, where = _who(conn)
    booking_id = await daemon.writes.run(daemon.drafts.create, user, "tenprint")
    daemon.audit.record(user, "booking.start", where, "success", booking=booking_id)
    return {"booking": booking_id}


def _stamp(at: float | None) -> str | None:
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at else None


def _timeline(daemon: StationDaemon, row: dict[str, Any]) -> list[dict[str, Any]]:
    """Booking started, then the submission's own timeline (station.store.timeline): queued, sent, accepted, each
    system's answers in order, and the steps still awaited with their due times."""
    events: list[dict[str, Any]] = [{"at": _stamp(row["created_at"]), "what": "booking started", "step": "started"}]
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
    user, _ = _who(conn)
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
    booking_id = _owned(daemon, conn, args)
    row = daemon.drafts.booking(booking_id)
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
        "sequence": _sequence_view(daemon.drafts.sequence(booking_id)),
    }


async def booking_subject(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    booking_id = _open(daemon, conn, args)
    fields = _arg(args, "fields", dict)
    problems = daemon.validate_subject(fields)
    await daemon.writes.run(daemon.drafts.set_subject, booking_id, fields)
    user, where = _who(conn)
    daemon.audit.record(user, "booking.subject", where, "success", booking=booking_id, problems=len(problems))
    return {"booking": booking_id, "problems": problems}


def _slot(kind: CaptureKind, position: int) -> str:
    return f"{kind.value}:{position}"


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
    booking_id = _open(daemon, conn, args)
    try:
        kind = CaptureKind(_arg(args, "kind", str))
        position = _arg(args, "position", int)
        check_position(kind, position)
    except ValueError as exc:
        raise ApiError("bad_request", str(exc), "kind is flat, rolled or slap; position an FGP code") from None
    user, where = _who(conn)
    assert conn.session is not None
    audience = Audience.session(conn.session.id)
    context = {"booking": booking_id, "slot": _slot(kind, position)}
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
    daemon.pending[(booking_id, context["slot"])] = (outcome, user)
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
    }
    daemon.bus.publish("capture", {**summary, "status": "captured"}, audience)
    daemon.audit.record(
        user, "booking.capture", where, "success", booking=booking_id, slot=context["slot"], nfiq2=analysis.get("nfiq2")
    )
    return summary


async def booking_accept(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    booking_id = _open(daemon, conn, args)
    slot = _arg(args, "slot", str)
    held = daemon.pending.get((booking_id, slot))
    if held is None:
        raise ApiError("not_found", f"no capture of {slot} waiting for acceptance", "capture it first")
    override = _arg(args, "override_reason", (str, type(None)), None)
    outcome, _ = held
    analysis = outcome.analysis
    result = outcome.result
    threshold = quality_gate(result.kind, result.position)
    score = analysis.get("nfiq2")
    if (score is None or score < threshold) and not (override and override.strip()):
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
    if outcome.result.kind is not CaptureKind.FLAT or outcome.result.position in (11, 12):
        await daemon.writes.run(daemon.drafts.set_sequence, booking_id, None)  # an earlier check is out of date
    user, where = _who(conn)
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
def card_complete(daemon: StationDaemon, booking_id: str) -> bool:
    """Whether every rolled finger is captured (or annotated XX/UP) and both slaps are: slot names only, no image
    is read, so it is cheap enough to ask after every accepted capture."""
    drafts = daemon.drafts
    slots = {c.slot for c in drafts.captures(booking_id)}
    annotated = {
        int(k.split("_")[1])
        for k, a in drafts.annotations(booking_id).items()
        if k.startswith("rolled_") and k.split("_")[1].isdigit() and a["code"] in ("XX", "UP")
    }
    rolled = {p for p in range(1, 11) if f"rolled:{p}" in slots}
    return rolled | annotated == set(range(1, 11)) and {"slap:13", "slap:14"} <= slots


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
    view = _sequence_view(daemon.drafts.sequence(booking_id))
    daemon.bus.publish("booking", {"booking": booking_id, "sequence": view}, Audience.user(user))
    return view


def _sequence_view(stored: dict[str, Any] | None) -> dict[str, Any]:
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
    booking_id = _open(daemon, conn, args)
    user, where = _who(conn)
    return await await_sequence_check(daemon, booking_id, user, where)


async def booking_override_sequence(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    booking_id = _open(daemon, conn, args)
    reason = _arg(args, "reason", str).strip()
    if not reason:
        raise ApiError("bad_request", "an override needs a reason", "say why the mismatch is accepted")
    if daemon.drafts.sequence(booking_id) is None:
        raise ApiError("invalid", "no sequence check to override", "run booking.sequence_check first")
    await daemon.writes.run(daemon.drafts.override_sequence, booking_id, reason[:200])
    user, where = _who(conn)
    daemon.audit.record(user, "booking.override_sequence", where, "success", booking=booking_id)
    return _sequence_view(daemon.drafts.sequence(booking_id))


ANNOTATION_CODES = {"XX": "amputated", "UP": "unable to print", "SR": "scarred"}


async def booking_annotate(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """Annotate a plan step (XX amputated, UP unable to print, SR scarred) with a reason; `code: null` removes it."""
    booking_id = _open(daemon, conn, args)
    step = _arg(args, "step", str)
    code = _arg(args, "code", (str, type(None)), None)
    user, where = _who(conn)
    if code is None:
        await daemon.writes.run(daemon.drafts.remove_annotation, booking_id, step)
        daemon.audit.record(user, "booking.annotate", where, "success", booking=booking_id, step=step, code="")
        return {"booking": booking_id, "step": step, "annotation": None}
    if code not in ANNOTATION_CODES:
        raise ApiError("bad_request", f"annotation code {code!r} is not known", "use XX, UP or SR")
    reason = _arg(args, "reason", str).strip()
    if not reason:
        raise ApiError("bad_request", "an annotation needs a reason", "say why the finger cannot be printed")
    await daemon.writes.run(daemon.drafts.annotate, booking_id, step, code, reason[:200], user)
    daemon.audit.record(user, "booking.annotate", where, "success", booking=booking_id, step=step, code=code)
    assert conn.session is not None
    daemon.bus.publish("booking", {"booking": booking_id, "annotated": step, "code": code}, Audience.user(user))
    return {"booking": booking_id, "step": step, "annotation": code}


async def booking_cancel_capture(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    assert conn.session is not None
    task = daemon.capture_tasks.get(conn.session.id)
    if task is None:
        return {"cancelled": False}
    task.cancel()
    return {"cancelled": True}


async def booking_submit(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    booking_id = _owned(daemon, conn, args)
    user, where = _who(conn)
    sequence = daemon.drafts.sequence(booking_id)
    if sequence is None and card_complete(daemon, booking_id):
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
    return {"booking": booking_id, "tcn": tcn, "state": "submitted"}


# -- queue --------------------------------------------------------------------------------------------------------
def _submitter(daemon: StationDaemon) -> Any:
    if daemon.submitter is None:
        raise ApiError("unavailable", "this station has no submission queue", "provision it: 'station provision'")
    return daemon.submitter


_QUEUE_FIELDS = (
    "tcn",
    "tot",
    "priority",
    "state",
    "size",
    "attempts",
    "next_attempt_at",
    "last_error",
    "created_at",
    "accepted_at",
    "answered_at",
)


async def queue_status(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """Queue health for diagnostics: counts per state and the rows (no envelope, no case data)."""
    from station.store import outbox

    submitter = _submitter(daemon)
    rows = await asyncio.to_thread(outbox.list_submissions, submitter.store, None, _arg(args, "limit", int, 200))
    waiting = [r.created_at for r in rows if r.state in ("sealed", "sending", "accepted")]
    awaited = await asyncio.to_thread(submitter.desk.awaited_now)
    by_tcn: dict[str, list[dict[str, Any]]] = {}
    for entry in awaited:
        by_tcn.setdefault(entry["tcn"], []).append(entry)
    return {
        "counts": outbox.counts(submitter.store),
        "oldest_waiting_at": min(waiting) if waiting else None,
        "central": submitter.central.url,
        "late": [entry for entry in awaited if entry["late"]],
        "submissions": [{**{k: getattr(r, k) for k in _QUEUE_FIELDS}, "awaiting": by_tcn.get(r.tcn, [])} for r in rows],
    }


async def queue_retry(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    from station.store import outbox

    submitter = _submitter(daemon)
    if _arg(args, "all", bool, False):
        failed = await asyncio.to_thread(outbox.list_submissions, submitter.store, "failed")
        tcns = [s.tcn for s in failed]
    else:
        tcns = [_arg(args, "tcn", str)]
    for tcn in tcns:
        await daemon.writes.run(outbox.retry, submitter.store, tcn)
    submitter.wake()
    return {"retried": tcns}


async def central_check(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    from station.daemon import diagnostics

    _submitter(daemon)
    return await asyncio.to_thread(diagnostics.central_check, daemon)


async def diagnostics_bundle(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    from station.daemon import diagnostics

    return await asyncio.to_thread(diagnostics.bundle, daemon)


# -- accounts -----------------------------------------------------------------------------------------------------
def _account_dict(account: Any) -> dict[str, Any]:
    return {
        "username": account.username,
        "role": account.role.value,
        "created_at": account.created_at,
        "last_login_at": account.last_login_at,
        "disabled": account.disabled_reason,
        "locked": account.locked,
    }


async def users_list(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    return {"users": [_account_dict(a) for a in daemon.accounts.list()]}


async def users_create(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    user, where = _who(conn)
    username, role = _arg(args, "username", str), _arg(args, "role", str)
    if role not in {r.value for r in Role}:
        raise ApiError("bad_request", f"role {role!r} does not exist", "use officer, technician or admin")
    password = _arg(args, "password", str)
    secret = await asyncio.to_thread(daemon.accounts.create, username, role, password, by=user, where=where)
    from station.accounts.totp import provisioning_uri

    return {"username": username, "role": role, "totp_secret": secret, "totp_uri": provisioning_uri(secret, username)}


async def _account_change(daemon: StationDaemon, conn: Connection, args: dict[str, Any], what: str) -> dict[str, Any]:
    user, where = _who(conn)
    target = _arg(args, "username", str)
    getattr(daemon.accounts, what)(target, by=user, where=where)
    return {"username": target, "done": what}


async def users_unlock(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    return await _account_change(daemon, conn, args, "unlock")


async def users_disable(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    return await _account_change(daemon, conn, args, "disable")


async def users_enable(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    return await _account_change(daemon, conn, args, "enable")


# -- audit --------------------------------------------------------------------------------------------------------
async def audit_tail(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    count = _arg(args, "count", int, 50)
    records = await asyncio.to_thread(select, daemon.audit.directory)
    user, where = _who(conn)
    daemon.audit.record(user, "audit.read", where, "success", records=min(count, len(records)))
    return {"records": records[-max(1, min(count, 1000)) :]}


async def audit_verify(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    report = await asyncio.to_thread(verify_trail, daemon.audit.directory)
    return {"ok": report.ok, "records": report.records, "problems": report.problems}
