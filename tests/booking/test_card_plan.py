"""The card's plan as the daemon reports and checks it (`station.booking.card` over a session): an annotation is
about a finger, in every impression; a card is complete only when every step is accepted or excused."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from station.booking import card
from station.booking.persistence import FileSessionStore
from station.booking.plan import FOUR_FOUR_ONE_ONE, AgencyPolicy
from station.booking.session import BookingSession
from station.booking.stages import Analysis
from station.formats import wsq

KEPT = wsq.encode(np.full((64, 64), 200, np.uint8))


def _session(tmp_path: Path) -> BookingSession:
    policy = AgencyPolicy(order=FOUR_FOUR_ONE_ONE, require_sequence_check=False)
    return BookingSession.new(FileSessionStore(tmp_path), policy)


def _analysis(key: str, nfiq2: int) -> Analysis:
    """What the pool's stage reports for a capture (these are the plan's inputs, not a stand-in for NFIQ 2's)."""
    from station.booking.plan import STEPS

    step = STEPS[key]
    box = {"left": 0, "top": 0, "right": 32, "bottom": 32}
    fingers = tuple({"position": f, "box": box, "nfiq2": nfiq2} for f in step.fingers) if step.is_flat else ()
    return Analysis(key, KEPT, nfiq2, fingers=fingers)


def test_xx_on_the_flat_thumb_excuses_the_rolled_thumb_and_the_slap_still_needs_its_other_fingers(
    tmp_path: Path,
) -> None:
    session = _session(tmp_path)
    session.annotate(1, "XX", "amputated", "ofc. smith")
    session.annotate(5, "XX", "amputated", "ofc. smith")
    steps = {s["key"]: s for s in card.plan(session)}
    assert steps["thumb_right"]["state"] == steps["rolled_1"]["state"] == "annotated"
    assert steps["rolled_1"]["annotation"] == "XX" and steps["rolled_5"]["state"] == "annotated"
    assert steps["slap_right"]["state"] == "pending" and steps["slap_right"]["missing"] == [5]
    assert session.stage_excused("slap_right") == (5,)  # not sought when the slap is segmented
    session.annotate(9, "SR", "scar", "ofc. smith")  # scarred: still printed
    assert session.no_print_fingers() == {1, 5}


def test_a_card_is_complete_only_when_every_step_is_accepted_or_excused(tmp_path: Path) -> None:
    session = _session(tmp_path)
    session.set_subject(__import__("subjects").subject())
    for key in [f"rolled_{p}" for p in range(1, 11)] + ["slap_right", "slap_left"]:
        session.record(key, _analysis(key, 60))
        if key != "slap_left":
            session.accept(key, "ofc. smith")
    assert card.next_step(session) == "slap_left"
    assert session.completion_problems() == [
        "left four fingers (slap): captured: accept it, or annotate the finger(s) XX/UP",
        "right thumb (flat): pending: capture it, or annotate the finger(s) XX/UP",
        "left thumb (flat): pending: capture it, or annotate the finger(s) XX/UP",
    ]
    for key in ("slap_left", "thumb_right", "thumb_left"):
        if key != "slap_left":
            session.record(key, _analysis(key, 60))
        session.accept(key, "ofc. smith")
    assert session.completion_problems() == [] and card.next_step(session) is None


def test_a_capture_accepted_below_the_gate_shows_as_overridden(tmp_path: Path) -> None:
    session = _session(tmp_path)
    outcome = session.record("rolled_2", _analysis("rolled_2", 18))
    assert not outcome.passes_gate and outcome.problems
    steps = {s["slot"]: s for s in card.plan(session)}
    assert (
        steps["rolled:2"]["state"] == "captured"
        and "below the agency's quality gate of 25" in steps["rolled:2"]["problems"][0]
    )
    session.accept("rolled_2", "ofc. smith", override_reason="scarred, best of three")
    steps = {s["slot"]: s for s in card.plan(session)}
    assert steps["rolled:2"]["state"] == "accepted" and steps["rolled:2"]["override"]
    session.record("rolled_3", _analysis("rolled_3", 70))
    session.accept("rolled_3", "ofc. smith")
    assert not {s["slot"]: s for s in card.plan(session)}["rolled:3"]["override"]
