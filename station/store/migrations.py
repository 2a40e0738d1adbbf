"""Versioned schema migrations: named functions applied in order; the names applied are kept in
`schema_migrations`, so a database is upgraded exactly once per step and never downgraded silently."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from station.errors import StorageError

if TYPE_CHECKING:
    from station.store.db import Store

SUBMISSION_STATES = ("sealed", "sending", "accepted", "answered", "failed")


def m0001_initial(store: Store) -> None:
    """Bookings (officer-visible metadata + wrapped key), their encrypted items, the outbox, answers, events."""
    states = ", ".join(f"'{s}'" for s in SUBMISSION_STATES)
    script = f"""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE bookings (
            booking_id TEXT PRIMARY KEY,
            state TEXT NOT NULL CHECK (state IN ('open', 'submitted', 'purged')),
            label TEXT NOT NULL DEFAULT '',
            tcn TEXT,
            wrapped_key BLOB,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE TABLE booking_items (
            booking_id TEXT NOT NULL REFERENCES bookings(booking_id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            position INTEGER NOT NULL,
            blob BLOB NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (booking_id, kind, position)
        );
        CREATE TABLE submissions (
            tcn TEXT PRIMARY KEY,
            booking_id TEXT REFERENCES bookings(booking_id),
            tot TEXT NOT NULL,
            priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 9),
            state TEXT NOT NULL CHECK (state IN ({states})),
            envelope BLOB,
            digest TEXT NOT NULL,
            size INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL DEFAULT 0,
            last_error TEXT,
            receipt TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            accepted_at REAL,
            answered_at REAL
        );
        CREATE INDEX submissions_due ON submissions (state, priority, next_attempt_at, created_at);
        CREATE TABLE answers (
            tcn TEXT PRIMARY KEY REFERENCES submissions(tcn) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('SRE', 'ERRT')),
            hit INTEGER,
            subject_id TEXT,
            reason TEXT,
            document TEXT NOT NULL,
            received_at REAL NOT NULL
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at REAL NOT NULL,
            tcn TEXT,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX events_tcn ON events (tcn);
    """
    _run_script(store, script)


def _run_script(store: Store, script: str) -> None:
    """Statement by statement, inside the caller's transaction (executescript would commit it)."""
    for statement in script.split(";"):
        if statement.strip():
            store.conn.execute(statement)


def m0002_envelopes_apart(store: Store) -> None:
    """Envelopes move to their own table: SQLite rewrites a whole row (overflow pages included) on any UPDATE, so
    every state change of a submission used to copy its ~0.7 MB envelope into the WAL again."""
    _run_script(
        store,
        """
        CREATE TABLE envelopes (
            tcn TEXT PRIMARY KEY REFERENCES submissions(tcn) ON DELETE CASCADE,
            envelope BLOB NOT NULL
        );
        INSERT INTO envelopes (tcn, envelope) SELECT tcn, envelope FROM submissions WHERE envelope IS NOT NULL;
        ALTER TABLE submissions DROP COLUMN envelope
    """,
    )


def m0003_rapid_answers(store: Store) -> None:
    """Answers may be RPISR too (the headless quick-ID's rapid search result): SQLite cannot change a CHECK
    constraint, so the answers table is rebuilt with its rows."""
    _run_script(
        store,
        """
        CREATE TABLE answers_new (
            tcn TEXT PRIMARY KEY REFERENCES submissions(tcn) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('SRE', 'ERRT', 'RPISR')),
            hit INTEGER,
            subject_id TEXT,
            reason TEXT,
            document TEXT NOT NULL,
            received_at REAL NOT NULL
        );
        INSERT INTO answers_new (tcn, kind, hit, subject_id, reason, document, received_at)
            SELECT tcn, kind, hit, subject_id, reason, document, received_at FROM answers;
        DROP TABLE answers;
        ALTER TABLE answers_new RENAME TO answers
    """,
    )


def m0004_answer_timeline(store: Store) -> None:
    """A submission has any number of answers (criminal history, immigration, the immigration determination), each
    kept once by the central's `answer_id`, in the central's order `seq`, with the officer's acknowledgement; what the
    central said about the person is sealed (station.store.answers). Earlier answers become the first
    criminal-history answer of their submission with their outcome (their unsealed documents are dropped), and
    submissions answered under protocol 1 (criminal history only) are marked so that nothing more is awaited."""
    _run_script(
        store,
        """
        CREATE TABLE answers_new (
            answer_id TEXT PRIMARY KEY,
            tcn TEXT NOT NULL REFERENCES submissions(tcn) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            system TEXT NOT NULL CHECK (system IN ('criminal-history', 'immigration')),
            kind TEXT NOT NULL CHECK (kind IN ('SRE', 'ERRT', 'RPISR', 'IAR')),
            outcome TEXT NOT NULL,
            hit INTEGER,
            priority INTEGER,
            expects TEXT NOT NULL DEFAULT '[]',
            answered_at TEXT NOT NULL,
            received_at REAL NOT NULL,
            acknowledged_by TEXT,
            acknowledged_at REAL,
            shown_at REAL,
            notified_at REAL,
            notify_attempts INTEGER NOT NULL DEFAULT 0,
            sealed BLOB,
            wrapped_key BLOB
        );
        INSERT INTO answers_new (answer_id, tcn, seq, system, kind, outcome, hit, answered_at, received_at, shown_at,
                                 notified_at)
            SELECT 'v1-' || tcn, tcn, 1, 'criminal-history', kind,
                   CASE WHEN kind = 'ERRT' THEN 'rejected'
                        WHEN kind = 'RPISR' AND hit = 1 THEN 'red'
                        WHEN kind = 'RPISR' THEN 'green'
                        WHEN hit = 1 THEN 'hit' ELSE 'no-hit' END,
                   hit, '', received_at, received_at, received_at FROM answers;
        DROP TABLE answers;
        ALTER TABLE answers_new RENAME TO answers;
        CREATE INDEX answers_tcn ON answers (tcn, seq);
        ALTER TABLE submissions ADD COLUMN protocol INTEGER NOT NULL DEFAULT 2;
        UPDATE submissions SET protocol = 1 WHERE state = 'answered'
    """,
    )


BOOKING_STATES = ("open", "submitting", "queued", "sent", "answered", "cancelled", "abandoned")


def m0005_booking_lifecycle(store: Store) -> None:
    """Bookings become a state machine in the station's one database (owner, kind, the states of docs/store.md, when
    and why their data was shredded); a submission may replace an earlier one of its booking (resubmission).

    Tables are rebuilt (SQLite cannot change a CHECK constraint) with foreign keys off, as `Store` runs migrations."""
    states = ", ".join(f"'{s}'" for s in BOOKING_STATES)
    _run_script(
        store,
        f"""
        CREATE TABLE bookings_new (
            booking_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL DEFAULT 'tenprint' CHECK (kind IN ('tenprint', 'quickid')),
            owner TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL CHECK (state IN ({states})),
            label TEXT NOT NULL DEFAULT '',
            tcn TEXT,
            wrapped_key BLOB,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            closed_at REAL,
            shredded_at REAL,
            shred_reason TEXT
        );
        INSERT INTO bookings_new (booking_id, state, label, tcn, wrapped_key, created_at, updated_at, closed_at,
                                  shredded_at, shred_reason)
            SELECT booking_id, CASE state WHEN 'open' THEN 'open' WHEN 'submitted' THEN 'queued' ELSE 'cancelled' END,
                   label, tcn, wrapped_key, created_at, updated_at,
                   CASE state WHEN 'purged' THEN updated_at END,
                   CASE WHEN wrapped_key IS NULL THEN updated_at END,
                   CASE WHEN wrapped_key IS NULL THEN CASE state WHEN 'purged' THEN 'cancelled' ELSE 'queued' END END
            FROM bookings;
        DROP TABLE bookings;
        ALTER TABLE bookings_new RENAME TO bookings;
        CREATE INDEX bookings_owner ON bookings (owner, created_at);
        CREATE INDEX bookings_state ON bookings (state, updated_at);
        ALTER TABLE submissions ADD COLUMN replaces TEXT;
        CREATE INDEX submissions_booking ON submissions (booking_id, created_at)
    """,
    )


def m0006_notices(store: Store) -> None:
    """The notify hooks' outbox (station.store.notices): one row per document and hook, retried alone."""
    _run_script(
        store,
        """
        CREATE TABLE notices (
            notice TEXT NOT NULL,
            hook TEXT NOT NULL,
            tcn TEXT NOT NULL REFERENCES submissions(tcn) ON DELETE CASCADE,
            document TEXT,
            created_at REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL DEFAULT 0,
            delivered_at REAL,
            PRIMARY KEY (notice, hook)
        );
        CREATE INDEX notices_owed ON notices (delivered_at, created_at);
        CREATE INDEX notices_tcn ON notices (tcn)
    """,
    )


MIGRATIONS: tuple[Callable[[Store], None], ...] = (
    m0001_initial,
    m0002_envelopes_apart,
    m0003_rapid_answers,
    m0004_answer_timeline,
    m0005_booking_lifecycle,
    m0006_notices,
)


def migrate(store: Store) -> list[str]:
    """Apply every migration not yet recorded; returns the names applied now."""
    store.conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
    done = {row[0] for row in store.conn.execute("SELECT name FROM schema_migrations")}
    known = {m.__name__ for m in MIGRATIONS}
    unknown = done - known
    if unknown:
        raise StorageError(
            f"the database has migrations this build does not know: {sorted(unknown)}",
            "run the newer station software that wrote it",
        )
    applied = []
    for migration in MIGRATIONS:
        if migration.__name__ in done:
            continue
        migration(store)
        store.conn.execute(
            "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (migration.__name__, store.clock())
        )
        applied.append(migration.__name__)
    return applied
