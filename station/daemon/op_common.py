"""What every API operation of the daemon needs: its arguments checked by name, who is asking, whose booking it is."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from station.api.server import ApiError, Connection

if TYPE_CHECKING:
    from station.daemon.service import StationDaemon


def arg(args: dict[str, Any], name: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    value = args.get(name, default)
    if value is ...:
        raise ApiError("bad_request", f"argument {name!r} is missing", f"send {name}")
    if value is not default and ((isinstance(value, bool) and kind is not bool) or not isinstance(value, kind)):
        raise ApiError("bad_request", f"argument {name!r} has the wrong type", f"send {name} as {kind}")
    return value


def reason_arg(args: dict[str, Any], what: str, hint: str) -> str:
    """The `reason` argument an audited decision needs: `what` names the decision ("an override"), `hint` the fix."""
    reason = arg(args, "reason", str).strip()
    if not reason:
        raise ApiError("bad_request", f"{what} needs a reason", hint)
    return reason


def who(conn: Connection) -> tuple[str, str]:
    assert conn.session is not None
    return conn.session.username, conn.where


def open_booking(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> str:
    """A booking of the caller's that is still open (captures and the form can change)."""
    booking_id = owned_booking(daemon, conn, args)
    state = daemon.bookings.booking(booking_id)["state"]
    if state != "open":
        raise ApiError("invalid", f"booking {booking_id} is {state}", "start a new booking")
    return booking_id


def owned_booking(daemon: StationDaemon, conn: Connection, args: dict[str, Any]) -> str:
    booking_id = arg(args, "booking", str)
    user, _ = who(conn)
    try:
        row = daemon.bookings.booking(booking_id)
    except Exception:
        raise ApiError("not_found", f"no booking {booking_id}", "list your bookings with booking.list") from None
    if row["owner"] != user:  # never reveal whether another officer's booking exists
        raise ApiError("not_found", f"no booking {booking_id}", "list your bookings with booking.list")
    return booking_id


def stamp(at: float | None) -> str | None:
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at else None


@contextlib.contextmanager
def booking_error() -> Iterator[None]:
    """A step the booking's rules refuse (`BookingError`) answers `invalid`, with the session's message and hint."""
    from station.booking.records import BookingError

    try:
        yield
    except BookingError as exc:
        raise ApiError("invalid", exc.message, exc.hint or "") from None
