"""The booking's capture plan as the screens show it, from the daemon's `booking.get` answer.

A daemon that reports the plan itself (`plan`: steps with key, label, state, NFIQ 2, annotation, sequence verdict)
is shown as it is. Otherwise the plan is the workflow's 14-capture card (`station.booking.plan`: both four-finger
slaps, each thumb flat, ten rolls) and each step's state is read from the daemon's captures: a step is a scanner
slot `kind:position` (slaps 13/14, plain thumbs 11/12, rolls 1-10).
"""

from __future__ import annotations

from typing import Any

from station.booking.plan import FOUR_FOUR_ONE_ONE, STEPS, CaptureStep


def slot_of(step: CaptureStep) -> tuple[str, int]:
    """The scanner capture (kind, FGP position) that produces a plan step."""
    if step.kind in ("slap", "thumbs"):
        return "slap", step.fgp
    if step.kind == "plain_thumb":
        return "flat", step.fgp
    return "rolled", step.fgp


def plan_from_booking(booking: dict[str, Any]) -> list[dict[str, Any]]:
    if booking.get("plan"):
        return [dict(step) for step in booking["plan"]]
    accepted = {c["slot"]: c for c in booking.get("captures", [])}
    pending = set(booking.get("pending", []))
    annotations = booking.get("annotations", {}) or {}
    steps = []
    for key in FOUR_FOUR_ONE_ONE:
        step = STEPS[key]
        kind, position = slot_of(step)
        slot = f"{kind}:{position}"
        entry: dict[str, Any] = {
            "key": key,
            "label": step.label,
            "kind": kind,
            "position": position,
            "slot": slot,
            "state": "pending",
            "nfiq2": None,
        }
        if slot in accepted:
            entry["state"] = "accepted"
            entry["nfiq2"] = accepted[slot].get("nfiq2")
            meta = accepted[slot].get("meta") or {}
            entry["problems"] = meta.get("problems", [])
            entry["override"] = bool(meta.get("override_reason"))  # accepted below the gate, with a reason
        elif key in annotations:
            entry["state"] = "annotated"
            entry["annotation"] = annotations[key].get("code")
            entry["reason"] = annotations[key].get("reason")
        elif slot in pending:
            entry["state"] = "captured"
        steps.append(entry)
    return steps


def next_step(steps: list[dict[str, Any]]) -> str | None:
    for step in steps:
        if step.get("state") in ("pending", "captured", "failed"):
            return str(step["key"])
    return None


def is_complete(steps: list[dict[str, Any]]) -> bool:
    return bool(steps) and all(step.get("state") in ("accepted", "annotated") for step in steps)
