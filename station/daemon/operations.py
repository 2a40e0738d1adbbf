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
from station.daemon.booking_ops import (
    booking_annotate,
    booking_cancel,
    booking_get,
    booking_image,
    booking_list,
    booking_resubmit,
    booking_start,
    booking_subject,
    booking_submit,
)
from station.daemon.capture_ops import (
    booking_accept,
    booking_cancel_capture,
    booking_capture,
    booking_override_sequence,
    booking_sequence_check,
)
from station.daemon.op_common import arg, who

if TYPE_CHECKING:
    from station.daemon.service import StationDaemon


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
        "booking.resubmit": ("booking", booking_resubmit),
        "booking.cancel": ("booking", booking_cancel),
        "booking.image": ("booking", booking_image),
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
    position = arg(args, "position", int, 2)
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
    lines = log.lines(arg(args, "count", int, 100))
    no_wire = ["(no traffic: this scanner has no wire)"]
    return {"device": daemon.device.uri, "records": len(log), "lines": lines or no_wire}


async def device_selftest(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """Run the scanner's self-test; its result is audited and kept for the metrics (last self-test, passed)."""
    result = await daemon.device.self_test()
    user, where = who(conn)
    daemon.audit.record(user, "device.selftest", where, "success" if result["passed"] else "failure")
    await daemon.writes.run(daemon.metrics.selftest_done, result["passed"])
    return result


# -- answers ------------------------------------------------------------------------------------------------------
async def answer_acknowledge(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    """The officer has seen an answer of one of their bookings (a hit's modal closes on this); audited."""
    from station.store import answers

    answer_id = arg(args, "answer_id", str)
    user, where = who(conn)
    submitter = _submitter(daemon)
    try:
        answer = answers.get(submitter.store, answer_id)
    except answers.UnknownAnswer:
        answer = None
    owners = {
        r["owner"]
        for r in daemon.bookings.bookings(states=("queued", "sent", "answered"))
        if answer and r["tcn"] == answer.tcn
    }
    if answer is None or user not in owners:  # never reveal another officer's answers
        raise ApiError("not_found", f"no answer {answer_id}", "see the booking's timeline for its answers")
    return await submitter.desk.acknowledge(answer_id, user, where)


# -- bookings -----------------------------------------------------------------------------------------------------
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
    rows = await asyncio.to_thread(outbox.list_submissions, submitter.store, None, arg(args, "limit", int, 200))
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
    if arg(args, "all", bool, False):
        failed = await asyncio.to_thread(outbox.list_submissions, submitter.store, "failed")
        tcns = [s.tcn for s in failed]
    else:
        tcns = [arg(args, "tcn", str)]
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
    user, where = who(conn)
    username, role = arg(args, "username", str), arg(args, "role", str)
    if role not in {r.value for r in Role}:
        raise ApiError("bad_request", f"role {role!r} does not exist", "use officer, technician or admin")
    password = arg(args, "password", str)
    secret = await asyncio.to_thread(daemon.accounts.create, username, role, password, by=user, where=where)
    from station.accounts.totp import provisioning_uri

    return {"username": username, "role": role, "totp_secret": secret, "totp_uri": provisioning_uri(secret, username)}


async def _account_change(daemon: StationDaemon, conn: Connection, args: dict[str, Any], what: str) -> dict[str, Any]:
    user, where = who(conn)
    target = arg(args, "username", str)
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
    count = arg(args, "count", int, 50)
    records = await asyncio.to_thread(select, daemon.audit.directory)
    user, where = who(conn)
    daemon.audit.record(user, "audit.read", where, "success", records=min(count, len(records)))
    return {"records": records[-max(1, min(count, 1000)) :]}


async def audit_verify(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
    report = await asyncio.to_thread(verify_trail, daemon.audit.directory)
    return {"ok": report.ok, "records": report.records, "problems": report.problems}
