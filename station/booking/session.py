"""A booking session: the person's data, the capture plan and the state of every position, persisted as it goes.

This is the one model of a booking: the daemon's API operations each call one of its methods (`station.daemon`),
the CLI and the tests drive it directly. Per plan step the state runs PENDING -> CAPTURED -> ACCEPTED, or ANNOTATED
when every finger of the step is annotated as amputated (`XX`) or unable to print (`UP`). An annotation is about a
*finger*: it holds for every impression of it in the plan (flat, rolled, slap), and annotated fingers are not sought
when a slap is segmented. Each capture is an attempt, at most the agency's `max_attempts` usable ones per step; the
best attempt (highest NFIQ 2) is the one kept, so recapturing never makes a position worse. Accepting passes the
agency's quality gate (NFIQ 2 per kind of capture, every finger of a slap) and, for flats, the finger-count check;
either can be overridden by an officer, with a reason, when the agency allows it. The sequence check (rolled prints
against slap segments) must pass, or be overridden with a reason, before completion.

Image work is done by `station.booking.stages` (the daemon runs it in its process pool) and handed to `record`;
`capture_flat` / `capture_rolled` do both inline. Every change is saved through the `SessionStore` at once, images
before the state that names them. `station.booking.card` turns a session into the plan the API shows and the CAR.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from station.biometrics.image import FingerImage
from station.booking import gate, stages
from station.booking.persistence import SessionStore
from station.booking.plan import STEPS, AgencyPolicy, CaptureStep
from station.booking.records import (
    ANNOTATION_CODES,
    NO_PRINT,
    Annotation,
    Attempt,
    BookingError,
    CaptureOutcome,
    Override,
    PositionRecord,
    PositionState,
    now,
    position_from_dict,
    position_to_dict,
)
from station.booking.sequence_steps import SequenceSteps
from station.errors import InputError

if TYPE_CHECKING:  # segmentation and the sequence check pull in scipy: imported when first used
    from station.booking.segmentation import SlapSegmentation

__all__ = ["ANNOTATION_CODES", "NO_PRINT", "BookingError", "BookingSession", "CaptureOutcome", "PositionState"]


class BookingSession(SequenceSteps):
    """One person's booking. Create with `BookingSession.new(store, policy)`, reopen with `BookingSession.load`."""

    def __init__(self, store: SessionStore, policy: AgencyPolicy, session_id: str, created_at: str) -> None:
        self.store = store
        self.policy = policy
        self.session_id = session_id
        self.created_at = created_at
        self.status = "open"
        self.subject_fields: dict[str, Any] | None = None  # the form as typed (station.booking.subject_form)
        self.subject_problems: list[dict[str, str]] = []
        self.positions = {step.key: PositionRecord(step.key) for step in policy.steps}
        self.annotations: dict[int, Annotation] = {}
        self.sequence: dict | None = None  # last sequence report, its override, and the captures it covered
        self.scores: dict[str, float] = {}  # sequence-check comparisons made so far, by the templates' digests
        self.history: list[dict] = []
        self._images: dict[str, FingerImage] = {}
        self._segments: dict[str, SlapSegmentation] = {}

    # -- lifecycle -------------------------------------------------------------------------------------------------
    @classmethod
    def new(
        cls, store: SessionStore, policy: AgencyPolicy | None = None, session_id: str | None = None
    ) -> BookingSession:
        session = cls(store, policy or AgencyPolicy(), session_id or uuid.uuid4().hex[:16], now())
        session._log("created", policy=session.policy.name)
        return session

    @classmethod
    def load(cls, store: SessionStore, session_id: str) -> BookingSession:
        state = store.load_state(session_id)
        session = cls(store, AgencyPolicy.from_dict(state["policy"]), session_id, state["created_at"])
        session.status = state["status"]
        session.subject_fields = state.get("subject")
        session.subject_problems = list(state.get("subject_problems", []))
        session.positions.update({key: position_from_dict(key, rec) for key, rec in state["positions"].items()})
        session.annotations = {int(f): Annotation(**a) for f, a in state.get("annotations", {}).items()}
        session.sequence = state.get("sequence")
        session.scores = dict(state.get("scores", {}))
        session.history = list(state.get("history", []))
        return session

    def to_dict(self) -> dict:
        return {
            "session_id": self.session_id,
            "created_at": self.created_at,
            "status": self.status,
            "policy": self.policy.to_dict(),
            "subject": self.subject_fields,
            "subject_problems": self.subject_problems,
            "positions": {k: position_to_dict(r) for k, r in self.positions.items()},
            "annotations": {str(f): dataclasses.asdict(a) for f, a in self.annotations.items()},
            "sequence": self.sequence,
            "scores": self.scores,
            "history": self.history,
        }

    def _log(self, event: str, **details: object) -> None:
        self.history.append({"at": now(), "event": event, **details})
        self._save()

    def _save(self) -> None:
        self.store.save_state(self.session_id, self.to_dict())

    def _open(self) -> None:
        if self.status != "open":
            raise BookingError(f"booking {self.session_id} is {self.status}", "start a new booking")

    # -- subject ---------------------------------------------------------------------------------------------------
    def set_subject(self, subject: object) -> list[dict[str, str]]:
        """Keep the person's data (a `Subject` or the form's fields); returns its problems, each {field, message,
        severity}: errors (EBTS rules broken, the form unfinished) block completion, warnings do not."""
        from station.booking.subject_form import problems, to_fields

        self._open()
        fields = subject if isinstance(subject, dict) else to_fields(subject)  # type: ignore[arg-type]
        found = problems(fields)
        self.subject_fields = dict(fields)
        self.subject_problems = [p for p in found if p["severity"] == "error"]
        self._log("subject", problems=len(found))
        return found

    @property
    def subject(self) -> object | None:
        """The `station.formats.ebts.Subject` of the form, or None while it is not entered or cannot convert."""
        from station.booking.subject_form import to_subject

        if self.subject_fields is None:
            return None
        try:
            return to_subject(self.subject_fields)
        except InputError:
            return None

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
        self.annotations[finger] = Annotation(finger, code, reason.strip()[:200], officer.strip(), now())
        self._after_annotation_change(finger)
        self._log("annotate", finger=finger, code=code, officer=officer)

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
                unexcused = bool(self.acceptance_problems(step.key)) and not rec.overrides
                if rec.state is PositionState.ACCEPTED and (rec.attempts[rec.best].missing or unexcused):
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

    def check_attempt(self, key: str) -> CaptureStep:
        """Raise (naming the limit and what to do) when step `key` cannot take another capture now."""
        self._open()
        step = self.step(key)
        rec = self.positions[key]
        if rec.usable_attempts >= self.policy.max_attempts:
            raise BookingError(
                f"{step.label}: the agency allows {self.policy.max_attempts} attempt(s) and all were used",
                "accept the best attempt (with an override if it fails the quality gate) or annotate the finger",
            )
        return step

    def stage_excused(self, key: str) -> tuple[int, ...]:
        """The fingers of step `key` annotated XX/UP: `stages.analyse` does not seek them on the image."""
        return tuple(sorted(set(self.step(key).fingers) & self.no_print_fingers()))

    def capture_flat(self, key: str, image: FingerImage, device: str = "") -> CaptureOutcome:
        """A slap, two-thumb or plain-thumb capture: segmented, each finger scored with NFIQ 2 (inline)."""
        if not self.check_attempt(key).is_flat:
            raise InputError(f"{key} is a rolled step", "use capture_rolled")
        return self.record(key, stages.analyse(key, image.pixels, image.ppi, self.stage_excused(key)), device)

    def capture_rolled(
        self,
        key: str,
        frames: Sequence[np.ndarray] | None = None,
        ppi: float = 500.0,
        image: FingerImage | None = None,
        device: str = "",
    ) -> CaptureOutcome:
        """A rolled capture from the roll's frames (composed and checked for slips) or a composed image (inline)."""
        if self.check_attempt(key).is_flat:
            raise InputError(f"{key} is a flat step", "use capture_flat")
        if image is not None:
            return self.record(key, stages.analyse(key, image.pixels, image.ppi), device)
        if frames is None:
            raise InputError("capture_rolled needs the roll's frames or a composed image")
        return self.record(key, stages.analyse_frames(key, frames, ppi), device)

    def record(self, key: str, analysis: stages.Analysis, device: str = "") -> CaptureOutcome:
        """Keep one attempt of step `key` (its analysis from `stages`): the best attempt is what the step keeps."""
        step = self.check_attempt(key)
        rec = self.positions[key]
        attempt = Attempt(len(rec.attempts) + 1, now(), device=device)
        if analysis.encoded is None:
            attempt.retry_reason = analysis.retry_reason or "no usable image"
            rec.attempts.append(attempt)
            self._log("retry", key=key, attempt=attempt.number, reason=attempt.retry_reason)
            left = self.policy.max_attempts - rec.usable_attempts
            return CaptureOutcome(
                key, attempt.number, False, None, False, False, left, f"retry: {attempt.retry_reason}"
            )
        attempt.nfiq2, attempt.quality_note = analysis.nfiq2, analysis.quality_note
        attempt.fingers = [dict(f) for f in analysis.fingers]
        attempt.missing, attempt.extra_blobs = list(analysis.missing), analysis.extra_blobs
        attempt.image_ref = self.store.save_image(self.session_id, f"{key}-{attempt.number}", analysis.encoded)
        if analysis.templates:
            packed = stages.pack_templates(analysis.templates)
            attempt.template_ref = self.store.save_image(self.session_id, f"{key}-{attempt.number}-t", packed)
        rec.attempts.append(attempt)
        previous = rec.best_attempt
        is_best = previous is None or gate.rank(step, attempt) > gate.rank(step, previous)
        if is_best:
            rec.best = len(rec.attempts) - 1
            self._segments.pop(key, None)
        if rec.state is not PositionState.ANNOTATED:
            rec.state = PositionState.CAPTURED
        rec.accepted_by = None
        self.sequence = None
        best = rec.best_attempt
        assert best is not None
        problems = self.acceptance_problems(key)
        message = "ok: accept or recapture" if not problems else "; ".join(problems)
        self._log("capture", key=key, attempt=attempt.number, nfiq2=attempt.nfiq2, best=is_best)
        return CaptureOutcome(
            key,
            attempt.number,
            True,
            attempt.nfiq2,
            self._passes_gate(step, best),
            is_best,
            self.policy.max_attempts - rec.usable_attempts,
            message,
            tuple(problems),
            tuple(best.fingers),
            best.nfiq2,
        )

    def _passes_gate(self, step: CaptureStep, attempt: Attempt) -> bool:
        return gate.passes(self.policy, step, attempt)

    def acceptance_problems(self, key: str) -> list[str]:
        """What keeps step `key`'s best attempt from being accepted without an override."""
        return gate.problems(self.policy, STEPS[key], self.positions[key].best_attempt)

    def accept(self, key: str, officer: str, override_reason: str | None = None) -> None:
        """Accept the best attempt: below the gate or a blob too many needs an override reason; a finger lost, never."""
        self._open()
        step = self.step(key)
        rec = self.positions[key]
        if rec.best is None:
            raise BookingError(f"{step.label}: nothing captured to accept", "capture it, or annotate the finger")
        best = rec.attempts[rec.best]
        if step.is_flat and best.missing:  # the card's SEG needs one box per finger present: no override makes it so
            raise BookingError("; ".join(gate.count_problems(step, best)), "recapture, or annotate it XX/UP")
        problems = self.acceptance_problems(key)
        reason = (override_reason or "").strip()
        if problems:
            if not self.policy.allow_quality_override:
                raise BookingError(
                    "; ".join(problems) + f" (agency {self.policy.name} does not allow overriding the quality gate)",
                    "recapture, or annotate the finger(s) UP with a reason",
                )
            if not reason:
                raise BookingError(
                    "; ".join(problems), "recapture, or accept over the quality gate with an override and a reason"
                )
            kinds = ["quality"] * len(gate.quality_problems(self.policy, step, best))
            kinds += ["finger count"] * len(gate.count_problems(step, best))
            rec.overrides.extend(Override(what, officer, reason[:200], now()) for what in kinds)
        rec.state = PositionState.ACCEPTED
        rec.accepted_by = officer
        self.sequence = None
        self._log("accept", key=key, officer=officer, override=bool(problems))

    # -- images and segments ---------------------------------------------------------------------------------------
    def image_bytes(self, key: str) -> bytes | None:
        """The kept image of a step's best attempt (WSQ, 500 ppi)."""
        best = self.positions[key].best_attempt
        if best is None or best.image_ref is None:
            return None
        return self.store.load_image(self.session_id, best.image_ref)

    def image(self, key: str) -> FingerImage | None:
        """The best image of a step (500 ppi)."""
        best = self.positions[key].best_attempt
        if best is None or best.image_ref is None:
            return None
        if best.image_ref not in self._images:
            self._images[best.image_ref] = stages.decode(self.store.load_image(self.session_id, best.image_ref))
        return self._images[best.image_ref]

    def segmentation(self, key: str) -> SlapSegmentation | None:
        image = self.image(key)
        if image is None:
            return None
        if key not in self._segments:
            from station.booking.segmentation import segment_slap

            self._segments[key] = segment_slap(image, STEPS[key].hand, self.no_print_fingers())
        return self._segments[key]

    def _resegment(self, step: CaptureStep, rec: PositionRecord) -> None:
        self._segments.pop(step.key, None)
        seg = self.segmentation(step.key)
        best = rec.best_attempt
        if seg is None or best is None:
            return
        old = {f["position"]: f for f in best.fingers}
        best.fingers = [
            {
                **f.as_dict(),
                "nfiq2": old.get(f.position, {}).get("nfiq2"),
                "quality_note": old.get(f.position, {}).get("quality_note"),
            }
            for f in seg.fingers
        ]
        best.missing = list(seg.missing)
        best.extra_blobs = seg.extra_blobs
        best.template_ref = None  # the fingers' boxes changed: the sequence check cuts and extracts them again

    # -- completion ------------------------------------------------------------------------------------------------
    def completion_problems(self) -> list[str]:
        """Everything that keeps the booking from being submitted, one line each, naming the step or field."""
        problems = []
        if self.subject_fields is None:
            problems.append("the person's data is not entered")
        problems += [
            f"subject: {(p['field'] + ': ') if p['field'] else ''}{p['message']}" for p in self.subject_problems
        ]
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
