"""A submission's answers as a timeline: any number per TCN, one per system and step, each kept once by its
`answer_id` however often or in whatever order the central hands it out.

    system             kind   outcome                                   step shown as
    criminal-history   SRE    hit / no-hit                              criminal history: HIT / no hit
    criminal-history   RPISR  red / yellow / green                      criminal history (rapid): ...
    criminal-history   ERRT   rejected                                  criminal history: rejected
    immigration        SRE    match / no-match                          immigration: MATCH / no match
    immigration        IAR    removable / lawful-status /               immigration determination: ...
                              no-determination / further-review

What a submission still waits for, and since when, is `waiting.py`'s. Each answer is shown (screen, audit) once and
notified (hooks) once, marked here so that a restart neither repeats nor loses it.

At rest, what the central returned about the person — the subject's number, the reason, the details (names, rap
sheet, encounters) and the signed document — is sealed per answer (AES-256-GCM under a fresh key wrapped by the
station's storage key, like a booking's working data); TCN, system, kind, outcome, priority level and the times are
in clear. Read without the storage key, an answer has its outcome but no details. Shredding (`shred`) destroys the
wrapped key and the sealed blob: what stays is what policy keeps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from station.crypto.storage import StorageKey, decrypt_blob, encrypt_blob
from station.errors import StorageError
from station.store import lifecycle
from station.store.db import Store
from station.store.events import record_event

CRIMINAL_HISTORY, IMMIGRATION, DETERMINATION = "criminal-history", "immigration", "immigration-determination"
STEPS = (CRIMINAL_HISTORY, IMMIGRATION, DETERMINATION)
STEP_NAMES = {
    CRIMINAL_HISTORY: "criminal history",
    IMMIGRATION: "immigration",
    DETERMINATION: "immigration determination",
}
OUTCOME_WORDS = {
    "hit": "HIT",
    "no-hit": "no hit",
    "red": "RED (identified)",
    "yellow": "YELLOW (possible match)",
    "green": "green (no record)",
    "rejected": "rejected",
    "match": "MATCH",
    "no-match": "no match",
    "removable": "removable",
    "lawful-status": "lawful status",
    "no-determination": "no determination possible",
    "further-review": "further review",
}
ATTENTION = ("hit", "red", "yellow", "match")  # the officer must see and acknowledge these


@dataclass(frozen=True)
class Answer:
    """One answer as the forwarder verified it (and as the store keeps it)."""

    answer_id: str
    tcn: str
    seq: int
    system: str
    kind: str
    outcome: str
    hit: bool | None
    subject_id: str | None
    reason: str | None
    details: dict[str, Any]
    expects: tuple[str, ...]
    answered_at: str  # the central's time (ISO)
    document: str  # canonical JSON as signed
    priority: int | None = None  # a determination's enforcement priority level
    received_at: float = 0.0
    acknowledged_by: str | None = None
    acknowledged_at: float | None = None

    @property
    def step(self) -> str:
        return DETERMINATION if self.kind == "IAR" else self.system

    @property
    def label(self) -> str:
        name = STEP_NAMES[self.step] + (" (rapid)" if self.kind == "RPISR" else "")
        words = OUTCOME_WORDS.get(self.outcome, self.outcome)
        if self.priority is not None:
            words += f", priority {self.priority}"
        return f"{name}: {words}"

    @property
    def attention(self) -> bool:
        return self.outcome in ATTENTION

    @classmethod
    def from_row(cls, row: dict[str, Any], key: StorageKey | None = None) -> Answer:
        """The answer of a row; its sealed part is opened when `key` (the storage key) is given."""
        sealed = _open(row, key) if key is not None else {}
        return cls(
            answer_id=row["answer_id"],
            tcn=row["tcn"],
            seq=row["seq"],
            system=row["system"],
            kind=row["kind"],
            outcome=row["outcome"],
            hit=None if row["hit"] is None else bool(row["hit"]),
            subject_id=sealed.get("subject_id"),
            reason=sealed.get("reason"),
            details=sealed.get("details") or {},
            expects=tuple(json.loads(row["expects"] or "[]")),
            answered_at=row["answered_at"],
            document=sealed.get("document") or "",
            priority=row["priority"],
            received_at=row["received_at"],
            acknowledged_by=row["acknowledged_by"],
            acknowledged_at=row["acknowledged_at"],
        )


def _aad(answer_id: str, tcn: str) -> bytes:
    return f"answer v1|{answer_id}|{tcn}".encode()


def _seal(answer: Answer, key: StorageKey) -> tuple[bytes, bytes]:
    data_key, wrapped = key.new_booking_key()
    plain = {
        "subject_id": answer.subject_id,
        "reason": answer.reason,
        "details": answer.details,
        "document": answer.document,
    }
    return encrypt_blob(data_key, json.dumps(plain).encode(), _aad(answer.answer_id, answer.tcn)), wrapped


def _open(row: dict[str, Any], key: StorageKey) -> dict[str, Any]:
    if not row.get("sealed") or not row.get("wrapped_key"):
        return {}  # shredded, or kept before answers were sealed
    data = decrypt_blob(key.unwrap(row["wrapped_key"]), row["sealed"], _aad(row["answer_id"], row["tcn"]))
    return json.loads(data)


ANSWER_COLUMNS = (
    "answer_id",
    "tcn",
    "seq",
    "system",
    "kind",
    "outcome",
    "hit",
    "priority",
    "expects",
    "answered_at",
    "received_at",
    "acknowledged_by",
    "acknowledged_at",
    "sealed",
    "wrapped_key",
)  # the columns an Answer is read from


class UnknownAnswer(StorageError):
    """No answer with this id."""


def record(store: Store, answer: Answer, key: StorageKey) -> bool:
    """Keep one verified answer, its personal part sealed under `key` (joins the caller's transaction). False when
    this answer_id is already kept.

    The first answer of a submission closes it in the outbox (`answered`, envelope dropped: the central holds it);
    later answers are added to the timeline. Raises `outbox.UnknownSubmission` for a TCN this station never sent."""
    from station.store.outbox import UnknownSubmission

    sealed, wrapped = _seal(answer, key)
    with store.transaction() as conn:
        row = conn.execute("SELECT state FROM submissions WHERE tcn = ?", (answer.tcn,)).fetchone()
        if row is None:
            raise UnknownSubmission(
                f"answer for unknown TCN {answer.tcn}", "the central answered another station's TCN"
            )
        if conn.execute("SELECT 1 FROM answers WHERE answer_id = ?", (answer.answer_id,)).fetchone():
            return False
        now = store.clock()
        conn.execute(
            "INSERT INTO answers (answer_id, tcn, seq, system, kind, outcome, hit, priority, expects, answered_at, "
            "received_at, sealed, wrapped_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                answer.answer_id,
                answer.tcn,
                answer.seq,
                answer.system,
                answer.kind,
                answer.outcome,
                None if answer.hit is None else int(answer.hit),
                answer.priority,
                json.dumps(list(answer.expects)),
                answer.answered_at,
                now,
                sealed,
                wrapped,
            ),
        )
        if row[0] != "answered":
            conn.execute(
                "UPDATE submissions SET state = 'answered', answered_at = ?, updated_at = ? WHERE tcn = ?",
                (now, now, answer.tcn),
            )
            conn.execute("DELETE FROM envelopes WHERE tcn = ?", (answer.tcn,))
            lifecycle.mark_answered(conn, answer.tcn, answer.kind, now)
        record_event(store, "answered", answer.label, answer.tcn)
    return True


def for_submission(store: Store, tcn: str, key: StorageKey | None = None) -> list[Answer]:
    """The submission's answers in the central's order (`seq`), whatever order they arrived in."""
    rows = store.query("SELECT * FROM answers WHERE tcn = ? ORDER BY seq", (tcn,))
    return [Answer.from_row(r, key) for r in rows]


def get(store: Store, answer_id: str, key: StorageKey | None = None) -> Answer:
    rows = store.query("SELECT * FROM answers WHERE answer_id = ?", (answer_id,))
    if not rows:
        raise UnknownAnswer(f"no answer {answer_id!r}", "see the booking's timeline for its answers")
    return Answer.from_row(rows[0], key)


def acknowledge(store: Store, answer_id: str, by: str) -> Answer:
    """The officer has seen this answer (the first acknowledgement counts; later ones change nothing)."""
    with store.transaction() as conn:
        answer = get(store, answer_id)
        if answer.acknowledged_at is None:
            now = store.clock()
            conn.execute(
                "UPDATE answers SET acknowledged_by = ?, acknowledged_at = ? WHERE answer_id = ?", (by, now, answer_id)
            )
            record_event(store, "acknowledged", f"{answer.label} acknowledged by {by}", answer.tcn)
    return get(store, answer_id)


def shred(store: Store, tcn: str) -> None:
    """Keep only TCN, system, kind, outcome, priority level and times of the submission's answers."""
    store.execute("UPDATE answers SET sealed = NULL, wrapped_key = NULL WHERE tcn = ?", (tcn,))


def unshown(store: Store, key: StorageKey, limit: int = 100) -> list[Answer]:
    """Answers not yet shown to their officer and audited, in arrival order."""
    rows = store.query("SELECT * FROM answers WHERE shown_at IS NULL ORDER BY received_at, seq LIMIT ?", (limit,))
    return [Answer.from_row(r, key) for r in rows]


def mark_shown(store: Store, answer_id: str) -> None:
    store.execute("UPDATE answers SET shown_at = ? WHERE answer_id = ?", (store.clock(), answer_id))
