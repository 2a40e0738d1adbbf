"""A booking's life as a state machine whose every transition is one SQLite transaction (see docs/store.md).

    open --claim(TCN)--> submitting --queue: outbox row + TCN bound, one commit--> queued --receipt--> sent
      ^                    |                                                                           |
      \\--release/recover--/  (the CAR could not be built, or a crash while it was)        answer: answered
      ^                                                                                                |
      \\------------------------------- an ERRT on a tenprint: open again, to correct and resubmit ------/
    open --cancel--> cancelled (shredded at once);  open and untouched for `abandon_after_s` --> abandoned

Claiming, binding the TCN and inserting the outbox row are what a crash can separate; the outbox row and the
`queued` state commit together (`outbox.enqueue`), and a claim without its row is put back to `open` at start-up
(`recover`), so after a kill -9 a booking is either open with no CAR or queued with its TCN. A second submission of
a booking is refused naming its TCN; a deliberate resubmission names the TCN it replaces.

Shredding (`shred`, `shred_due`) destroys the booking's wrapped data key, deletes its items and the sealed part of its
answers in one transaction, then checkpoints the WAL (`secure_delete` is on, so freed pages are zeroed). The row
keeps what policy allows: state, owner, TCNs, times, answers' outcomes, when and why it was shredded.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from station.errors import InputError
from station.store.bookings import UnknownBooking
from station.store.db import Store
from station.store.events import record_event
from station.store.migrations import BOOKING_STATES

STATES = BOOKING_STATES
CLOSED = ("answered", "cancelled", "abandoned")
_COLUMNS = "booking_id, kind, owner, state, label, tcn, created_at, updated_at, closed_at, shredded_at, shred_reason"


class AlreadySubmitted(InputError):
    """The booking is (being) submitted: a second submission is refused, naming its TCN."""


class NotOpen(InputError):
    """The booking cannot change in its present state."""


@dataclass(frozen=True)
class BookingRow:
    """A booking's officer-visible metadata (never its working data)."""

    booking_id: str
    kind: str
    owner: str
    state: str
    label: str
    tcn: str | None
    created_at: float
    updated_at: float
    closed_at: float | None
    shredded_at: float | None
    shred_reason: str | None

    @property
    def shredded(self) -> bool:
        return self.shredded_at is not None


def get(store: Store, booking_id: str) -> BookingRow:
    rows = store.query(f"SELECT {_COLUMNS} FROM bookings WHERE booking_id = ?", (booking_id,))
    if not rows:
        raise UnknownBooking(f"no booking {booking_id}", "see the list of bookings")
    return BookingRow(**rows[0])


def list_rows(store: Store, *, owner: str | None = None, states: tuple[str, ...] = STATES) -> list[BookingRow]:
    marks = ", ".join("?" * len(states))
    sql, params = f"SELECT {_COLUMNS} FROM bookings WHERE state IN ({marks})", tuple(states)
    if owner is not None:
        sql, params = sql + " AND owner = ?", (*params, owner)
    return [BookingRow(**r) for r in store.query(sql + " ORDER BY created_at", params)]


def submissions_of(store: Store, booking_id: str) -> list[dict[str, Any]]:
    """The booking's submissions, oldest first: tcn, state, replaces and their times (no envelope)."""
    return store.query(
        "SELECT tcn, tot, state, replaces, last_error, created_at, accepted_at, answered_at FROM submissions "
        "WHERE booking_id = ? ORDER BY created_at, rowid",
        (booking_id,),
    )


def _latest_tcn(conn: sqlite3.Connection, booking_id: str) -> str | None:
    row = conn.execute(
        "SELECT tcn FROM submissions WHERE booking_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1", (booking_id,)
    ).fetchone()
    return row[0] if row else None


def claim(store: Store, booking_id: str, tcn: str, *, resubmission: bool = False) -> str | None:
    """open -> submitting with `tcn` reserved. Returns the TCN a resubmission replaces (None for a first one).

    Refused (AlreadySubmitted) when the booking is being or was submitted, and for a booking submitted before
    unless `resubmission`; refused (NotOpen) when it is closed."""
    with store.transaction() as conn:
        row = conn.execute("SELECT state, tcn FROM bookings WHERE booking_id = ?", (booking_id,)).fetchone()
        if row is None:
            raise UnknownBooking(f"no booking {booking_id}", "see the list of bookings")
        state, current = row
        if state in ("submitting", "queued", "sent", "answered"):
            raise AlreadySubmitted(
                f"already submitted (TCN {current})", "follow it in the results; a card is sent once"
            )
        if state != "open":
            raise NotOpen(f"booking {booking_id} is {state}", "start a new booking")
        earlier = _latest_tcn(conn, booking_id)
        if earlier and not resubmission:
            raise AlreadySubmitted(
                f"already submitted (TCN {earlier})",
                "to send the corrected card again, resubmit it (booking.resubmit) with a reason",
            )
        if resubmission and not earlier:
            raise NotOpen(f"booking {booking_id} was never submitted", "submit it (booking.submit)")
        conn.execute(
            "UPDATE bookings SET state = 'submitting', tcn = ?, updated_at = ? WHERE booking_id = ?",
            (tcn, store.clock(), booking_id),
        )
        record_event(store, "booking-claimed", booking_id, tcn)
    return earlier


def bind_queued(conn: sqlite3.Connection, booking_id: str, tcn: str, now: float) -> None:
    """submitting -> queued with `tcn`, inside the transaction that inserts the outbox row (`outbox.enqueue`)."""
    cursor = conn.execute(
        "UPDATE bookings SET state = 'queued', tcn = ?, updated_at = ? WHERE booking_id = ? AND state = 'submitting'",
        (tcn, now, booking_id),
    )
    if cursor.rowcount != 1:
        raise NotOpen(f"booking {booking_id} is not being submitted", "claim it for submission first")


def release(store: Store, booking_id: str) -> None:
    """submitting -> open (the CAR could not be built or queued): the reserved TCN is dropped."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE bookings SET state = 'open', tcn = ?, updated_at = ? WHERE booking_id = ? AND state = 'submitting'",
            (_latest_tcn(conn, booking_id), store.clock(), booking_id),
        )


def recover(store: Store) -> list[str]:
    """At start-up: claims a crash interrupted (no outbox row was committed with them) go back to open."""
    with store.transaction() as conn:
        ids = [r[0] for r in conn.execute("SELECT booking_id FROM bookings WHERE state = 'submitting'").fetchall()]
        for booking_id in ids:
            conn.execute(
                "UPDATE bookings SET state = 'open', tcn = ?, updated_at = ? WHERE booking_id = ?",
                (_latest_tcn(conn, booking_id), store.clock(), booking_id),
            )
            record_event(store, "booking-recovered", f"{booking_id}: submission interrupted, booking open again")
    return ids


def mark_sent(conn: sqlite3.Connection, tcn: str, now: float) -> None:
    """queued -> sent: the central's signed receipt for the booking's current TCN is in (`outbox.accept`)."""
    conn.execute("UPDATE bookings SET state = 'sent', updated_at = ? WHERE tcn = ? AND state = 'queued'", (now, tcn))


def mark_answered(conn: sqlite3.Connection, tcn: str, kind: str, now: float) -> None:
    """The first answer to the booking's current TCN (`answers.record`): answered, or open again after an
    ERRT on a tenprint (its data is kept so the officer can correct and resubmit)."""
    conn.execute(
        "UPDATE bookings SET state = CASE WHEN ? = 'ERRT' AND kind = 'tenprint' THEN 'open' ELSE 'answered' END, "
        "closed_at = CASE WHEN ? = 'ERRT' AND kind = 'tenprint' THEN NULL ELSE ? END, updated_at = ? "
        "WHERE tcn = ? AND state IN ('queued', 'sent')",
        (kind, kind, now, now, tcn),
    )


def cancel(store: Store, booking_id: str) -> None:
    """open -> cancelled, its data shredded in the same transaction."""
    with store.transaction() as conn:
        cursor = conn.execute(
            "UPDATE bookings SET state = 'cancelled', closed_at = ?, updated_at = ? WHERE booking_id = ? "
            "AND state = 'open'",
            (store.clock(), store.clock(), booking_id),
        )
        if cursor.rowcount != 1:
            raise NotOpen(f"booking {booking_id} is {get(store, booking_id).state}", "only open bookings cancel")
        _shred(store, conn, booking_id, "cancelled")
    store.checkpoint()


def _shred(store: Store, conn: sqlite3.Connection, booking_id: str, reason: str) -> None:
    conn.execute(
        "UPDATE bookings SET wrapped_key = NULL, shredded_at = ?, shred_reason = ?, updated_at = ? "
        "WHERE booking_id = ? AND shredded_at IS NULL",
        (store.clock(), reason, store.clock(), booking_id),
    )
    conn.execute("DELETE FROM booking_items WHERE booking_id = ?", (booking_id,))
    conn.execute(  # what the central said about the person goes too (answers.shred): outcomes and times stay
        "UPDATE answers SET sealed = NULL, wrapped_key = NULL "
        "WHERE tcn IN (SELECT tcn FROM submissions WHERE booking_id = ?)",
        (booking_id,),
    )
    record_event(store, "booking-shredded", f"{booking_id}: {reason}")


def shred(store: Store, booking_id: str, reason: str) -> None:
    """Destroy a booking's key and working data now (one transaction), then checkpoint the WAL."""
    with store.transaction() as conn:
        _shred(store, conn, booking_id, reason)
    store.checkpoint()


def shred_due(store: Store, *, keep_answered_s: float, abandon_after_s: float) -> list[tuple[str, str]]:
    """Shred what policy says is due: answered bookings kept `keep_answered_s`, open ones untouched for
    `abandon_after_s` (they become abandoned). One transaction; returns [(booking_id, reason)]."""
    now = store.clock()
    done: list[tuple[str, str]] = []
    with store.transaction() as conn:
        answered = conn.execute(
            "SELECT booking_id FROM bookings WHERE state = 'answered' AND shredded_at IS NULL AND closed_at <= ?",
            (now - keep_answered_s,),
        ).fetchall()
        stale = conn.execute(
            "SELECT booking_id FROM bookings WHERE state = 'open' AND updated_at <= ?", (now - abandon_after_s,)
        ).fetchall()
        for (booking_id,) in stale:
            conn.execute(
                "UPDATE bookings SET state = 'abandoned', closed_at = ? WHERE booking_id = ?", (now, booking_id)
            )
        for reason, rows in (("answered", answered), ("abandoned", stale)):
            for (booking_id,) in rows:
                _shred(store, conn, booking_id, reason)
                done.append((booking_id, reason))
    if done:
        store.checkpoint()
    return done
