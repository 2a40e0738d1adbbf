"""The capture plan the UI draws is the one the daemon sends in booking.get (station.booking.card), as it is."""

from __future__ import annotations

from station.booking.card import plan_states
from ui.widgets.finger_grid import Cell


def _plan(meta: dict) -> dict[str, dict]:
    return {s["slot"]: s for s in plan_states({"rolled:2": {"nfiq2": 18, "meta": meta}}, {})}


def test_a_capture_accepted_below_the_gate_shows_as_overridden() -> None:
    steps = _plan({"override_reason": "scarred, best of three"})
    assert steps["rolled:2"]["state"] == "accepted" and steps["rolled:2"]["override"]
    assert Cell.from_step(steps["rolled:2"]).overridden


def test_a_capture_accepted_on_its_quality_is_not_overridden() -> None:
    steps = _plan({"override_reason": None, "problems": []})
    assert steps["rolled:2"]["state"] == "accepted" and not Cell.from_step(steps["rolled:2"]).overridden
