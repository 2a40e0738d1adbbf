"""Slap segmentation on real slaps (an inked card, a live-scan slap of another person) and on simulated ones."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from station.biometrics.image import FingerImage, load_image
from station.booking.segmentation import crop_to_print, segment_slap


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over the smaller box."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / smaller


def _centre(box: tuple[int, int, int, int]) -> tuple[float, float]:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


@pytest.mark.parametrize(("fgp", "hand", "order"), [(13, "right", (2, 3, 4, 5)), (14, "left", (10, 9, 8, 7))])
def test_inked_card_slaps_give_four_fingertips_numbered_across_the_hand(card_images, fgp, hand, order) -> None:
    seg = segment_slap(card_images[fgp], hand)
    assert seg.count_ok and [f.position for f in seg.fingers] == list(order)
    xs = [_centre(f.box)[0] for f in seg.fingers]
    assert xs == sorted(xs)
    for i, a in enumerate(seg.fingers):
        assert -45 <= a.angle <= 45
        w, h = a.box[2] - a.box[0], a.box[3] - a.box[1]
        assert 150 <= w <= 500 and 200 <= h <= 600  # a fingertip at 500 ppi, not a phalanx pair or a text line
        for b in seg.fingers[i + 1 :]:
            assert _overlap(a.box, b.box) < 0.3


def test_little_finger_is_the_low_one_on_the_card(card_images) -> None:
    # The little finger is the shortest: its tip lies lowest in the slap. This fixes left/right numbering.
    for fgp, hand, little, middle in ((13, "right", 5, 3), (14, "left", 10, 8)):
        seg = segment_slap(card_images[fgp], hand)
        assert seg.finger(little).box[1] > seg.finger(middle).box[1]


def test_live_scan_slap_of_another_person(test_data: Path) -> None:
    image = load_image(test_data / "openebts_samples" / "slap8.png", 500)
    seg = segment_slap(image, "right")
    assert seg.count_ok and [f.position for f in seg.fingers] == [2, 3, 4, 5]
    tops = {f.position: f.box[1] for f in seg.fingers}
    assert tops[3] < tops[2] and tops[3] < tops[5]  # the middle finger reaches highest
    # Distal phalanges only: the faint lower phalanges (below y ~ 850 for index..ring) are not taken.
    assert all(f.box[3] < 900 for f in seg.fingers if f.position != 5)


def test_single_plain_thumbs_on_the_card(card_images) -> None:
    for fgp, hand, position in ((11, "right_thumb", 1), (12, "left_thumb", 6)):
        seg = segment_slap(card_images[fgp], hand)
        assert [f.position for f in seg.fingers] == [position]
        assert seg.count_ok, seg.as_dict()  # the handwriting above the right thumb is no second finger


def test_crop_of_a_sensor_image_that_is_all_print(fvc_data: Path) -> None:
    """A small sensor's capture with ridges to every edge (no background for the distance transform)."""
    image = load_image(fvc_data / "libfprint_sensor_captures" / "aes3500.png", 500)
    crop = crop_to_print(image)
    assert crop.pixels.shape[0] > 100 and crop.pixels.shape[1] > 100


def test_missing_finger_is_reported_and_reconciled_with_the_amputation(test_data: Path) -> None:
    image = load_image(test_data / "openebts_samples" / "slap8.png", 500)
    full = segment_slap(image, "right")
    ring = full.finger(4).box
    pixels = image.pixels.copy()
    pixels[ring[1] : ring[3], ring[0] : ring[2]] = 255  # the ring finger is not there
    without = FingerImage(pixels, image.ppi)
    unexplained = segment_slap(without, "right")
    assert not unexplained.count_ok and len(unexplained.fingers) == 3
    assert unexplained.missing  # reported, so the officer is asked
    assert [f.position for f in unexplained.fingers] == [2, 3, 5]  # the gap between middle and little shows where
    annotated = segment_slap(without, "right", amputated=(4,))
    assert annotated.count_ok and [f.position for f in annotated.fingers] == [2, 3, 5]
    for f in annotated.fingers:
        assert _overlap(f.box, full.finger(f.position).box) > 0.8


def test_blank_platen_finds_no_finger() -> None:
    seg = segment_slap(FingerImage(np.full((1000, 1600), 240, np.uint8), 500.0), "right")
    assert seg.fingers == () and seg.missing == (2, 3, 4, 5)


def test_resolution_is_honoured(test_data: Path) -> None:
    image = load_image(test_data / "openebts_samples" / "slap8.png", 500)
    import cv2

    big = FingerImage(cv2.resize(image.pixels, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), 1000.0)
    a, b = segment_slap(image, "right"), segment_slap(big, "right")
    assert [f.position for f in a.fingers] == [f.position for f in b.fingers]
    for fa, fb in zip(a.fingers, b.fingers, strict=True):
        half = tuple(v / 2 for v in fb.box)
        assert _overlap(fa.box, half) > 0.8  # boxes in the input's own pixels


def test_simulated_slaps_match_the_generators_boxes(sim_person) -> None:
    person = sim_person
    for hand in ("right", "thumbs", "left"):
        slap = person.slap(hand, seed=3)
        seg = segment_slap(FingerImage(slap.image, float(slap.ppi)), hand)
        assert len(seg.fingers) == len(slap.boxes)
        truth = [(b.x0, b.y0, b.x1, b.y1) for b in slap.boxes.values()]
        for finger in seg.fingers:  # every box we cut is one of the generator's fingers
            assert max(_overlap(finger.box, t) for t in truth) > 0.6
        for finger in seg.fingers:  # and numbered as the generator numbers it
            b = slap.boxes[finger.position]
            assert _overlap(finger.box, (b.x0, b.y0, b.x1, b.y1)) > 0.6


def test_crop_to_print_removes_card_captions(card_images) -> None:
    rolled = card_images[2]
    cropped = crop_to_print(rolled)
    assert cropped.pixels.shape[0] < rolled.pixels.shape[0] and cropped.pixels.shape[1] < rolled.pixels.shape[1]
    assert cropped.pixels.shape[0] > 350 and cropped.pixels.shape[1] > 350


def run_station(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "station", *args], capture_output=True, text=True, timeout=120)


def test_cli_segment_writes_fingers_and_json(test_data: Path, tmp_path: Path) -> None:
    slap = test_data / "openebts_samples" / "slap8.png"
    result = run_station(
        "tenprint", "segment", str(slap), "--slap", "right", "--ppi", "500", "--out", str(tmp_path), "--json"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [f["position"] for f in report["fingers"]] == [2, 3, 4, 5]
    written = sorted(p.name for p in tmp_path.iterdir())
    assert len(written) == 4 and all(name.endswith(".png") for name in written)
    assert load_image(tmp_path / written[0]).ppi == 500


def test_cli_segment_exit_codes(test_data: Path, tmp_path: Path) -> None:
    slap = test_data / "openebts_samples" / "slap8.png"
    assert run_station("tenprint", "segment", str(slap), "--slap", "thumbs", "--ppi", "500").returncode == 1
    bad = tmp_path / "x.png"
    bad.write_bytes(b"nothing")
    result = run_station("tenprint", "segment", str(bad), "--slap", "right")
    assert result.returncode == 2 and str(bad) in result.stderr
