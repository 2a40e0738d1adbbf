"""Answers as the forwarder hands them to the store after checking them (for the store's tests)."""

from __future__ import annotations

from station.crypto.storage import StorageKey
from station.store import answers

KEY = StorageKey.generate()  # the station's storage key, for the answers' sealed part


def an_answer(
    tcn: str, answer_id: str, seq: int, system: str, kind: str, outcome: str, **extra: object
) -> answers.Answer:
    """An answer as the forwarder hands it to the store after checking it."""
    fields: dict = {
        "hit": None if kind in ("ERRT", "IAR") else outcome in answers.ATTENTION,
        "subject_id": None,
        "reason": None,
        "details": {},
        "expects": (),
        "answered_at": "2026-01-01T00:00:00.000+00:00",
        "document": "{}",
    }
    fields.update(extra)
    return answers.Answer(answer_id=answer_id, tcn=tcn, seq=seq, system=system, kind=kind, outcome=outcome, **fields)
