"""The booking session: plan, attempts and best-of-N, the quality gate and its override, annotations, persistence
(files and the encrypted SQLite store), completion rules and the CAR, on real prints."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from subjects import subject

from station.biometrics.image import FingerImage, load_image
from station.booking.persistence import FileSessionStore, VaultSessionStore
from station.booking.plan import DEFAULT_ORDER, FOUR_FOUR_ONE_ONE, AgencyPolicy
from station.booking.segmentation import crop_to_print
from station.booking.session import BookingError, BookingSession, PositionState
from station.errors import InputError


@pytest.fixture(scope="module")
def slap8(test_data: Path) -> FingerImage:
    return load_image(test_data / "openebts_samples" / "slap8.png", 500)


@pytest.fixture(scope="module")
def rolled_print(card_images) -> FingerImage:
    return crop_to_print(card_images[3])


def test_default_plan_takes_slaps_first_then_ten_rolls() -> None:
    policy = AgencyPolicy()
    assert policy.order == DEFAULT_ORDER
    assert [s.kind for s in policy.steps[:3]] == ["slap", "slap", "thumbs"]
    assert [s.fgp for s in policy.steps[3:]] == list(range(1, 11))


def test_agency_policy_is_configurable_and_checked() -> None:
    policy = AgencyPolicy.from_dict(
        {"name": "county", "order": list(FOUR_FOUR_ONE_ONE), "max_attempts": 2, "thresholds": {"rolled": 40}}
    )
    assert policy.thresholds["rolled"] == 40 and policy.thresholds["slap"] == 35
    with pytest.raises(InputError, match="each of the ten fingers"):
        AgencyPolicy(order=("slap_right", "slap_left", "thumbs", "rolled_1"))
    with pytest.raises(InputError, match="unknown"):
        AgencyPolicy.from_dict({"colour": "blue"})


def test_flat_capture_is_segmented_scored_and_persisted(tmp_path: Path, slap8: FingerImage) -> None:
    store = FileSessionStore(tmp_path)
    session = BookingSession.new(store, AgencyPolicy(thresholds={"slap": 10}))
    outcome = session.capture_flat("slap_right", slap8, device="sim")
    assert outcome.usable and outcome.passes_gate and len(outcome.fingers) == 4
    attempt = session.positions["slap_right"].best_attempt
    assert [f["position"] for f in attempt.fingers] == [2, 3, 4, 5]
    assert all(isinstance(f["nfiq2"], int) for f in attempt.fingers)
    session.accept("slap_right", officer="ofc. smith")
    # A power cut now: the session comes back from disk with its accepted capture and image.
    again = BookingSession.load(FileSessionStore(tmp_path), session.session_id)
    assert again.positions["slap_right"].state is PositionState.ACCEPTED
    assert np.array_equal(again.image("slap_right").pixels, session.image("slap_right").pixels)
    assert again.image_bytes("slap_right")[:2] == b"\xff\xa0"  # kept as WSQ: compressed once, for the CAR
    assert again.segmentation("slap_right").count_ok
    assert not list(tmp_path.rglob(".*"))  # no temporary files left behind


def test_recapture_keeps_the_best_of_n_and_the_limit_holds(tmp_path: Path, rolled_print: FingerImage) -> None:
    session = BookingSession.new(FileSessionStore(tmp_path), AgencyPolicy(max_attempts=3))
    good = session.capture_rolled("rolled_3", image=rolled_print)
    blurred = FingerImage(cv2.GaussianBlur(rolled_print.pixels, (0, 0), 3.0), 500.0)
    worse = session.capture_rolled("rolled_3", image=blurred)
    assert good.nfiq2 is not None and (worse.nfiq2 or 0) < good.nfiq2
    assert worse.is_best is False and session.positions["rolled_3"].best == 0
    session.capture_rolled("rolled_3", image=blurred)
    with pytest.raises(BookingError, match="allows 3 attempt"):
        session.capture_rolled("rolled_3", image=rolled_print)
    assert len(session.positions["rolled_3"].attempts) == 3


def test_quality_gate_and_override_record_who_and_why(tmp_path: Path, rolled_print: FingerImage) -> None:
    session = BookingSession.new(FileSessionStore(tmp_path), AgencyPolicy(thresholds={"rolled": 99}))
    outcome = session.capture_rolled("rolled_3", image=rolled_print)
    assert not outcome.passes_gate and "below the agency's quality gate of 99" in outcome.message
    with pytest.raises(BookingError, match="NFIQ 2 below"):
        session.accept("rolled_3", officer="ofc. smith")
    session.accept("rolled_3", officer="ofc. smith", override_reason="worn ridges, three attempts")
    override = session.positions["rolled_3"].overrides[0]
    assert (override.what, override.officer, override.reason) == (
        "quality",
        "ofc. smith",
        "worn ridges, three attempts",
    )
    strict = BookingSession.new(
        FileSessionStore(tmp_path), AgencyPolicy(thresholds={"rolled": 99}, allow_quality_override=False)
    )
    strict.capture_rolled("rolled_3", image=rolled_print)
    with pytest.raises(BookingError, match="does not allow overriding"):
        strict.accept("rolled_3", officer="ofc. smith", override_reason="please")


def test_a_rolled_capture_from_frames_with_a_slip_is_a_retry(tmp_path: Path, rolled_print: FingerImage) -> None:
    session = BookingSession.new(FileSessionStore(tmp_path))
    pixels = rolled_print.pixels
    frames = []
    for k, cx in enumerate(range(100, pixels.shape[1] - 100, 20)):
        source = np.roll(pixels, 6, axis=0) if k >= 5 else pixels
        frame = np.full_like(pixels, 245)
        frame[:, cx - 80 : cx + 80] = source[:, cx - 80 : cx + 80]
        frames.append(frame)
    outcome = session.capture_rolled("rolled_2", frames=frames)
    assert not outcome.usable and outcome.message.startswith("retry: slip or smear")
    assert session.positions["rolled_2"].state is PositionState.PENDING
    assert session.positions["rolled_2"].attempts[0].retry_reason


def without_the_ring_finger(tmp_path: Path, slap8: FingerImage) -> FingerImage:
    """The right slap with its ring finger wiped white, as a print the segmentation cannot find."""
    session = BookingSession.new(FileSessionStore(tmp_path), AgencyPolicy(thresholds={"slap": 0}))
    session.capture_flat("slap_right", slap8)
    ring = session.segmentation("slap_right").finger(4).box
    pixels = slap8.pixels.copy()
    pixels[ring[1] : ring[3], ring[0] : ring[2]] = 255
    return FingerImage(pixels, 500.0)


def test_missing_finger_must_be_annotated_or_recaptured(tmp_path: Path, slap8: FingerImage) -> None:
    session2 = BookingSession.new(FileSessionStore(tmp_path), AgencyPolicy(thresholds={"slap": 0}))
    outcome = session2.capture_flat("slap_right", without_the_ring_finger(tmp_path, slap8))
    assert "3 finger(s) found, 4 expected" in outcome.message
    with pytest.raises(BookingError, match="expected"):
        session2.accept("slap_right", officer="ofc. smith")
    with pytest.raises(BookingError, match="expected"):  # the card's SEG needs every finger present: no override
        session2.accept("slap_right", officer="ofc. smith", override_reason="officer says it is fine")
    with pytest.raises(InputError):
        session2.annotate(4, "XX", "", "ofc. smith")  # a reason is required
    session2.annotate(4, "XX", "amputated at the first joint", "ofc. smith")
    assert session2.positions["rolled_4"].state is PositionState.ANNOTATED
    assert [f.position for f in session2.segmentation("slap_right").fingers] == [2, 3, 5]
    session2.accept("slap_right", officer="ofc. smith")
    assert session2.positions["slap_right"].state is PositionState.ACCEPTED


def test_a_recapture_with_every_finger_beats_a_better_scored_one_that_lost_a_finger(
    tmp_path: Path, slap8: FingerImage
) -> None:
    lost = BookingSession.new(FileSessionStore(tmp_path), AgencyPolicy(thresholds={"slap": 0}))
    lost.capture_flat("slap_right", without_the_ring_finger(tmp_path, slap8))
    first = lost.positions["slap_right"].best_attempt
    assert first is not None and first.missing == [4]
    first.nfiq2 = 100  # however well the three fingers left scored
    outcome = lost.capture_flat("slap_right", slap8)
    assert outcome.is_best and lost.positions["slap_right"].best_attempt.missing == []
    lost.accept("slap_right", officer="ofc. smith")
    assert lost.positions["slap_right"].state is PositionState.ACCEPTED


def test_subject_is_validated_with_the_ebts_rules(tmp_path: Path) -> None:
    session = BookingSession.new(FileSessionStore(tmp_path))
    problems = session.set_subject(subject(name="john doe", sex="Q"))
    assert any("NAM" in p["field"] for p in problems) and any("SEX" in p["field"] for p in problems)
    assert any(p.startswith("subject: 2.018 NAM") for p in session.completion_problems())
    assert all(p["severity"] == "warning" for p in session.set_subject(subject()))
    assert not any(p.startswith("subject:") for p in session.completion_problems())
    again = BookingSession.load(FileSessionStore(tmp_path), session.session_id)
    assert again.subject == subject()


def test_completion_rules_name_everything_missing(tmp_path: Path) -> None:
    session = BookingSession.new(FileSessionStore(tmp_path))
    problems = session.completion_problems()
    assert "the person's data is not entered" in problems
    assert sum("pending" in p for p in problems) == 13
    assert "the sequence check has not run on the accepted captures" in problems
    with pytest.raises(BookingError, match="not complete"):
        session.complete("ofc. smith")


def test_sessions_live_in_the_encrypted_store(tmp_path: Path, rolled_print: FingerImage) -> None:
    from station.crypto.storage import StorageKey
    from station.store import open_store
    from station.store.bookings import BookingVault

    key = StorageKey.generate()
    store = VaultSessionStore(BookingVault(open_store(tmp_path), key))
    session = BookingSession.new(store, session_id=store.new_booking("desk 1"))
    session.capture_rolled("rolled_3", image=rolled_print)
    session.accept("rolled_3", officer="ofc. smith")
    session.annotate(9, "UP", "bandaged", "ofc. smith")
    reopened = VaultSessionStore(BookingVault(open_store(tmp_path), key))
    assert session.session_id in reopened.list_sessions()
    again = BookingSession.load(reopened, session.session_id)
    assert again.positions["rolled_3"].state is PositionState.ACCEPTED
    assert again.annotations[9].code == "UP" and again.positions["rolled_9"].state is PositionState.ANNOTATED
    assert np.array_equal(again.image("rolled_3").pixels, session.image("rolled_3").pixels)
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"bandaged" not in on_disk and b"ofc. smith" not in on_disk  # encrypted at rest


def test_annotating_a_finger_that_is_in_the_accepted_slap_reopens_it(tmp_path: Path, slap8: FingerImage) -> None:
    session = BookingSession.new(FileSessionStore(tmp_path), AgencyPolicy(thresholds={"slap": 0}))
    session.capture_flat("slap_right", slap8)
    session.accept("slap_right", officer="ofc. smith")
    session.annotate(4, "UP", "bandaged", "ofc. jones")  # but the slap shows four fingers
    assert session.positions["slap_right"].state is PositionState.CAPTURED
    assert any(p.startswith("right four fingers (slap): captured") for p in session.completion_problems())
    with pytest.raises(BookingError, match="3 expected"):
        session.accept("slap_right", officer="ofc. smith")
