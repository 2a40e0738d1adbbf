"""The notify hooks' outbox: which hook still owes which document, so that every answer and every late alert reaches
every configured hook once, in order, whatever fails or restarts in between.

A notice is an answer (`notice` = its `answer_id`; its document is built again from the sealed answer each time, so
nothing the central said about the person is kept in the clear here) or a late alert (`notice` =
`late:<TCN>:<step>`; its document holds only TCN, booking, system and times, and is kept with the row). Each
(notice, hook) is one row: a hook that fails is retried alone, with a growing pause (`retry_delay`), and the hooks
that took the document are not sent it again. Delivery is at least once: a document whose delivery was cut by a
stop is sent again after the restart, with the same `answer_id` / `alert_id` for the receiver to drop the repeat.
Rows go with their submission (`ON DELETE CASCADE` on the TCN) when the outbox is purged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from station.store.db import Store

MAX_ATTEMPTS = 20  # with `retry_delay`: about four hours of a hook that does not answer
FIRST_RETRY_S = 2.0
LONGEST_RETRY_S = 900.0


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones: doubling from 2 s, at most 15 min."""
    return min(FIRST_RETRY_S * 2 ** max(0, attempts - 1), LONGEST_RETRY_S)


def late_notice(tcn: str, step: str) -> str:
    return f"late:{tcn}:{step}"


@dataclass(frozen=True)
class Pending:
    """One document one hook still owes."""

    notice: str
    hook: str
    tcn: str
    document: dict[str, Any] | None  # None: an answer, built again from the store
    attempts: int

    @property
    def is_answer(self) -> bool:
        return self.document is None


def owe(store: Store, notice: str, tcn: str, hooks: Iterable[str], document: dict[str, Any] | None = None) -> None:
    """Every hook in `hooks` owes this notice (joins the caller's transaction; owing twice changes nothing)."""
    text = None if document is None else json.dumps(document, sort_keys=True)
    now = store.clock()
    with store.transaction() as conn:
        conn.executemany(
            "INSERT OR IGNORE INTO notices (notice, hook, tcn, document, created_at) VALUES (?, ?, ?, ?, ?)",
            [(notice, hook, tcn, text, now) for hook in hooks],
        )


def pending(store: Store, hooks: Iterable[str], limit: int = 200) -> list[Pending]:
    """What the configured `hooks` still owe and may try now, oldest first (a hook's documents stay in order)."""
    keys = list(hooks)
    if not keys:
        return []
    marks = ", ".join("?" for _ in keys)
    rows = store.query(
        f"SELECT * FROM notices WHERE delivered_at IS NULL AND attempts < ? AND hook IN ({marks}) "
        "ORDER BY created_at, rowid LIMIT ?",
        (MAX_ATTEMPTS, *keys, limit),
    )
    now = store.clock()
    out, blocked = [], set()
    for row in rows:
        if row["hook"] in blocked:
            continue
        if row["next_attempt_at"] > now:  # this hook is pausing: its later documents wait behind this one
            blocked.add(row["hook"])
            continue
        document = json.loads(row["document"]) if row["document"] else None
        out.append(Pending(row["notice"], row["hook"], row["tcn"], document, row["attempts"]))
    return out


def delivered(store: Store, notice: str, hook: str) -> None:
    store.execute(
        "UPDATE notices SET delivered_at = ?, attempts = attempts + 1 WHERE notice = ? AND hook = ?",
        (store.clock(), notice, hook),
    )


def failed(store: Store, notice: str, hook: str) -> None:
    """One more failed try; the hook pauses before the next (and gives up after MAX_ATTEMPTS)."""
    with store.transaction() as conn:
        row = conn.execute("SELECT attempts FROM notices WHERE notice = ? AND hook = ?", (notice, hook)).fetchone()
        attempts = (row[0] if row else 0) + 1
        conn.execute(
            "UPDATE notices SET attempts = ?, next_attempt_at = ? WHERE notice = ? AND hook = ?",
            (attempts, store.clock() + retry_delay(attempts), notice, hook),
        )


def undelivered(store: Store) -> dict[str, tuple[int, int]]:
    """Per hook: (documents still owed, documents given up on after MAX_ATTEMPTS), for the metrics."""
    rows = store.query(
        "SELECT hook, sum(attempts < ?) AS owed, sum(attempts >= ?) AS given_up FROM notices "
        "WHERE delivered_at IS NULL GROUP BY hook",
        (MAX_ATTEMPTS, MAX_ATTEMPTS),
    )
    return {row["hook"]: (int(row["owed"] or 0), int(row["given_up"] or 0)) for row in rows}
