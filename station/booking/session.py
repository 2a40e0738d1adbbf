"""A booking session: the person's data, the capture plan and the state of every position, persisted as it goes.

Per plan step the state runs PENDING -> CAPTURED -> ACCEPTED, or ANNOTATED when every finger of the step is
annotated as amputated (`XX`) or unable to print (`UP`). Each capture is an attempt; the best attempt (highest
NFIQ 2) is the one kept, so recapturing never makes a position worse. Accepting passes the agency's quality gate
(NFIQ 2 per kind of capture, every finger of a slap) and, for flats, the finger-count check (fingers found == fingers
expected less amputations); either can be overridden by an officer, who must give a reason, when the agency allows.
The sequence check (rolled prints against slap segments) runs before completion; its errors must be fixed by
recapture, or overridden with a reason.

Completion needs: a subject without EBTS errors, every step accepted or annotated, and a clean (or overridden)
sequence check when the agency requires one. Every change is saved through the `SessionStore` at once, images
before the state that names them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from station.biometrics.image import FingerImage, to_canonical
from station.booking.persistence import SessionStore
from station.booking.plan import STEPS, AgencyPolicy, CaptureStep, finger_name
from station.booking.rolled import compose_rolled
from station.booking.segmentation import SlapSegmentation, segment_slap
from station.booking.sequence import Comparator, SequenceReport, check_sequence
from station.errors import InputError, StationError

ANNOTATION_CODES = {"XX": "amputated", "UP": "unable to print", "SR": "scarred"}
NO_PRINT = ("XX", "UP")  # codes that excuse a finger from capture


class BookingError(StationError):
    """A booking step that cannot be done now; the message says what to do instead."""


class PositionState(enum.StrEnum):
    PENDING = "pending"
    CAPTURED = "captured"
    ACCEPTED = "accepted"
    ANNOTATED = "annotated"


def _now() -> str:
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


@dataclass(frozen=True)
class CaptureOutcome:
    """What the officer sees after a capture."""

    key: str
    attempt: int
    usable: bool
    nfiq2: int | None
    passes_gate: bool
    is_best: bool
    attempts_left: int
    message: str
    segmentation: SlapSegmentation | None = None


class BookingSession:
    """One person's booking. Create with `BookingSession.new(store, policy)`, reopen with `BookingSession.load`."""

    def __init__(self, store: SessionStore, policy: AgencyPolicy, session_id: str, created_at: str) -> None:
        self.store = store
        self.policy = policy
        self.session_id = session_id
        self.created_at = created_at
        self.status = "open"
        self.subject = None  # station.formats.ebts.Subject
        self.subject_problems: list[str] = []
        self.positions = {step.key: PositionRecord(step.key) for step in policy.steps}
        self.annotations: dict[int, Annotation] = {}
        self.sequence: dict | None = None  # last sequence report (as_dict) and the captures it covered
        self.history: list[dict] = []
        self._images: dict[str, np.ndarray] = {}
        self._segments: dict[str, SlapSegmentation] = {}

    # -- lifecycle -------------------------------------------------------------------------------------------------
    @classmethod
    def new(
        cls, store: SessionStore, policy: AgencyPolicy | None = None, session_id: str | None = None
    ) -> BookingSession:
        session = cls(store, policy or AgencyPolicy(), session_id or uuid.uuid4().hex[:16], _now())
        session._log("created", policy=session.policy.name)
        return session

    @classmethod
    def load(cls, store: SessionStore, session_id: str) -> BookingSession:
        state = store.load_state(session_id)
        session = cls(store, AgencyPolicy.from_dict(state["policy"]), session_id, state["created_at"])
        session.status = state["status"]
        session.subject = _subject_from_dict(state["subject"]) if state.get("subject") else None
        session.subject_problems = list(state.get("subject_problems", []))
        for key, rec in state["positions"].items():
            session.positions[key] = PositionRecord(
                key,
                PositionState(rec["state"]),
                [Attempt(**a) for a in rec["attempts"]],
                rec["best"],
                [Override(**o) for o in rec["overrides"]],
                rec.get("accepted_by"),
            )
        session.annotations = {int(f): Annotation(**a) for f, a in state.get("annotations", {}).items()}
        session.sequence = state.get("sequence")
        session.history = list(state.get("history", []))
        return session

    def to_dict(self) -> dict:
        return {
            "session_id": self.session_id,
            "created_at": self.created_at,
            "status": self.status,
            "policy": self.policy.to_dict(),
            "subject": _subject_to_dict(self.subject) if self.subject is not None else None,
            "subject_problems": self.subject_problems,
            "positions": {
                k: {
                    "state": r.state.value,
                    "attempts": [dataclasses.asdict(a) for a in r.attempts],
                    "best": r.best,
                    "overrides": [dataclasses.asdict(o) for o in r.overrides],
                    "accepted_by": r.accepted_by,
                }
                for k, r in self.positions.items()
            },
            "annotations": {str(f): dataclasses.asdict(a) for f, a in self.annotations.items()},
            "sequence": self.sequence,
            "history": self.history,
        }

    def _save(self) -> None:
        self.store.save_state(self.session_id, self.to_dict())

    def _log(self, event: str, **details: object) -> None:
        self.history.append({"at": _now(), "event": event, **details})
        self._save()

    def _open(self) -> None:
        if self.status != "open":
            raise BookingError(f"booking {self.session_id} is {self.status}", "start a new booking")

    # -- subject ---------------------------------------------------------------------------------------------------
    def set_subject(self, subject: object) -> list[str]:
        """Store the person's data; returns the EBTS problems (errors block completion, warnings do not)."""
        from station.formats.ebts import validate_subject

        self._open()
        problems = validate_subject(subject)  # type: ignore[arg-type]
        self.subject = subject
        self.subject_problems = [str(p) for p in problems if p.severity == "error"]
        self._log("subject", problems=[str(p) for p in problems])
        return [str(p) for p in problems]

    # -- annotations -----------------------------------------------------------------------------------------------
    def annotate(self, finger: int, code: str, reason: str, officer: str) -> None:
        """Mark a finger XX (amputated), UP (unable to print) or SR (scarred), with the officer's reason."""
        self._open()
        if finger not in range(1, 11):
            raise InputError(f"finger position {finger} is not 1-10")
        if code not in ANNOTATION_CODES:
            raise InputError(f"annotation code {code!r} is unknown", f"use one of {', '.join(ANNOTATION_CODES)}")
        if not reason.strip() or not officer.strip():
            raise InputError("an annotation needs the officer's name and a reason")
        self.annotations[finger] = Annotation(finger, code, reason.strip(), officer.strip(), _now())
        self._after_annotation_change(finger)
        self._log("annotate", finger=finger, code=code, reason=reason, officer=officer)

    def remove_annotation(self, finger: int, officer: str) -> None:
        self._open()
        if self.annotations.pop(finger, None) is not None:
            self._after_annotation_change(finger)
            self._log("annotation removed", finger=finger, officer=officer)

    def no_print_fingers(self) -> frozenset[int]:
        return frozenset(f for f, a in self.annotations.items() if a.code in NO_PRINT)

    def _after_annotation_change(self, finger: int) -> None:
        excused = self.no_print_fingers()
        for step in self.policy.steps:
            if finger not in step.fingers:
                continue
            rec = self.positions[step.key]
            all_excused = all(f in excused for f in step.fingers)
            if all_excused and rec.state in (PositionState.PENDING, PositionState.CAPTURED):
                rec.state = PositionState.ANNOTATED
            elif not all_excused and rec.state is PositionState.ANNOTATED:
                rec.state = PositionState.CAPTURED if rec.best is not None else PositionState.PENDING
            if step.is_flat and rec.best is not None:
                self._resegment(step, rec)
                if rec.state is PositionState.ACCEPTED and self._acceptance_problems(step, rec) and not rec.overrides:
                    rec.state = PositionState.CAPTURED  # the count changed under it: the officer looks again
                    rec.accepted_by = None
        self.sequence = None

    # -- captures --------------------------------------------------------------------------------------------------
    def step(self, key: str) -> CaptureStep:
        if key not in self.positions:
            raise InputError(f"step {key!r} is not in this booking's plan", f"plan: {', '.join(self.policy.order)}")
        return STEPS[key]

    def next_step(self) -> CaptureStep | None:
        """The first step of the plan still waiting for a capture or an acceptance."""
        for step in self.policy.steps:
            if self.positions[step.key].state in (PositionState.PENDING, PositionState.CAPTURED):
                return step
        return None

    def _new_attempt(self, rec: PositionRecord, device: str) -> Attempt:
        usable = sum(1 for a in rec.attempts if a.usable)
        if usable >= self.policy.max_attempts:
            raise BookingError(
                f"{rec.key}: {usable} attempts already (agency limit {self.policy.max_attempts})",
                "accept the best attempt (with an override if it fails the quality gate) or annotate the finger",
            )
        return Attempt(len(rec.attempts) + 1, _now(), device=device)

    def capture_flat(self, key: str, image: FingerImage, device: str = "") -> CaptureOutcome:
        """A slap, two-thumb or plain-thumb capture: segmented, each finger scored with NFIQ 2."""
        from station.biometrics.quality import score_pixels

        self._open()
        step = self.step(key)
        if not step.is_flat:
            raise InputError(f"{key} is a rolled step", "use capture_rolled")
        rec = self.positions[key]
        attempt = self._new_attempt(rec, device)
        canonical = to_canonical(image)
        seg = segment_slap(canonical, step.hand, self.no_print_fingers())
        scores = {}
        for finger in seg.fingers:
            scores[finger.position] = score_pixels(finger.image.pixels)
        attempt.fingers = [
            {**f.as_dict(), "nfiq2": scores[f.position].score, "quality_note": scores[f.position].reason}
            for f in seg.fingers
        ]
        attempt.missing = list(seg.missing)
        attempt.extra_blobs = seg.extra_blobs
        values = [s.score for s in scores.values()]
        attempt.nfiq2 = min((v for v in values if v is not None), default=None) if None not in values else None
        if not seg.fingers:
            attempt.quality_note = "no finger found in the image"
        elif None in values:
            attempt.quality_note = "a finger could not be scored"
        name = f"{key}-{attempt.number}"
        attempt.image_ref = self.store.save_image(self.session_id, name, canonical.pixels)
        self._images[attempt.image_ref] = canonical.pixels
        return self._record(step, rec, attempt, seg)

    def capture_rolled(
        self,
        key: str,
        frames: Sequence[np.ndarray] | None = None,
        ppi: float = 500.0,
        image: FingerImage | None = None,
        device: str = "",
    ) -> CaptureOutcome:
        """A rolled capture from the roll's frames (composed and checked for slips here) or a composed image."""
        from station.biometrics.quality import score_pixels

        self._open()
        step = self.step(key)
        if step.is_flat:
            raise InputError(f"{key} is a flat step", "use capture_flat")
        rec = self.positions[key]
        attempt = self._new_attempt(rec, device)
        if image is None:
            if frames is None:
                raise InputError("capture_rolled needs the roll's frames or a composed image")
            rolled = compose_rolled([np.asarray(f, dtype=np.uint8) for f in frames], ppi)
            if not rolled.ok:
                attempt.retry_reason = rolled.retry_reason
                rec.attempts.append(attempt)
                self._log("retry", key=key, attempt=attempt.number, reason=rolled.retry_reason)
                return CaptureOutcome(
                    key,
                    attempt.number,
                    False,
                    None,
                    False,
                    False,
                    self.policy.max_attempts - sum(a.usable for a in rec.attempts),
                    f"retry: {rolled.retry_reason}",
                )
            image = rolled.image
        canonical = to_canonical(image)  # type: ignore[arg-type]
        result = score_pixels(canonical.pixels)
        attempt.nfiq2, attempt.quality_note = result.score, result.reason
        attempt.image_ref = self.store.save_image(self.session_id, f"{key}-{attempt.number}", canonical.pixels)
        self._images[attempt.image_ref] = canonical.pixels
        return self._record(step, rec, attempt, None)

    def _record(
        self, step: CaptureStep, rec: PositionRecord, attempt: Attempt, seg: SlapSegmentation | None
    ) -> CaptureOutcome:
        rec.attempts.append(attempt)
        previous = rec.best_attempt
        is_best = previous is None or (attempt.nfiq2 or -1) > (previous.nfiq2 or -1)
        if is_best:
            rec.best = len(rec.attempts) - 1
            if seg is not None:
                self._segments[step.key] = seg
        if rec.state is not PositionState.ANNOTATED:
            rec.state = PositionState.CAPTURED
        rec.accepted_by = None
        self.sequence = None
        passes = self._passes_gate(step, rec.best_attempt)  # type: ignore[arg-type]
        left = self.policy.max_attempts - sum(a.usable for a in rec.attempts)
        problems = self._acceptance_problems(step, rec)
        message = "ok: accept or recapture" if not problems else "; ".join(problems)
        self._log("capture", key=step.key, attempt=attempt.number, nfiq2=attempt.nfiq2, best=is_best)
        return CaptureOutcome(step.key, attempt.number, True, attempt.nfiq2, passes, is_best, left, message, seg)

    def _passes_gate(self, step: CaptureStep, attempt: Attempt) -> bool:
        threshold = self.policy.threshold(step)
        if step.is_flat:
            scores = [f["nfiq2"] for f in attempt.fingers]
            return bool(scores) and all(s is not None and s >= threshold for s in scores)
        return attempt.nfiq2 is not None and attempt.nfiq2 >= threshold

    def _acceptance_problems(self, step: CaptureStep, rec: PositionRecord) -> list[str]:
        best = rec.best_attempt
        if best is None:
            return [f"{step.label}: not captured yet"]
        problems = []
        if not self._passes_gate(step, best):
            problems.append(
                f"{step.label}: NFIQ 2 below the agency's {self.policy.threshold(step)} "
                f"(best {best.nfiq2 if best.nfiq2 is not None else 'not scorable'}): recapture"
            )
        if step.is_flat and (best.missing or best.extra_blobs):
            found = len(best.fingers)
            expected = len(best.fingers) + len(best.missing)
            problems.append(
                f"{step.label}: {found} finger(s) found, {expected} expected "
                f"(missing: {', '.join(finger_name(f) for f in best.missing) or 'none'}"
                f"{f'; {best.extra_blobs} extra' if best.extra_blobs else ''}): recapture, or annotate "
                "a missing finger XX/UP"
            )
        return problems

    def accept(self, key: str, officer: str, override_reason: str | None = None) -> None:
        """Accept the best attempt; a failed gate or finger count needs `override_reason` (agency permitting)."""
        self._open()
        step = self.step(key)
        rec = self.positions[key]
        if rec.best is None:
            raise BookingError(f"{step.label}: nothing captured to accept", "capture it, or annotate the finger")
        problems = self._acceptance_problems(step, rec)
        if problems:
            if not override_reason or not override_reason.strip():
                raise BookingError("; ".join(problems), "recapture, or accept with an override and a reason")
            if not self.policy.allow_quality_override:
                raise BookingError("; ".join(problems), f"agency {self.policy.name} allows no override: recapture")
            for p in problems:
                what = "finger count" if "expected" in p else "quality"
                rec.overrides.append(Override(what, officer, override_reason.strip(), _now()))
        rec.state = PositionState.ACCEPTED
        rec.accepted_by = officer
        self._log("accept", key=key, officer=officer, override=override_reason)

    # -- images and segments ---------------------------------------------------------------------------------------
    def image(self, key: str) -> FingerImage | None:
        """The best image of a step (500 ppi)."""
        best = self.positions[key].best_attempt
        if best is None or best.image_ref is None:
            return None
        if best.image_ref not in self._images:
            self._images[best.image_ref] = self.store.load_image(self.session_id, best.image_ref)
        return FingerImage(self._images[best.image_ref], 500.0)

    def segmentation(self, key: str) -> SlapSegmentation | None:
        rec = self.positions[key]
        if rec.best is None:
            return None
        if key not in self._segments:
            self._resegment(STEPS[key], rec)
        return self._segments.get(key)

    def _resegment(self, step: CaptureStep, rec: PositionRecord) -> None:
        image = self.image(step.key)
        if image is None:
            return
        seg = segment_slap(image, step.hand, self.no_print_fingers())
        self._segments[step.key] = seg
        best = rec.best_attempt
        old = {f["position"]: f for f in best.fingers}  # type: ignore[union-attr]
        best.fingers = [
            {
                **f.as_dict(),
                "nfiq2": old.get(f.position, {}).get("nfiq2"),  # type: ignore[union-attr]
                "quality_note": old.get(f.position, {}).get("quality_note"),
            }
            for f in seg.fingers
        ]
        best.missing = list(seg.missing)  # type: ignore[union-attr]
        best.extra_blobs = seg.extra_blobs  # type: ignore[union-attr]

    # -- sequence check --------------------------------------------------------------------------------------------
    def run_sequence_check(self, comparator: Comparator) -> SequenceReport:
        rolled, segments = {}, {}
        for step in self.policy.steps:
            rec = self.positions[step.key]
            if rec.best is None or rec.state is PositionState.ANNOTATED:
                continue
            if step.is_flat:
                seg = self.segmentation(step.key)
                for finger in seg.fingers if seg else ():
                    segments[finger.position] = finger.image
            else:
                rolled[step.fingers[0]] = self.image(step.key)
        report = check_sequence(rolled, segments, comparator)
        self.sequence = {"report": report.as_dict(), "override": None, "at": _now()}
        self._log("sequence check", ok=report.ok, errors=list(report.errors))
        return report

    def override_sequence(self, officer: str, reason: str) -> None:
        if self.sequence is None:
            raise BookingError("no sequence check has run", "run the sequence check first")
        if not reason.strip():
            raise InputError("a sequence override needs a reason")
        self.sequence["override"] = dataclasses.asdict(Override("sequence", officer, reason.strip(), _now()))
        self._log("sequence override", officer=officer, reason=reason)

    # -- completion ------------------------------------------------------------------------------------------------
    def completion_problems(self) -> list[str]:
        problems = []
        if self.subject is None:
            problems.append("the person's data is not entered")
        problems += [f"subject: {p}" for p in self.subject_problems]
        for step in self.policy.steps:
            rec = self.positions[step.key]
            if rec.state in (PositionState.PENDING, PositionState.CAPTURED):
                verb = "capture" if rec.state is PositionState.PENDING else "accept"
                problems.append(f"{step.label}: {rec.state.value}: {verb} it, or annotate the finger(s) XX/UP")
        if self.policy.require_sequence_check:
            if self.sequence is None:
                problems.append("the sequence check has not run on the accepted captures")
            elif not self.sequence["report"]["ok"] and not self.sequence["override"]:
                problems += [f"sequence: {e}" for e in self.sequence["report"]["errors"]]
        return problems

    def complete(self, officer: str) -> None:
        problems = self.completion_problems()
        if problems:
            raise BookingError("the booking is not complete: " + "; ".join(problems))
        self.status = "completed"
        self._log("completed", officer=officer)

    def to_ebts_booking(self) -> object:
        """The `station.formats.ebts.Booking` of a completed session."""
        from station.formats.ebts import Booking, FingerQuality, PrintImage, SegmentBox

        if self.status != "completed":
            raise BookingError("only a completed booking becomes a transaction", "complete the booking first")
        images = []
        for step in self.policy.steps:
            rec = self.positions[step.key]
            best = rec.best_attempt
            if rec.state is not PositionState.ACCEPTED or best is None:
                continue
            pixels = self.image(step.key).pixels  # type: ignore[union-attr]
            notes = {f: self.annotations[f].code for f in step.fingers if f in self.annotations}
            if step.is_flat:
                quality = tuple(
                    FingerQuality(f["position"], f["nfiq2"] if f["nfiq2"] is not None else 255) for f in best.fingers
                )
                segments = ()
                if step.kind in ("slap", "thumbs"):
                    segments = tuple(
                        SegmentBox(
                            f["position"],
                            f["box"]["left"],
                            f["box"]["right"] - 1,
                            f["box"]["top"],
                            f["box"]["bottom"] - 1,
                        )
                        for f in best.fingers
                    )
                images.append(PrintImage(step.fgp, pixels, quality=quality, segments=segments, annotations=notes))
            else:
                score = best.nfiq2 if best.nfiq2 is not None else 255
                images.append(
                    PrintImage(step.fgp, pixels, quality=(FingerQuality(step.fgp, score),), annotations=notes)
                )
        rolled_present = {
            STEPS[k].fingers[0]
            for k, r in self.positions.items()
            if STEPS[k].kind == "rolled" and r.state is PositionState.ACCEPTED
        }
        missing = {f: a.code for f, a in self.annotations.items() if a.code in NO_PRINT and f not in rolled_present}
        return Booking(self.subject, images, missing=missing)  # type: ignore[arg-type]

    def build_transaction(self, agency: object, tcn: str) -> object:
        """The EBTS CAR (station.formats.ansi_nist.Transaction) of the completed booking."""
        from station.formats.ebts import build_car

        return build_car(self.to_ebts_booking(), agency, tcn)  # type: ignore[arg-type]


def _subject_to_dict(subject: object) -> dict:
    data = dataclasses.asdict(subject)  # type: ignore[call-overload]

    def conv(value: object) -> object:
        if isinstance(value, dt.date):
            return {"date": value.isoformat()}
        if isinstance(value, list):
            return [conv(v) for v in value]
        if isinstance(value, dict):
            return {k: conv(v) for k, v in value.items()}
        return value

    return conv(data)  # type: ignore[return-value]


def _subject_from_dict(data: dict) -> object:
    from station.formats.ebts import Offense, Subject

    def conv(value: object) -> object:
        if isinstance(value, dict) and set(value) == {"date"}:
            return dt.date.fromisoformat(value["date"])
        if isinstance(value, list):
            return [conv(v) for v in value]
        if isinstance(value, dict):
            return {k: conv(v) for k, v in value.items()}
        return value

    fields = {k: conv(v) for k, v in data.items()}
    fields["offenses"] = [Offense(**o) for o in fields.get("offenses", [])]
    return Subject(**fields)
