"""The central's answers: each one numbered within its submission (`seq`, the order the central made them in),
signed once, handed out from its `due_at` until the station acknowledges it by `answer_id`."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from station.crypto.documents import sign_document
from sync import wire
from sync.central.pki import CentralKeys
from sync.central.state import CentralState


@dataclass
class Draft:
    """One answer before it is numbered and signed."""

    system: str
    kind: str
    outcome: str
    transaction: bytes
    searched: bool
    subject_id: str | None = None
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    expects: list[str] = field(default_factory=list)


def add(state: CentralState, keys: CentralKeys, *, tcn: str, station_id: str, draft: Draft, due_at: float) -> dict:
    """Number, sign and store one answer (joins the caller's transaction); returns the signed document."""
    with state.transaction() as conn:
        seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM answers WHERE tcn = ?", (tcn,)).fetchone()[0]
        answer_id = uuid.uuid4().hex
        document = sign_document(
            wire.answer_body(
                answer_id=answer_id,
                tcn=tcn,
                station=station_id,
                seq=seq,
                system=draft.system,
                kind=draft.kind,
                outcome=draft.outcome,
                subject_id=draft.subject_id,
                reason=draft.reason,
                details=draft.details,
                expects=draft.expects,
                transaction=draft.transaction,
                answered_at=dt.datetime.fromtimestamp(max(due_at, time.time()), dt.UTC).isoformat(
                    timespec="milliseconds"
                ),
                searched=draft.searched,
            ),
            keys.signing,
        )
        conn.execute(
            "INSERT INTO answers (answer_id, tcn, station_id, seq, system, kind, document, due_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (answer_id, tcn, station_id, seq, draft.system, draft.kind, json.dumps(document), due_at),
        )
    return document


def pending(state: CentralState, station_id: str, limit: int = 50, *, include_acked: bool = False) -> list[dict]:
    """This station's answers whose time has come, oldest first (and, with `include_acked`, the acknowledged ones)."""
    acked = "" if include_acked else "AND acked = 0"
    rows = state.rows(
        f"SELECT document FROM answers WHERE station_id = ? AND due_at <= ? {acked} ORDER BY due_at, tcn, seq LIMIT ?",
        (station_id, time.time(), limit),
    )
    return [json.loads(r["document"]) for r in rows]


def acknowledge(state: CentralState, station_id: str, answer_ids: list[str]) -> int:
    count = 0
    with state.transaction() as conn:
        for answer_id in answer_ids:
            count += conn.execute(
                "UPDATE answers SET acked = 1 WHERE answer_id = ? AND station_id = ? AND acked = 0",
                (str(answer_id), station_id),
            ).rowcount
    return count


def for_submission(state: CentralState, tcn: str) -> list[dict]:
    """Every answer of one submission in order (status and tests)."""
    rows = state.rows("SELECT document FROM answers WHERE tcn = ? ORDER BY seq", (tcn,))
    return [json.loads(r["document"]) for r in rows]
