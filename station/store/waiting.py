"""What a submission still waits for, since when, and when that is late.

A CAR waits for criminal history and immigration, a rapid search for criminal history alone; an immigration match
adds the determination (`expects`); a rejection (ERRT) ends the wait. Each awaited step has a service level
(`ServiceLevels`, configured in `[answers]`); past it the step is late. A late step is raised once (`mark_late`):
the daemon tells the booking's officer, the technicians, the notify hooks and the metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from station.store.answers import (
    ANSWER_COLUMNS,
    CRIMINAL_HISTORY,
    DETERMINATION,
    IMMIGRATION,
    STEP_NAMES,
    STEPS,
    Answer,
)
from station.store.db import Store
from station.store.events import record_event

EXPECTED_BY_TOT = {"RPIS": (CRIMINAL_HISTORY,)}
DEFAULT_EXPECTED = (CRIMINAL_HISTORY, IMMIGRATION)


@dataclass(frozen=True)
class ServiceLevels:
    """How long each step may take before it is late, in seconds (criminal history: minutes; determination:
    hours). Criminal history and immigration count from the submission's queuing, the determination from the
    arrival of the immigration match."""

    criminal_history_s: float = 15 * 60
    immigration_s: float = 15 * 60
    determination_s: float = 4 * 3600

    def of(self, step: str) -> float:
        return {
            CRIMINAL_HISTORY: self.criminal_history_s,
            IMMIGRATION: self.immigration_s,
            DETERMINATION: self.determination_s,
        }[step]


@dataclass(frozen=True)
class Awaited:
    """A step the submission still waits for."""

    tcn: str
    step: str
    since: float
    due_at: float

    def late(self, now: float) -> bool:
        return now > self.due_at

    def as_dict(self, now: float) -> dict[str, Any]:
        return {
            "tcn": self.tcn,
            "system": self.step,
            "label": STEP_NAMES[self.step],
            "since": self.since,
            "due_at": self.due_at,
            "outstanding_s": round(now - self.since, 1),
            "late": self.late(now),
        }


@dataclass
class _Progress:
    tot: str
    created_at: float
    protocol: int
    answers: list[Answer] = field(default_factory=list)


def expected(
    tcn: str, tot: str, answers: list[Answer], created_at: float, levels: ServiceLevels, protocol: int = 2
) -> list[Awaited]:
    """The steps still awaited, from the TOT and what has arrived (a rejection ends the wait). A submission answered
    under protocol 1 had criminal history only."""
    if any(a.kind == "ERRT" for a in answers):
        return []
    arrived = {a.step for a in answers}
    first = (CRIMINAL_HISTORY,) if protocol < 2 else EXPECTED_BY_TOT.get(tot, DEFAULT_EXPECTED)
    out = [Awaited(tcn, step, created_at, created_at + levels.of(step)) for step in first if step not in arrived]
    for answer in answers:
        for step in answer.expects:
            if step in STEPS and step not in arrived:
                arrived.add(step)
                out.append(Awaited(tcn, step, answer.received_at, answer.received_at + levels.of(step)))
    return out


def awaiting(store: Store, levels: ServiceLevels, tcn: str | None = None) -> list[Awaited]:
    """Every step still awaited (of one submission, or of all that are not failed), oldest due first."""
    where = "WHERE s.tcn = ?" if tcn else "WHERE s.state != 'failed'"
    columns = ", ".join(f"a.{c}" for c in ANSWER_COLUMNS)
    rows = store.query(
        f"SELECT s.tcn AS submission, s.tot AS tot, s.created_at AS created_at, s.protocol AS protocol, {columns} "
        "FROM submissions s "
        f"LEFT JOIN answers a ON a.tcn = s.tcn {where} ORDER BY s.tcn, a.seq",
        (tcn,) if tcn else (),
    )
    progress: dict[str, _Progress] = {}
    for row in rows:
        entry = progress.setdefault(row["submission"], _Progress(row["tot"], row["created_at"], row["protocol"]))
        if row["answer_id"]:
            entry.answers.append(Answer.from_row(row))
    out = []
    for key, entry in progress.items():
        out += expected(key, entry.tot, entry.answers, entry.created_at, levels, entry.protocol)
    return sorted(out, key=lambda a: a.due_at)


def owed(store: Store) -> bool:
    """Whether the central still owes an answer to a submission it already answered in part (the forwarder keeps
    polling for it: an immigration answer, or a determination hours after the match)."""
    rows = store.query(
        """SELECT 1 FROM submissions s WHERE s.state = 'answered' AND s.protocol >= 2
           AND NOT EXISTS (SELECT 1 FROM answers e WHERE e.tcn = s.tcn AND e.kind = 'ERRT')
           AND ((s.tot != 'RPIS' AND NOT EXISTS (SELECT 1 FROM answers i WHERE i.tcn = s.tcn
                                                 AND i.system = 'immigration'))
                OR EXISTS (SELECT 1 FROM answers m WHERE m.tcn = s.tcn AND m.expects LIKE '%immigration-determination%'
                           AND NOT EXISTS (SELECT 1 FROM answers d WHERE d.tcn = s.tcn AND d.kind = 'IAR')))
           LIMIT 1"""
    )
    return bool(rows)


def mark_late(store: Store, awaited: Awaited) -> bool:
    """Record that this awaited step went late; False when it was raised before (a restart raises nothing twice)."""
    with store.transaction() as conn:
        seen = conn.execute(
            "SELECT 1 FROM events WHERE tcn = ? AND kind = 'late' AND detail = ?", (awaited.tcn, awaited.step)
        ).fetchone()
        if seen:
            return False
        record_event(store, "late", awaited.step, awaited.tcn)
    return True


def late_counts(store: Store, levels: ServiceLevels, now: float) -> dict[str, int]:
    """How many awaited steps are late now, per step."""
    counts = dict.fromkeys(STEPS, 0)
    for awaited in awaiting(store, levels):
        if awaited.late(now):
            counts[awaited.step] += 1
    return counts


def late_total(store: Store) -> dict[str, int]:
    """How many awaited steps ever went late, per step (a counter: it survives the answer's arrival and restarts)."""
    counts = dict.fromkeys(STEPS, 0)
    for row in store.query("SELECT detail, count(*) AS n FROM events WHERE kind = 'late' GROUP BY detail"):
        if row["detail"] in counts:
            counts[row["detail"]] = row["n"]
    return counts
