"""What a booking session records: per plan step its attempts (best-of-N), overrides and state; per finger its
annotation; and what the officer is told after a capture. Plain data, saved as JSON by the session."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass, field

from station.errors import StationError

ANNOTATION_CODES = {"XX": "amputated", "UP": "unable to print", "SR": "scarred"}
NO_PRINT = ("XX", "UP")  # codes that excuse a finger from capture


class BookingError(StationError):
    """A booking step that cannot be done now; the message says what to do instead."""


class PositionState(enum.StrEnum):
    PENDING = "pending"
    CAPTURED = "captured"
    ACCEPTED = "accepted"
    ANNOTATED = "annotated"


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class Attempt:
    number: int
    captured_at: str
    image_ref: str | None = None  # None when the capture had to be retried (no usable image)
    nfiq2: int | None = None  # rolled: its score; flats: the lowest finger score
    quality_note: str | None = None  # why a score is missing
    fingers: list[dict] = field(default_factory=list)  # flats: per finger position, box, angle, nfiq2
    missing: list[int] = field(default_factory=list)  # flats: expected fingers not found
    extra_blobs: int = 0
    retry_reason: str | None = None
    device: str = ""
    template_ref: str | None = None  # the templates made at capture (by finger), for the sequence check

    @property
    def usable(self) -> bool:
        return self.image_ref is not None and self.retry_reason is None


@dataclass
class Override:
    what: str  # "quality", "finger count", "sequence"
    officer: str
    reason: str
    at: str


@dataclass
class Annotation:
    finger: int
    code: str  # XX, UP, SR
    reason: str
    officer: str
    at: str


@dataclass
class PositionRecord:
    key: str
    state: PositionState = PositionState.PENDING
    attempts: list[Attempt] = field(default_factory=list)
    best: int | None = None  # index into attempts
    overrides: list[Override] = field(default_factory=list)
    accepted_by: str | None = None

    @property
    def best_attempt(self) -> Attempt | None:
        return self.attempts[self.best] if self.best is not None else None

    @property
    def usable_attempts(self) -> int:
        return sum(1 for a in self.attempts if a.usable)


@dataclass(frozen=True)
class CaptureOutcome:
    """What the officer sees after a capture: this attempt, and the best one the position keeps."""

    key: str
    attempt: int
    usable: bool
    nfiq2: int | None  # this attempt's
    passes_gate: bool  # the best attempt passes the agency's NFIQ 2 gate
    is_best: bool
    attempts_left: int
    message: str
    problems: tuple[str, ...] = ()  # what keeps the best attempt from being accepted without an override
    fingers: tuple[dict, ...] = ()  # flats: the best attempt's fingers (position, box, nfiq2)
    best_nfiq2: int | None = None  # the best attempt's (the one the position keeps)


def position_to_dict(rec: PositionRecord) -> dict:
    return {
        "state": rec.state.value,
        "attempts": [dataclasses.asdict(a) for a in rec.attempts],
        "best": rec.best,
        "overrides": [dataclasses.asdict(o) for o in rec.overrides],
        "accepted_by": rec.accepted_by,
    }


def position_from_dict(key: str, data: dict) -> PositionRecord:
    return PositionRecord(
        key,
        PositionState(data["state"]),
        [Attempt(**a) for a in data["attempts"]],
        data["best"],
        [Override(**o) for o in data["overrides"]],
        data.get("accepted_by"),
    )
