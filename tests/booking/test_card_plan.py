"""The card's plan as the daemon reports and checks it: an annotation is about a finger, in every impression."""

from __future__ import annotations

from station.booking.card import excused_fingers, missing_steps, next_step, plan_states

XX = {"code": "XX", "reason": "amputated"}


def test_xx_on_the_flat_thumb_excuses_the_rolled_thumb_and_the_slap_still_needs_its_other_fingers() -> None:
    steps = {s["key"]: s for s in plan_states({}, {"thumb_right": XX, "rolled_5": XX})}
    assert steps["thumb_right"]["state"] == steps["rolled_1"]["state"] == "annotated"
    assert steps["rolled_1"]["annotation"] == "XX" and steps["rolled_5"]["state"] == "annotated"
    assert steps["slap_right"]["state"] == "pending" and steps["slap_right"]["missing"] == [5]
    assert excused_fingers({"thumb_right": XX, "rolled_5": {"code": "SR"}}) == {1}


def test_a_card_is_complete_only_when_every_step_is_accepted_or_excused() -> None:
    accepted = {slot: {"nfiq2": 60, "meta": {}} for slot in [f"rolled:{p}" for p in range(1, 11)] + ["slap:13"]}
    steps = plan_states(accepted, {}, pending=["slap:14"])
    assert next_step(steps) == "slap_left"
    assert missing_steps(steps) == [
        "left four fingers (slap): accept it, or annotate the finger(s) XX/UP",
        "right thumb (flat): capture it, or annotate the finger(s) XX/UP",
        "left thumb (flat): capture it, or annotate the finger(s) XX/UP",
    ]
    accepted.update({s: {"nfiq2": 60, "meta": {}} for s in ("slap:14", "flat:11", "flat:12")})
    assert missing_steps(plan_states(accepted, {})) == [] and next_step(plan_states(accepted, {})) is None
