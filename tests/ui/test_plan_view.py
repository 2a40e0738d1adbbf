"""The capture plan the UI draws is the one the daemon sends in booking.get (station.booking.card), as it is."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from station.booking import card
from station.booking.persistence import FileSessionStore
from station.booking.session import BookingSession
from station.booking.stages import Analysis
from station.formats import wsq
from ui.widgets.finger_grid import Cell


def _plan(tmp_path: Path, override: str | None, nfiq2: int) -> dict[str, dict]:
    session = BookingSession.new(FileSessionStore(tmp_path))
    session.record("rolled_2", Analysis("rolled_2", wsq.encode(np.full((64, 64), 200, np.uint8)), nfiq2))
    session.accept("rolled_2", "ofc. smith", override_reason=override)
    return {s["slot"]: s for s in card.plan(session)}


def test_a_capture_accepted_below_the_gate_shows_as_overridden(tmp_path: Path) -> None:
    steps = _plan(tmp_path, "scarred, best of three", 18)
    assert steps["rolled:2"]["state"] == "accepted" and steps["rolled:2"]["override"]
    assert Cell.from_step(steps["rolled:2"]).overridden


def test_a_capture_accepted_on_its_quality_is_not_overridden(tmp_path: Path) -> None:
    steps = _plan(tmp_path, None, 60)
    assert steps["rolled:2"]["state"] == "accepted" and not Cell.from_step(steps["rolled:2"]).overridden
