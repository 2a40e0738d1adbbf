"""The daemon's API operations (beyond login and sessions, which the server owns). docs/local-api.md lists them.

Every handler takes the connection (its session says who and where) and the request's arguments, checks them, and
returns a JSON object. Arguments are validated here with errors naming the argument; the server maps errors to codes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from drivers.base import CaptureKind, check_position
from station.accounts.roles import Role
from station.api.events import Audience
from station.api.server import ApiError, ApiServer, Connection
from station.audit.export import select
from station.audit.verify import verify_trail

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
        "booking.start": ("booking", booking_start),
        "booking.list": ("booking", booking_list),
        "booking.get": ("booking", booking_get),
        "booking.subject": ("booking", booking_subject),
        "booking.capture": ("booking", booking_capture),
        "booking.accept": ("booking", booking_accept),
        "booking.cancel_capture": ("booking", booking_cancel_capture),
        "booking.submit": ("booking", booking_submit),
        "users.list": ("users", users_list),
        "users.create": ("users", users_create),
        "users.unlock": ("users", users_unlock),
        "users.disable": ("users", users_disable),
        "users.enable": ("users", users_enable),
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


async def device_selftest(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    return await daemon.device.self_test()


# -- bookings -----------------------------------------------------------------------------------------------------
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


async def booking_list(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    user, _ = _who(conn)
    return {"bookings": daemon.drafts.bookings(owner=user)}


async def booking_get(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    booking_id = _owned(daemon, conn, args)
    row = daemon.drafts.booking(booking_id)
    captures = [
        {"slot": c.slot, "kind": c.kind, "position": c.position, "nfiq2": c.nfiq2, "meta": c.meta,
         "accepted_at": c.accepted_at}
        for c in daemon.drafts.captures(booking_id)
    ]
    pending = sorted(slot for (b, slot) in daemon.pending if b == booking_id)
    return {
        "booking": booking_id, "state": row["state"], "tcn": row["tcn"], "subject": daemon.drafts.subject(booking_id),
        "captures": captures, "pending": pending, "answer": daemon.drafts.answer(booking_id),
    }


async def booking_subject(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    booking_id = _owned(daemon, conn, args)
    fields = _arg(args, "fields", dict)
    problems = daemon.validate_subject(fields)
    await daemon.writes.run(daemon.drafts.set_subject, booking_id, fields)
    user, where = _who(conn)
    daemon.audit.record(user, "booking.subject", where, "success", booking=booking_id, problems=len(problems))
    return {"booking": booking_id, "problems": problems}


def _slot(kind: CaptureKind, position: int) -> str:
    return f"{kind.value}:{position}"


async def booking_capture(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """Capture one slot (previews and status stream as events); the result waits for booking.accept."""
    booking_id = _owned(daemon, conn, args)
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
        daemon.audit.record(user, "booking.capture", where, "info", booking=booking_id, slot=context["slot"],
                            reason="cancelled")
        raise ApiError("invalid", "the capture was cancelled", "start it again") from None
    except Exception as exc:
        daemon.audit.record(user, "booking.capture", where, "failure", booking=booking_id, slot=context["slot"],
                            reason=type(exc).__name__)
        from drivers.errors import ScanRetry

        if isinstance(exc, ScanRetry):
            raise ApiError("invalid", f"capture not usable: {exc.message}", exc.hint or "capture again") from exc
        raise
    finally:
        daemon.capture_tasks.pop(conn.session.id, None)
    analysis = outcome.analysis
    daemon.pending[(booking_id, context["slot"])] = (outcome, user)
    summary = {"booking": booking_id, "slot": context["slot"], "kind": kind.value, "position": position,
               "nfiq2": analysis.get("nfiq2"), "fingers": analysis.get("fingers", []),
               "problems": analysis.get("problems", []), "frames": outcome.preview_frames}
    daemon.bus.publish("capture", {**summary, "status": "captured"}, audience)
    daemon.audit.record(user, "booking.capture", where, "success", booking=booking_id, slot=context["slot"],
                        nfiq2=analysis.get("nfiq2"))
    return summary


async def booking_accept(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    booking_id = _owned(daemon, conn, args)
    slot = _arg(args, "slot", str)
    held = daemon.pending.get((booking_id, slot))
    if held is None:
        raise ApiError("not_found", f"no capture of {slot} waiting for acceptance", "capture it first")
    outcome, _ = held
    analysis = outcome.analysis
    meta = {"nfiq2": analysis.get("nfiq2"), "fingers": analysis.get("fingers", []),
            "problems": analysis.get("problems", []), "frames": outcome.preview_frames,
            "device": outcome.result.device_uri, "width": int(outcome.result.image.shape[1]),
            "height": int(outcome.result.image.shape[0])}
    await daemon.writes.run(daemon.drafts.accept_capture, booking_id, slot, outcome.result.kind.value,
                            outcome.result.position, float(outcome.result.ppi), analysis.get("nfiq2"), meta,
                            analysis["wsq"])
    daemon.pending.pop((booking_id, slot), None)
    user, where = _who(conn)
    daemon.audit.record(user, "booking.accept", where, "success", booking=booking_id, slot=slot)
    assert conn.session is not None
    daemon.bus.publish("booking", {"booking": booking_id, "accepted": slot,
                                   "captures": len(daemon.drafts.captures(booking_id))},
                       Audience.session(conn.session.id))
    return {"booking": booking_id, "slot": slot, "accepted": True}


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
    assert conn.session is not None
    tcn = await daemon.submit_booking(booking_id, user, where, Audience.session(conn.session.id))
    return {"booking": booking_id, "tcn": tcn, "state": "submitted"}


# -- accounts -----------------------------------------------------------------------------------------------------
def _account_dict(account: Any) -> dict[str, Any]:
    return {"username": account.username, "role": account.role.value, "created_at": account.created_at,
            "last_login_at": account.last_login_at, "disabled": account.disabled_reason, "locked": account.locked}


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
    return {"records": records[-max(1, min(count, 1000)):]}


async def audit_verify(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    report = await asyncio.to_thread(verify_trail, daemon.audit.directory)
    return {"ok": report.ok, "records": report.records, "problems": report.problems}
