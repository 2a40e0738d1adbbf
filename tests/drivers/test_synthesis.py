"""The synthetic fingerprint generator behind the simulated scanner: determinism, realism and ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.simulated.synthesis import FINGER_NAMES, HAND_POSITIONS, Impression, SyntheticPerson, blank_platen
from station.biometrics.features import MinutiaKind


@pytest.fixture(scope="module")
def person() -> SyntheticPerson:
    return SyntheticPerson(11)


def test_same_seeds_give_the_same_pixels(person: SyntheticPerson) -> None:
    a = person.flat_impression(2, 3)
    b = SyntheticPerson(11).flat_impression(2, 3)
    assert isinstance(a, Impression)
    assert a.image.dtype == np.uint8 and a.ppi == 500
    assert np.array_equal(a.image, b.image)
    assert a.minutiae == b.minutiae
    assert not np.array_equal(a.image, person.flat_impression(2, 4).image)


def test_flat_impression_looks_like_a_print(person: SyntheticPerson) -> None:
    imp = person.flat_impression(2, 0)
    fg = imp.foreground
    assert fg is not None and 0.25 < fg.mean() < 0.9
    # Dark ridges on a light platen, with strong ridge contrast inside the finger.
    assert imp.image[~fg].mean() > 180
    assert imp.image[fg].std() > 30
    kinds = {m.kind for m in imp.minutiae}
    assert kinds == {MinutiaKind.ENDING, MinutiaKind.BIFURCATION}
    assert 20 <= len(imp.minutiae) <= 150


def test_blank_platen_has_no_finger() -> None:
    frame = blank_platen(3)
    assert frame.dtype == np.uint8
    assert frame.mean() > 180 and frame.std() < 15
    assert np.array_equal(frame, blank_platen(3))


def test_unknown_condition_and_bad_position_are_refused(person: SyntheticPerson) -> None:
    with pytest.raises(TypeError, match="valid"):
        person.flat_impression(2, 0, wetness=1)
    with pytest.raises(ValueError, match="1-10"):
        person.flat_impression(11, 0)


def _templates(images: list[np.ndarray]) -> list[object]:
    import cv2
    import nbis

    extractor = nbis.new_nbis_extractor(
        nbis.NbisExtractorSettings(
            min_quality=0.0, get_center=False, check_fingerprint=False, compute_nfiq2=False, ppi=None
        )
    )
    return [extractor.extract_minutiae(cv2.imencode(".png", image)[1].tobytes()) for image in images]


def test_ten_fingers_are_distinct_and_stable_across_impressions(person: SyntheticPerson) -> None:
    positions = range(1, 11)
    masters = [person.master(p) for p in positions]
    assert masters[0].width > masters[4].width  # a thumb is wider than a little finger
    first = _templates([person.flat_impression(p, 0, careful=True).image for p in positions])
    second = _templates([person.flat_impression(p, 1, careful=True).image for p in positions])
    genuine = [first[k].compare(second[k]) for k in range(10)]
    impostor = [first[a].compare(second[b]) for a in range(10) for b in range(10) if a != b]
    assert np.median(genuine) > 3 * np.percentile(impostor, 95)
    assert sum(g > max(impostor) for g in genuine) >= 9, (genuine, max(impostor))


def _binarise(image: np.ndarray, foreground: np.ndarray) -> np.ndarray:
    import cv2

    smooth = cv2.GaussianBlur(image, (0, 0), 1.0)
    local = cv2.adaptiveThreshold(smooth, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 17, 0)
    return (local > 0) & foreground


def _agreement(truth: tuple, found: tuple, radius: float = 6.0, max_turn: float = np.pi / 6) -> float:
    """Share of `truth` minutiae with a detected minutia of the same kind and direction within `radius` px."""
    if not truth:
        return 0.0
    fx = np.array([m.x for m in found])
    fy = np.array([m.y for m in found])
    fa = np.array([m.angle for m in found])
    fk = np.array([int(m.kind) for m in found])
    hits = 0
    for m in truth:
        near = (np.hypot(fx - m.x, fy - m.y) <= radius) & (fk == int(m.kind))
        turn = np.abs((fa - m.angle + np.pi) % (2 * np.pi) - np.pi)
        hits += bool(np.any(near & (turn <= max_turn)))
    return hits / len(truth)


def test_ground_truth_minutiae_sit_on_the_rendered_ridges(person: SyntheticPerson) -> None:
    from drivers.simulated.synthesis.minutiae import detect_minutiae
    from drivers.simulated.synthesis.ridges import clean_master

    imp = person.flat_impression(3, 2, pressure=0.5, moisture=0.0, noise=3.0, distortion=1.0)
    assert imp.foreground is not None
    ridges = clean_master(np.where(_binarise(imp.image, imp.foreground), 1.0, -1.0))
    found = detect_minutiae(ridges)
    inner = tuple(m for m in imp.minutiae if _inside(imp.foreground, m.x, m.y, 12))
    assert len(inner) >= 25
    rate = _agreement(inner, found)
    assert rate >= 0.6, rate
    # The same check fails for minutiae that are not there: reversed directions or displaced points.
    reversed_truth = tuple(type(m)(m.x, m.y, (m.angle + np.pi) % (2 * np.pi), m.kind) for m in inner)
    shifted_truth = tuple(type(m)(m.x + 15, m.y - 11, m.angle, m.kind) for m in inner)
    assert _agreement(reversed_truth, found) < rate / 2
    assert _agreement(shifted_truth, found) < rate / 2


def _inside(mask: np.ndarray, x: float, y: float, margin: int) -> bool:
    h, w = mask.shape
    xi, yi = round(x), round(y)
    if not (margin <= xi < w - margin and margin <= yi < h - margin):
        return False
    return bool(mask[yi - margin : yi + margin + 1, xi - margin : xi + margin + 1].all())


@pytest.mark.parametrize(("hand", "order"), [("right", [2, 3, 4, 5]), ("left", [10, 9, 8, 7]), ("thumbs", [6, 1])])
def test_slap_boxes_hold_their_fingers(person: SyntheticPerson, hand: str, order: list[int]) -> None:
    slap = person.slap(hand, 0)
    assert slap.image.shape == (1500, 1600) and slap.image.dtype == np.uint8
    assert sorted(slap.boxes) == sorted(order)
    by_x = sorted(slap.boxes, key=lambda p: slap.boxes[p].x0 + slap.boxes[p].x1)
    assert by_x == order  # as on an inked card
    ridges = slap.image < np.median(slap.image) - 60
    in_boxes = np.zeros_like(ridges)
    for position, box in slap.boxes.items():
        in_boxes[box.y0 : box.y1, box.x0 : box.x1] = True
        assert 150 < box.width < 520 and 250 < box.height < 800
        assert ridges[box.y0 : box.y1, box.x0 : box.x1].mean() > 0.15
        assert len(slap.minutiae[position]) >= 20
        assert all(box.contains(m.x, m.y) for m in slap.minutiae[position])
    for position, box in slap.phalanges.items():  # middle phalanges lie below their fingertips
        assert box.y0 > slap.boxes[position].y1 - 40
        in_boxes[box.y0 : box.y1, box.x0 : box.x1] = True
    assert ridges[~in_boxes].mean() < 0.002
    assert np.array_equal(person.slap(hand, 0).image, slap.image)


def test_left_slap_runs_little_to_index(person: SyntheticPerson) -> None:
    slap = person.slap("left", 1, partial=True)
    by_x = sorted(slap.boxes, key=lambda p: slap.boxes[p].x0)
    assert by_x == [9, 8, 7]  # partial: the little finger did not touch


@pytest.mark.parametrize("hand", ["right", "left"])
def test_slap_labels_follow_the_hand_anatomy(person: SyntheticPerson, hand: str) -> None:
    # Labels must match the drawn hand, not only the order: the middle fingertip reaches highest, the little lowest,
    # and the little finger is on the outside (right of a right slap, left of a left slap, as on an inked card).
    slap = person.slap(hand, 2)
    index, middle, _ring, little = HAND_POSITIONS[hand] if hand == "right" else HAND_POSITIONS[hand][::-1]
    tops = {p: slap.boxes[p].y0 for p in slap.boxes}
    assert tops[middle] == min(tops.values()) and tops[little] == max(tops.values())
    centres = {p: (slap.boxes[p].x0 + slap.boxes[p].x1) / 2 for p in slap.boxes}
    outside = max(centres, key=centres.__getitem__) if hand == "right" else min(centres, key=centres.__getitem__)
    assert outside == little and FINGER_NAMES[little].endswith("little") and FINGER_NAMES[index].endswith("index")


def test_rolled_frames_compose_a_print_wider_than_a_flat(person: SyntheticPerson) -> None:
    roll = person.rolled_frames(2, 0)
    assert len(roll) == len(roll.frames) >= 10
    assert next(iter(roll)) is roll.frames[0]  # iterates as its frames, as a scanner streams them
    assert np.array_equal(roll.final, np.minimum.reduce(roll.frames))
    centres = [(a + b) / 2 for a, b in roll.contact_columns]
    steps = np.diff(centres)
    assert np.all(steps >= 0) or np.all(steps <= 0)  # the band moves one way, nail edge to nail edge
    band_width = np.mean([b - a for a, b in roll.contact_columns])
    flat = person.flat_impression(2, 0, pressure=0.5)
    assert flat.foreground is not None
    flat_width = np.ptp(np.flatnonzero(flat.foreground.any(axis=0)))
    rolled_width = np.ptp(np.flatnonzero((roll.final < np.median(roll.final) - 60).any(axis=0)))
    assert rolled_width > 1.35 * flat_width
    assert band_width < 0.8 * rolled_width  # each frame shows only a band of the print
    assert len(roll.minutiae) > len(flat.minutiae)
    assert len(person.rolled_frames(2, 0, slow=True)) > len(roll)


def test_rolled_ground_truth_sits_on_the_composed_ridges(person: SyntheticPerson) -> None:
    import cv2

    from drivers.simulated.synthesis.minutiae import detect_minutiae
    from drivers.simulated.synthesis.ridges import clean_master

    roll = person.rolled_frames(3, 0, moisture=0.0, noise=3.0)
    dark = (roll.final < np.median(roll.final) - 40).astype(np.uint8)
    foreground = cv2.morphologyEx(dark, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8)).astype(bool)
    found = detect_minutiae(clean_master(np.where(_binarise(roll.final, foreground), 1.0, -1.0)))
    inner = tuple(m for m in roll.minutiae if _inside(foreground, m.x, m.y, 12))
    assert len(inner) >= 40
    assert _agreement(inner, found) >= 0.5


def test_conditions_change_the_capture_as_named(person: SyntheticPerson) -> None:
    import cv2

    base = person.flat_impression(4, 5, pressure=0.5, moisture=0.0)
    blank = person.flat_impression(4, 5, no_finger=True)
    assert blank.minutiae == () and blank.image.min() > 100
    heavy = person.flat_impression(4, 5, pressure=1.0, moisture=0.0)
    light = person.flat_impression(4, 5, pressure=0.1, moisture=0.0)
    assert heavy.image[heavy.foreground].mean() < light.image[light.foreground].mean() - 10
    wet = person.flat_impression(4, 5, pressure=0.5, moisture=1.0)
    dry = person.flat_impression(4, 5, pressure=0.5, moisture=-1.0)
    assert wet.image[wet.foreground].mean() < base.image[base.foreground].mean() < dry.image[dry.foreground].mean()

    def ridge_contrast(imp: Impression) -> float:  # ridge/valley modulation, above the sensor noise
        return float(cv2.GaussianBlur(imp.image, (0, 0), 1.2)[imp.foreground].std())

    smudged = person.flat_impression(4, 5, pressure=0.5, moisture=0.0, smudge=True)
    assert ridge_contrast(smudged) < 0.75 * ridge_contrast(base)
    partial = person.flat_impression(4, 5, partial=True)
    assert partial.foreground is not None and base.foreground is not None
    assert partial.foreground.sum() < 0.8 * base.foreground.sum()


def test_landing_frames_end_with_the_impression(person: SyntheticPerson) -> None:
    frames = person.flat_frames(2, 3)
    assert len(frames) == 4
    assert np.array_equal(frames[-1], person.flat_impression(2, 3).image)
    dark = [(f < 120).sum() for f in frames]
    assert dark == sorted(dark)
    assert len(person.flat_frames(2, 3, slow=True)) > len(frames)


def test_a_slap_lands_finger_by_finger_and_ends_with_the_slap(person: SyntheticPerson) -> None:
    landing, slap = person.slap_frames("right", 1), person.slap("right", 1)
    assert len(landing.frames) == 4 and landing.frames[-1] is landing.image and slap.frames == ()
    assert np.array_equal(landing.image, slap.image) and landing.minutiae == slap.minutiae  # same capture
    dark = [int((f < 150).sum()) for f in landing.frames]
    assert dark == sorted(dark) and dark[0] < 0.5 * dark[-1]
    for box in slap.boxes.values():  # each fingertip's contact grows from its middle: its centre inks early
        cx, cy = (box.x0 + box.x1) // 2, (box.y0 + box.y1) // 2
        assert (
            landing.frames[1][cy - 40 : cy + 40, cx - 40 : cx + 40].mean()
            < landing.frames[1][box.y0 : box.y0 + 10, box.x0 : box.x1].mean()
        )


def _stripes(height: int = 120, width: int = 200, period: int = 10) -> np.ndarray:
    """Horizontal ridges 5 px thick every `period` px (True = ridge)."""
    rows = (np.arange(height) % period) < period // 2
    return np.repeat(rows[:, None], width, axis=1)


def test_minutia_directions_follow_the_project_convention() -> None:
    from drivers.simulated.synthesis.minutiae import detect_minutiae

    ending = _stripes()
    ending[60:65, 100:] = False  # the ridge at rows 60-64 stops at x = 100; its body lies to the left
    found = [m for m in detect_minutiae(ending) if abs(m.y - 62) <= 2 and 95 <= m.x <= 102]
    assert [m.kind for m in found] == [MinutiaKind.ENDING]
    assert abs(((found[0].angle - np.pi) + np.pi) % (2 * np.pi) - np.pi) < 0.2  # points left, along the body

    fork = _stripes()
    fork[65:70, 100:] = True  # ridges 60-64 and 70-74 merge right of x = 100: the two branches lie to the left
    found = [m for m in detect_minutiae(fork) if abs(m.y - 67) <= 4 and 95 <= m.x <= 112]
    assert [m.kind for m in found] == [MinutiaKind.BIFURCATION]
    assert abs(((found[0].angle - np.pi) + np.pi) % (2 * np.pi) - np.pi) < 0.2  # points left, into the fork
    assert len(detect_minutiae(_stripes())) == 0  # plain ridges have none


def test_warp_ground_truth_is_the_exact_inverse_of_the_rendering_map() -> None:
    from drivers.simulated.synthesis.distortion import random_warp
    from drivers.simulated.synthesis.seeds import stream

    warp = random_warp(stream("test-warp", 1), (200.0, 250.0), (270.0, 300.0), 0.3, 2.0, 200.0)
    oy, ox = np.mgrid[20:480:37, 20:380:29].astype(np.float64)
    mx, my = warp.source_of(ox, oy)
    back_x, back_y = warp.project(mx, my)
    assert np.max(np.hypot(back_x - ox, back_y - oy)) < 0.05
    assert np.max(np.hypot(mx - ox, my - oy)) > 50  # the warp is far from the identity


def test_pattern_classes_have_realistic_frequencies() -> None:
    from drivers.simulated.synthesis.master import person_traits
    from drivers.simulated.synthesis.pattern import PatternClass, choose_class
    from drivers.simulated.synthesis.seeds import stream

    counts = dict.fromkeys(PatternClass, 0)
    ulnar = radial = 0
    for seed in range(400):
        tendency = person_traits(seed).whorl_tendency
        for position in range(1, 11):
            pattern = choose_class(stream("class", seed, position), position, tendency)
            counts[pattern] += 1
            if pattern in (PatternClass.LEFT_LOOP, PatternClass.RIGHT_LOOP):
                right_loop = pattern is PatternClass.RIGHT_LOOP
                if right_loop == (position <= 5):
                    ulnar += 1
                else:
                    radial += 1
    total = sum(counts.values())
    loops = (counts[PatternClass.LEFT_LOOP] + counts[PatternClass.RIGHT_LOOP]) / total
    arches = (counts[PatternClass.ARCH] + counts[PatternClass.TENTED_ARCH]) / total
    assert 0.55 < loops < 0.72
    assert 0.22 < counts[PatternClass.WHORL] / total < 0.38
    assert 0.02 < arches < 0.09
    assert ulnar > 10 * radial  # loops open towards the little finger


def test_ridge_period_is_that_of_a_500_ppi_print(person: SyntheticPerson) -> None:
    imp = person.flat_impression(3, 0, careful=True)
    h, w = imp.image.shape
    crop = imp.image[h // 2 - 64 : h // 2 + 64, w // 2 - 64 : w // 2 + 64].astype(np.float64)
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2((crop - crop.mean()) * np.hanning(128)[:, None] * np.hanning(128))))
    fy, fx = np.unravel_index(np.argmax(spectrum), spectrum.shape)
    period = 128 / np.hypot(fy - 64, fx - 64)
    assert 8.0 <= period <= 11.5, period


def test_singular_points_come_with_the_pattern(person: SyntheticPerson) -> None:
    from station.biometrics.features import SingularKind

    for position in range(1, 11):
        imp = person.flat_impression(position, 0, careful=True, rotation=0.0)
        cores = [p for p in imp.singular_points if p.kind is SingularKind.CORE]
        deltas = [p for p in imp.singular_points if p.kind is SingularKind.DELTA]
        assert imp.features().singular_points == imp.singular_points
        if imp.pattern == "arch":
            assert not imp.singular_points
        if imp.pattern in ("left loop", "right loop") and cores and deltas:
            assert deltas[0].y > cores[0].y  # the delta sits below the core
            delta_left = deltas[0].x < cores[0].x
            assert delta_left == (imp.pattern == "right loop")  # ridges flow out on the side away from the delta


def test_same_pixels_in_another_process(person: SyntheticPerson) -> None:
    import hashlib
    import subprocess
    import sys

    code = (
        "import hashlib; from drivers.simulated.synthesis import SyntheticPerson; "
        "print(hashlib.sha256(SyntheticPerson(11).flat_impression(2, 3).image.tobytes()).hexdigest())"
    )
    env = {"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == hashlib.sha256(person.flat_impression(2, 3).image.tobytes()).hexdigest()
