"""The outbox of sealed submissions and its state machine.

    sealed --claim--> sending --accept(receipt)--> accepted --answer--> answered
       ^                 |  \\--defer (retryable error, backoff)--> sealed
       |                 \\--fail (permanent error)--> failed --retry (technician)--> sealed
       \\--recover (a crash left it in sending)--/

Rows are served by priority (Type-1 PRY, 1 = most urgent), then age. Envelopes are stored already sealed; once the
first answer is in, the envelope is dropped (the central holds it) and only officer-visible metadata stays. The
answers themselves, several per submission, are `answers.py`'s.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from typing import Any

from station.errors import InputError, StorageError
from station.store import lifecycle
from station.store.db import Store
from station.store.events import record_event

_COLUMNS = (
    "tcn, booking_id, tot, priority, state, digest, size, attempts, next_attempt_at, last_error, receipt, "
    "created_at, updated_at, accepted_at, answered_at, replaces"
)


class DuplicateSubmission(InputError):
    """A submission with this TCN is already in the outbox (the input is wrong, the store is fine)."""


class UnknownSubmission(InputError):
    """No submission with this TCN (a wrong TCN was asked for)."""


@dataclass(frozen=True)
class Submission:
    """One outbox row without its envelope."""

    tcn: str
    booking_id: str | None
    tot: str
    priority: int
    state: str
    digest: str
    size: int
    attempts: int
    next_attempt_at: float
    last_error: str | None
    receipt: str | None
    created_at: float
    updated_at: float
    accepted_at: float | None
    answered_at: float | None
    replaces: str | None = None  # the TCN of the booking's earlier submission this one replaces

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Submission:
        return cls(**{k: row[k] for k in cls.__dataclass_fields__})


def enqueue(
    store: Store,
    *,
    tcn: str,
    envelope: bytes,
    tot: str,
    priority: int,
    booking_id: str | None = None,
    replaces: str | None = None,
) -> Submission:
    """Queue a sealed envelope; durable when this returns. With `booking_id`, the booking (claimed for submission,
    `lifecycle.claim`) becomes `queued` with this TCN in the same transaction as the row is inserted."""
    if not 1 <= priority <= 9:
        raise StorageError(f"priority {priority} out of range", "Type-1 PRY is 1 (most urgent) to 9")
    store.ensure_room(len(envelope))
    now = store.clock()
    try:
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO submissions (tcn, booking_id, tot, priority, state, digest, size, created_at,"
                " updated_at, replaces) VALUES (?, ?, ?, ?, 'sealed', ?, ?, ?, ?, ?)",
                (
                    tcn,
                    booking_id,
                    tot,
                    priority,
                    hashlib.sha256(envelope).hexdigest(),
                    len(envelope),
                    now,
                    now,
                    replaces,
                ),
            )
            conn.execute("INSERT INTO envelopes (tcn, envelope) VALUES (?, ?)", (tcn, envelope))
            if booking_id is not None:
                lifecycle.bind_queued(conn, booking_id, tcn, now)
            record_event(store, "queued", f"{tot} priority {priority}, {len(envelope)} bytes", tcn)
    except StorageError as exc:
        if isinstance(exc.__cause__, sqlite3.IntegrityError) and "UNIQUE" in str(exc.__cause__):
            raise DuplicateSubmission(f"TCN {tcn} is already queued", "each transaction needs its own TCN") from None
        raise
    return get(store, tcn)


def get(store: Store, tcn: str) -> Submission:
    rows = store.query(f"SELECT {_COLUMNS} FROM submissions WHERE tcn = ?", (tcn,))
    if not rows:
        raise UnknownSubmission(f"no submission with TCN {tcn}", "see 'station queue list'")
    return Submission.from_row(rows[0])


def list_submissions(store: Store, state: str | None = None, limit: int = 1000) -> list[Submission]:
    where, params = ("WHERE state = ?", (state, limit)) if state else ("", (limit,))
    rows = store.query(f"SELECT {_COLUMNS} FROM submissions {where} ORDER BY priority, created_at LIMIT ?", params)
    return [Submission.from_row(r) for r in rows]


def counts(store: Store) -> dict[str, int]:
    result = {s: 0 for s in ("sealed", "sending", "accepted", "answered", "failed")}
    for row in store.query("SELECT state, count(*) AS n FROM submissions GROUP BY state"):
        result[row["state"]] = row["n"]
    return result


def next_due(store: Store, now: float) -> Submission | None:
    """The most urgent sealed submission whose backoff has expired."""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM submissions WHERE state = 'sealed' AND next_attempt_at <= ? "
        "ORDER BY priority, created_at LIMIT 1",
        (now,),
    )
    return Submission.from_row(rows[0]) if rows else None


def next_wakeup(store: Store) -> float | None:
    rows = store.query("SELECT min(next_attempt_at) AS t FROM submissions WHERE state = 'sealed'")
    return rows[0]["t"]


def claim(store: Store, tcn: str) -> bytes:
    """Mark a sealed submission as being sent and return its envelope."""
    with store.transaction() as conn:
        row = conn.execute(
            "SELECT e.envelope FROM submissions s JOIN envelopes e USING (tcn) WHERE s.tcn = ? AND s.state = 'sealed'",
            (tcn,),
        ).fetchone()
        if row is None:
            raise UnknownSubmission(f"TCN {tcn} is not waiting to be sent", "see 'station queue show'")
        conn.execute(
            "UPDATE submissions SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE tcn = ?",
            (store.clock(), tcn),
        )
        record_event(store, "sent", "", tcn)
    return bytes(row[0])


def recover(store: Store) -> int:
    """Put submissions a crash left in `sending` back to `sealed` (the central de-duplicates by TCN)."""
    with store.transaction() as conn:
        cursor = conn.execute(
            "UPDATE submissions SET state = 'sealed', updated_at = ? WHERE state = 'sending'", (store.clock(),)
        )
        if cursor.rowcount:
            record_event(store, "recovered", f"{cursor.rowcount} submission(s) left in sending by a crash")
    return cursor.rowcount


def defer(store: Store, tcn: str, error: str, next_attempt_at: float) -> None:
    """A retryable failure: back to sealed, not before `next_attempt_at`."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE submissions SET state = 'sealed', last_error = ?, next_attempt_at = ?, updated_at = ? "
            "WHERE tcn = ? AND state = 'sending'",
            (error, next_attempt_at, store.clock(), tcn),
        )


def accept(store: Store, tcn: str, receipt: str) -> None:
    """The central's signed receipt is in: the submission is safe at the central."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE submissions SET state = 'accepted', receipt = ?, last_error = NULL, accepted_at = ?, "
            "updated_at = ? WHERE tcn = ? AND state IN ('sending', 'sealed')",
            (receipt, store.clock(), store.clock(), tcn),
        )
        lifecycle.mark_sent(conn, tcn, store.clock())
        record_event(store, "accepted", "signed receipt verified", tcn)


def fail(store: Store, tcn: str, reason: str) -> None:
    """A permanent failure: the dead letter, visible to a technician, retryable with `retry`."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE submissions SET state = 'failed', last_error = ?, updated_at = ? WHERE tcn = ?",
            (reason, store.clock(), tcn),
        )
        record_event(store, "failed", reason, tcn)


def retry(store: Store, tcn: str) -> None:
    """Technician action: send a failed (or accepted but unanswered) submission again from scratch."""
    submission = get(store, tcn)
    if submission.state not in ("failed", "sealed"):
        raise StorageError(
            f"TCN {tcn} is {submission.state}; only failed submissions can be retried",
            "accepted ones are waiting for the central's answer",
        )
    with store.transaction() as conn:
        conn.execute(
            "UPDATE submissions SET state = 'sealed', attempts = 0, next_attempt_at = 0, updated_at = ? WHERE tcn = ?",
            (store.clock(), tcn),
        )
        record_event(store, "retry", "requeued by a technician", tcn)


def accepted_tcns(store: Store) -> list[str]:
    return [r["tcn"] for r in store.query("SELECT tcn FROM submissions WHERE state = 'accepted'")]


def purge(store: Store, older_than: float) -> int:
    """Delete answered submissions (and their answers) answered before `older_than`; returns how many."""
    with store.transaction() as conn:
        cursor = conn.execute("DELETE FROM submissions WHERE state = 'answered' AND answered_at < ?", (older_than,))
        if cursor.rowcount:
            record_event(store, "purged", f"{cursor.rowcount} answered submission(s)")
    store.checkpoint()
    return cursor.rowcount
