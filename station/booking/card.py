"""A booking session as a card: the plan with every position's state (what `booking.get` returns and the screens
render as it is), and the EBTS booking its CAR is built from (`station.formats.ebts.build_car`).

A step of the plan is also a scanner slot `kind:position` (slaps 13/14/15 are `slap:`, plain thumbs 11/12 are
`flat:`, rolls 1-10 are `rolled:`): the API names captures by slot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from station.booking.plan import STEPS, CaptureStep
from station.booking.records import NO_PRINT, BookingError, PositionState

if TYPE_CHECKING:
    from station.booking.session import BookingSession


def slot_of(step: CaptureStep) -> str:
    """The scanner capture `kind:position` that produces a plan step."""
    kind = {"slap": "slap", "thumbs": "slap", "plain_thumb": "flat"}.get(step.kind, "rolled")
    return f"{kind}:{step.fgp}"


def step_of(session: BookingSession, slot: str) -> CaptureStep:
    """The step of the session's plan a scanner slot captures."""
    for step in session.policy.steps:
        if slot_of(step) == slot:
            return step
    raise BookingError(f"{slot} is not a capture of this booking's plan", "use a slot of booking.get's plan")


def plan(session: BookingSession) -> list[dict[str, Any]]:
    """Each step of the plan: its key, label, slot, fingers, state, the kept attempt's NFIQ 2 and the gate, the
    attempts used and allowed, what keeps it from being accepted, its override or the annotation that excuses it."""
    excused = session.no_print_fingers()
    steps = []
    for step in session.policy.steps:
        rec = session.positions[step.key]
        best = rec.best_attempt
        kind, position = slot_of(step).split(":")
        entry: dict[str, Any] = {
            "key": step.key,
            "label": step.label,
            "kind": kind,
            "position": int(position),
            "slot": slot_of(step),
            "fingers": list(step.fingers),
            "state": rec.state.value,
            "nfiq2": best.nfiq2 if best else None,
            "threshold": session.policy.threshold(step),
            "gate": session.policy.threshold(step),  # the screens colour a score by it
            "attempts": rec.usable_attempts,
            "max_attempts": session.policy.max_attempts,
            "limit_reached": rec.usable_attempts >= session.policy.max_attempts,
            "missing": sorted(set(step.fingers) & excused),  # fingers not expected on the image
            "problems": session.acceptance_problems(step.key) if best and rec.state is PositionState.CAPTURED else [],
            "override": bool(rec.overrides),  # accepted below the gate (or the finger count), with a reason
        }
        notes = [session.annotations[f] for f in step.fingers if f in session.annotations]
        if notes:
            entry.update(annotation=notes[0].code, reason=notes[0].reason)
        steps.append(entry)
    return steps


def next_step(session: BookingSession) -> str | None:
    step = session.next_step()
    return step.key if step else None


def ebts_booking(session: BookingSession, device: object = None) -> object:
    """The `station.formats.ebts.Booking` of a complete session (raises BookingError naming what is missing).

    Images go as kept (WSQ, compressed once when captured). A finger annotated XX/UP with no rolled print is
    2.084 AMP (and 14.018 AMP on its slap); an annotation on a printed finger is 14.018 AMP on its records."""
    from station.formats.ebts import Booking, FingerQuality, PrintImage, SegmentBox

    problems = session.completion_problems()
    if problems:
        raise BookingError("the booking is not complete: " + "; ".join(problems), "capture, accept or annotate them")
    images = []
    for step in session.policy.steps:
        rec = session.positions[step.key]
        best = rec.best_attempt
        if rec.state is not PositionState.ACCEPTED or best is None:
            continue
        data = session.image_bytes(step.key)
        notes = {f: session.annotations[f].code for f in step.fingers if f in session.annotations}
        if step.is_flat:
            quality = tuple(FingerQuality(f["position"], _score(f["nfiq2"])) for f in best.fingers)
            segments: tuple = ()
            if step.kind in ("slap", "thumbs"):
                segments = tuple(
                    SegmentBox(
                        f["position"], f["box"]["left"], f["box"]["right"] - 1, f["box"]["top"], f["box"]["bottom"] - 1
                    )
                    for f in best.fingers
                )
        else:
            quality, segments = (FingerQuality(step.fgp, _score(best.nfiq2)),), ()
        images.append(PrintImage(step.fgp, None, quality=quality, segments=segments, annotations=notes, wsq=data))
    rolled = {
        STEPS[k].fingers[0]
        for k, r in session.positions.items()
        if STEPS[k].kind == "rolled" and r.state is PositionState.ACCEPTED
    }
    missing = {f: a.code for f, a in session.annotations.items() if a.code in NO_PRINT and f not in rolled}
    return Booking(session.subject, images, missing=missing, device=device)  # type: ignore[arg-type]


def _score(nfiq2: int | None) -> int:
    return nfiq2 if nfiq2 is not None else 255  # 255: NFIQ 2 failed on this image


def car(session: BookingSession, agency: object, tcn: str, device: object = None) -> bytes:
    """The CAR of a complete session, as bytes."""
    from station.formats.ebts import car_bytes

    return car_bytes(ebts_booking(session, device), agency, tcn)  # type: ignore[arg-type]
