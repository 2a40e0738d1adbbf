"""The card's plan and each position's state from what the station keeps: accepted scanner slots and annotations.

This is what `booking.get` returns as `plan` (the screens render it as it is) and what `booking.submit` checks: a
card is complete when every step of the plan is accepted or excused. An annotation is about a *finger*, not an
impression: an XX/UP (amputated / unable to print) on any step excuses that finger in every step of the plan (the
flat thumb and the rolled thumb alike), and a step is excused once all the fingers it shows are.

A step is a scanner slot `kind:position`: slaps 13/14, plain thumbs 11/12, rolls 1-10.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from station.booking.plan import FOUR_FOUR_ONE_ONE, STEPS, CaptureStep
from station.booking.session import NO_PRINT

PLAN = FOUR_FOUR_ONE_ONE  # the daemon's card: both four-finger slaps, each thumb flat, ten rolls


def slot_of(step: CaptureStep) -> str:
    """The scanner capture `kind:position` that produces a plan step."""
    kind = {"slap": "slap", "thumbs": "slap", "plain_thumb": "flat"}.get(step.kind, "rolled")
    return f"{kind}:{step.fgp}"


def fingers_of(slot: str) -> tuple[int, ...]:
    """The fingers 1-10 a scanner slot's image shows."""
    return next((step.fingers for step in STEPS.values() if slot_of(step) == slot), ())


def finger_codes(annotations: Mapping[str, Mapping[str, Any]]) -> dict[int, str]:
    """Finger 1-10 -> its annotation code (XX, UP, SR), whichever step of the plan it was made on."""
    return {finger: note["code"] for key, note in annotations.items() if key in STEPS for finger in STEPS[key].fingers}


def excused_fingers(annotations: Mapping[str, Mapping[str, Any]]) -> frozenset[int]:
    """Fingers 1-10 annotated XX or UP (no print expected) on any step of the plan."""
    return frozenset(f for f, code in finger_codes(annotations).items() if code in NO_PRINT)


def _note_for(step: CaptureStep, annotations: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The annotation that excuses a step: its own, or one made on another impression of its finger(s)."""
    if step.key in annotations:
        return annotations[step.key]
    return next((n for k, n in annotations.items() if k in STEPS and set(STEPS[k].fingers) & set(step.fingers)), None)


def plan_states(
    accepted: Mapping[str, Mapping[str, Any]],
    annotations: Mapping[str, Mapping[str, Any]],
    pending: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Each step of the plan with its state: accepted, annotated (every finger it shows is excused), captured
    (waiting for the officer's accept) or pending. `accepted` maps slots to {nfiq2, meta}."""
    excused, waiting = excused_fingers(annotations), set(pending)
    steps = []
    for key in PLAN:
        step = STEPS[key]
        slot = slot_of(step)
        kind, position = slot.split(":")
        entry: dict[str, Any] = {
            "key": key,
            "label": step.label,
            "kind": kind,
            "position": int(position),
            "slot": slot,
            "fingers": list(step.fingers),
            "state": "pending",
            "nfiq2": None,
            "missing": sorted(set(step.fingers) & excused),  # fingers not expected on the image
        }
        if slot in accepted:
            meta = accepted[slot].get("meta") or {}
            entry.update(
                state="accepted",
                nfiq2=accepted[slot].get("nfiq2"),
                problems=meta.get("problems", []),
                override=bool(meta.get("override_reason")),  # accepted below the gate, with a reason
            )
        elif set(step.fingers) <= excused:
            note = _note_for(step, annotations) or {}
            entry.update(state="annotated", annotation=note.get("code"), reason=note.get("reason"))
        elif slot in waiting:
            entry["state"] = "captured"
        steps.append(entry)
    return steps


def missing_steps(steps: list[dict[str, Any]]) -> list[str]:
    """What keeps the card from being complete, one line per step."""
    return [
        f"{s['label']}: {'accept it' if s['state'] == 'captured' else 'capture it'}, or annotate the finger(s) XX/UP"
        for s in steps
        if s["state"] not in ("accepted", "annotated")
    ]


def next_step(steps: list[dict[str, Any]]) -> str | None:
    """The first step of the plan still waiting for a capture or an acceptance."""
    return next((str(s["key"]) for s in steps if s["state"] in ("pending", "captured")), None)
