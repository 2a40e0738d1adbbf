"""The central's log of what it refused, bounded whatever a peer sends: one row per peer, station, TCN, reason and
hour, with a count.

Anyone who reaches the port can fail a TLS handshake as often as they like; a row per failure let them grow the
database without end. A refusal like one already on record this hour only counts up that row (`count`, `last_at`);
at most `ROWS_PER_HOUR` distinct rows are kept per hour, and beyond that the rest of the hour's refusals are counted
in one row (peer `*`, reason `OVERFLOW_REASON`); rows older than `RETENTION_HOURS` are deleted. An hour of any
traffic therefore costs at most `ROWS_PER_HOUR` + 1 rows, and the operator still sees who failed, how, and how often.
"""

from __future__ import annotations

import re
import sqlite3
import time

ROWS_PER_HOUR = 1000
RETENTION_HOURS = 90 * 24
OVERFLOW_PEER = "*"
OVERFLOW_REASON = "more distinct refusals this hour than the log keeps; counted here"
_SOURCE_LINE = re.compile(r"\s*\(_ssl\.c:\d+\)")  # OpenSSL's source line: the same failure, another build

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS rejections (id INTEGER PRIMARY KEY, at REAL NOT NULL, station_id TEXT, tcn TEXT, "
    "reason TEXT NOT NULL, peer TEXT, hour INTEGER NOT NULL DEFAULT 0, count INTEGER NOT NULL DEFAULT 1, "
    "last_at REAL NOT NULL DEFAULT 0)",
)
INDEX = "CREATE INDEX IF NOT EXISTS rejections_hour ON rejections (hour, peer, station_id, tcn, reason)"
_ADDED = (("peer", "TEXT"), ("hour", "INTEGER NOT NULL DEFAULT 0"), ("count", "INTEGER NOT NULL DEFAULT 1"))


def migrate(conn: sqlite3.Connection) -> None:
    """Give a rejections table of the first layout (a row per refusal) its peer, hour, count and last_at."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(rejections)")}
    for name, kind in _ADDED:
        if name not in columns:
            conn.execute(f"ALTER TABLE rejections ADD COLUMN {name} {kind}")
    if "last_at" not in columns:
        conn.execute("ALTER TABLE rejections ADD COLUMN last_at REAL NOT NULL DEFAULT 0")
        conn.execute("UPDATE rejections SET last_at = at, hour = CAST(at / 3600 AS INTEGER)")
    conn.execute(INDEX)


def record(
    conn: sqlite3.Connection,
    *,
    peer: str | None,
    station_id: str | None,
    tcn: str | None,
    reason: str,
    now: float | None = None,
) -> None:
    """Count one refusal (inside the caller's lock: the read and the write must not interleave with another)."""
    at = time.time() if now is None else now
    hour = int(at // 3600)
    reason = _SOURCE_LINE.sub("", reason)[:500]
    key = (hour, peer, station_id, tcn, reason)
    if _count_up(conn, key, at):
        return
    (rows,) = conn.execute("SELECT count(*) FROM rejections WHERE hour = ?", (hour,)).fetchone()
    if rows >= ROWS_PER_HOUR:
        key = (hour, OVERFLOW_PEER, None, None, OVERFLOW_REASON)
        if _count_up(conn, key, at):
            return
    conn.execute(
        "INSERT INTO rejections (hour, peer, station_id, tcn, reason, at, last_at, count) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
        (*key, at, at),
    )
    conn.execute("DELETE FROM rejections WHERE hour < ?", (hour - RETENTION_HOURS,))


def _count_up(conn: sqlite3.Connection, key: tuple[object, ...], at: float) -> bool:
    cursor = conn.execute(
        "UPDATE rejections SET count = count + 1, last_at = ? "
        "WHERE hour = ? AND peer IS ? AND station_id IS ? AND tcn IS ? AND reason = ?",
        (at, *key),
    )
    return cursor.rowcount > 0
