"""The capture plan the UI draws from a booking as the daemon sends it (booking.get)."""

from __future__ import annotations

from ui.plan import plan_from_booking
from ui.widgets.finger_grid import Cell


def _booking(meta: dict) -> dict:
    return {"captures": [{"slot": "rolled:2", "kind": "rolled", "position": 2, "nfiq2": 18, "meta": meta}]}


def test_a_capture_accepted_below_the_gate_shows_as_overridden() -> None:
    steps = {s["slot"]: s for s in plan_from_booking(_booking({"override_reason": "scarred, best of three"}))}
    assert steps["rolled:2"]["state"] == "accepted" and steps["rolled:2"]["override"]
    assert Cell.from_step(steps["rolled:2"]).overridden


def test_a_capture_accepted_on_its_quality_is_not_overridden() -> None:
    steps = {s["slot"]: s for s in plan_from_booking(_booking({"override_reason": None, "problems": []}))}
    assert steps["rolled:2"]["state"] == "accepted" and not Cell.from_step(steps["rolled:2"]).overridden
