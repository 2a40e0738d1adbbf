"""The last signed audit head of each station, and the alarms when a station's trail goes backwards.

A station sends its head (`station.audit.head`) with each submission and as a heartbeat when idle. The first head
of a station pins its audit key (the request came over the station's mutual TLS, so the key is the station's).
Later heads must verify under that key and move forward: a lower count is a **rollback** (records were cut, or an
older copy of the trail and its head was put back), the same count with another hash a **fork** (the trail was
rewritten), another key **key-changed**, a head that does not verify **bad-head**. An alarm is recorded (once per
station, kind and head, counted) and logged; the highest good head is kept, so the alarm stands until someone looks.
A submission is never refused for its head: a booking must not be lost over the audit trail.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from station.audit.head import Head, decode_head, verify_head
from station.crypto import CryptoError

if TYPE_CHECKING:
    from sync.central.state import CentralState

log = logging.getLogger(__name__)
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS audit_heads (station_id TEXT PRIMARY KEY, key TEXT NOT NULL, count INTEGER NOT NULL, "
    "hash TEXT NOT NULL, sig TEXT NOT NULL, received_at REAL NOT NULL, via TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS audit_alarms (id INTEGER PRIMARY KEY, station_id TEXT NOT NULL, kind TEXT NOT NULL, "
    "message TEXT NOT NULL, head_count INTEGER, head_hash TEXT, at REAL NOT NULL, last_at REAL NOT NULL, "
    "times INTEGER NOT NULL DEFAULT 1, UNIQUE (station_id, kind, head_count, head_hash))",
)


@dataclass(frozen=True)
class Noted:
    """What the central made of a head: the head it now keeps for the station and the alarm raised, if any."""

    kept: dict[str, Any] | None
    alarm: str | None = None

    def body(self) -> dict[str, Any]:
        return {"kept": self.kept, "alarm": self.alarm}


def _iso(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).isoformat(timespec="milliseconds")


def note_received(state: CentralState, station_id: str, received: object, via: str) -> Noted:
    """A head as it came (the header's base64 text, or the heartbeat's JSON document): verified and noted; one that
    is not a good head is a bad-head alarm."""
    try:
        head = decode_head(received) if isinstance(received, str) else verify_head(received)
    except CryptoError as exc:
        return _alarm(state, station_id, "bad-head", exc.message, None)
    return note(state, station_id, head, via)


def note(state: CentralState, station_id: str, head: Head, via: str) -> Noted:
    """Keep `head` as the station's last, or raise the alarm it deserves."""
    now = time.time()
    with state.transaction() as conn:
        row = conn.execute(
            "SELECT key, count, hash, received_at FROM audit_heads WHERE station_id = ?", (station_id,)
        ).fetchone()
        alarm = None
        if row is not None:
            key, count, digest, received_at = row
            seen = f"record {count} on {_iso(received_at)}"
            if head.key != key:
                alarm = ("key-changed", f"head signed by another audit key than the one pinned ({seen})")
            elif head.count < count:
                alarm = ("rollback", f"head at record {head.count}, but the central saw {seen}: records were cut")
            elif head.count == count and head.hash != digest:
                alarm = ("fork", f"head at record {count} with another hash than the one the central saw ({seen})")
        if alarm is None:
            conn.execute(
                "INSERT OR REPLACE INTO audit_heads VALUES (?, ?, ?, ?, ?, ?, ?)",
                (station_id, head.key, head.count, head.hash, head.sig, now, via),
            )
    if alarm is not None:
        return _alarm(state, station_id, alarm[0], alarm[1], head)
    return Noted(kept(state, station_id))


def _alarm(state: CentralState, station_id: str, kind: str, message: str, head: Head | None) -> Noted:
    now = time.time()
    count, digest = (head.count, head.hash) if head else (None, None)
    with state.transaction() as conn:
        updated = conn.execute(
            "UPDATE audit_alarms SET times = times + 1, last_at = ? "
            "WHERE station_id = ? AND kind = ? AND head_count IS ? AND head_hash IS ?",
            (now, station_id, kind, count, digest),
        ).rowcount
        if not updated:
            conn.execute(
                "INSERT INTO audit_alarms (station_id, kind, message, head_count, head_hash, at, last_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (station_id, kind, message, count, digest, now, now),
            )
    log.warning("station %s audit %s: %s", station_id, kind, message)
    return Noted(kept(state, station_id), kind)


def kept(state: CentralState, station_id: str) -> dict[str, Any] | None:
    """The head the central keeps for the station (the document, when and how it came), or None."""
    rows = state.rows(
        "SELECT key, count, hash, sig, received_at, via FROM audit_heads WHERE station_id = ?", (station_id,)
    )
    if not rows:
        return None
    row = rows[0]
    document = {"count": row["count"], "hash": row["hash"], "sig": row["sig"], "key": row["key"]}
    return {"head": document, "received_at": _iso(row["received_at"]), "via": row["via"]}


def alarms(state: CentralState, station_id: str | None = None) -> list[dict[str, Any]]:
    """The audit alarms (of one station, or all), newest first."""
    where, params = ("WHERE station_id = ?", (station_id,)) if station_id else ("", ())
    rows = state.rows(
        f"SELECT station_id, kind, message, head_count, at, last_at, times FROM audit_alarms {where} "
        "ORDER BY last_at DESC LIMIT 100",
        params,
    )
    return [{**r, "at": _iso(r["at"]), "last_at": _iso(r["last_at"])} for r in rows]
