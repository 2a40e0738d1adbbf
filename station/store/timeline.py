"""One submission's timeline, as the officer's screen, `station queue show` and the notify hooks tell it:

    queued -> sent -> accepted by the central -> criminal history: ... -> immigration: ... -> immigration
    determination: ...   and, for each step still awaited, when it is due and whether it is late.

The station's own steps are in time order; the central's answers follow in the central's order (`seq`), each once,
whatever order or how often they arrived; awaited steps come last.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from station.crypto.storage import StorageKey
from station.store import answers, outbox, waiting
from station.store.db import Store
from station.store.events import list_events

ACCEPTED_LABEL = "accepted by the central (signed receipt)"


def stamp(at: float | None) -> str | None:
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at else None


def _entry(at: float | None, step: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"at": at, "when": stamp(at), "step": step, "label": label, **extra}


def answer_entry(answer: answers.Answer) -> dict[str, Any]:
    acknowledged = (
        {"by": answer.acknowledged_by, "at": answer.acknowledged_at} if answer.acknowledged_at is not None else None
    )
    return _entry(
        answer.received_at,
        "answer",
        answer.label,
        answer_id=answer.answer_id,
        seq=answer.seq,
        system=answer.step,
        kind=answer.kind,
        outcome=answer.outcome,
        subject_id=answer.subject_id,
        reason=answer.reason,
        details=answer.details,
        attention=answer.attention,
        acknowledged=acknowledged,
    )


def timeline(
    store: Store,
    tcn: str,
    levels: waiting.ServiceLevels,
    now: float | None = None,
    key: StorageKey | None = None,
) -> list[dict[str, Any]]:
    """Every step of the submission so far, and the ones still awaited (raises UnknownSubmission). With the storage
    key, each answer also says what the system returned (details, subject, reason)."""
    now = store.clock() if now is None else now
    submission = outbox.get(store, tcn)
    steps = [_entry(submission.created_at, "queued", f"queued ({submission.tot}, priority {submission.priority})")]
    events = list_events(store, tcn, limit=1000)  # newest first
    sends = [e for e in events if e["kind"] == "sent"]
    if sends:
        first, last = sends[-1], sends[0]
        label = "sent to the central" + (f" ({len(sends)} attempts)" if len(sends) > 1 else "")
        steps.append(_entry(first["at"], "sent", label, last_attempt=last["at"]))
    if submission.accepted_at:
        steps.append(_entry(submission.accepted_at, "accepted", ACCEPTED_LABEL))
    if submission.state == "failed":
        steps.append(_entry(submission.updated_at, "failed", f"delivery failed: {submission.last_error}"))
    steps.sort(key=lambda e: e["at"] or 0)
    steps += [answer_entry(a) for a in answers.for_submission(store, tcn, key)]
    if submission.state != "failed":
        steps += [awaited_entry(awaited, now) for awaited in waiting.awaiting(store, levels, tcn)]
    return steps


def awaited_label(awaited: waiting.Awaited, now: float) -> str:
    """`immigration determination: late since ...` or `...: awaited, due by ...` (timeline, queue view, events)."""
    late = awaited.late(now)
    words = f"late since {stamp(awaited.due_at)}" if late else f"awaited, due by {stamp(awaited.due_at)}"
    return f"{answers.STEP_NAMES[awaited.step]}: {words}"


def awaited_entry(awaited: waiting.Awaited, now: float) -> dict[str, Any]:
    """A step still awaited, as a timeline line."""
    return _entry(
        None,
        "awaiting",
        awaited_label(awaited, now),
        system=awaited.step,
        since=awaited.since,
        due_at=awaited.due_at,
        late=awaited.late(now),
    )
