"""The matcher on real prints and on constructed cases whose answer is known, and its fast paths against the
plain reference computations."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from station.biometrics import api
from station.biometrics.features import FingerFeatures, Minutia, MinutiaKind
from station.biometrics.image import FingerImage, load_image
from station.biometrics.matching import Gallery, match, prepare, search
from station.biometrics.matching.cylinders import build_cylinders, reference_cylinder
from station.biometrics.matching.gallery import first_stage_scores
from station.biometrics.matching.similarity import reference_similarity, similarity_matrix
from station.biometrics.template import Template

DB1 = "fvc2002_db1_b"


@pytest.fixture(scope="module")
def db1_templates(fvc_data: Path) -> dict[str, Template]:
    """Templates of impressions 1-2 of every finger of FVC2002 DB1_B and 3 of finger 103, extracted once."""
    names = [f"{finger}_{impression}" for finger in range(101, 111) for impression in (1, 2)] + ["103_3"]
    return {n: api.extract(load_image(fvc_data / DB1 / f"{n}.tif", ppi=500)) for n in names}


def _rotate(image: FingerImage, degrees: float, shift: tuple[int, int]) -> FingerImage:
    """The print turned by `degrees` about its centre and moved by `shift`, on a canvas large enough to hold it."""
    h, w = image.pixels.shape
    side = int(math.hypot(h, w)) + 2 * max(abs(shift[0]), abs(shift[1])) + 8
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    matrix[:, 2] += np.array([(side - w) / 2 + shift[0], (side - h) / 2 + shift[1]])
    background = int(np.median(image.pixels[:8]))
    out = cv2.warpAffine(image.pixels, matrix, (side, side), flags=cv2.INTER_CUBIC, borderValue=background)
    return FingerImage(out, image.ppi)


def test_rotated_and_shifted_print_still_matches_itself(fvc_data: Path) -> None:
    image = load_image(fvc_data / DB1 / "104_1.tif", ppi=500)
    original = api.extract(image)
    turned = api.extract(_rotate(image, 30.0, (37, -21)))
    score = api.match(original, turned)
    assert score >= api.THRESHOLD_FMR_01, f"score {score:.4f} below the FMR 0.1% threshold"


def test_geometric_invariance_is_exact_for_moved_minutiae(db1_templates: dict[str, Template]) -> None:
    t = db1_templates["101_1"]
    angle = math.radians(30.0)
    # image coordinates (y down): a counter-clockwise turn as seen on the image, then a shift
    cx, cy = 200.0, 200.0
    dx, dy = t.x - cx, -(t.y - cy)
    x = cx + dx * math.cos(angle) - dy * math.sin(angle) + 60.0
    y = cy - (dx * math.sin(angle) + dy * math.cos(angle)) + 25.0
    moved = FingerFeatures(
        600,
        600,
        tuple(
            Minutia(float(a), float(b), float(c + angle) % (2 * math.pi), MinutiaKind(int(k)), float(q))
            for a, b, c, k, q in zip(x, y, t.angle, t.kind, t.quality, strict=True)
        ),
    )
    same = match(t, Template.from_features(moved))
    assert same > 0.9
    assert same == pytest.approx(match(t, t), abs=0.08)


def test_genuine_pairs_beat_impostors(db1_templates: dict[str, Template]) -> None:
    genuine = [api.match(db1_templates[f"{f}_1"], db1_templates[f"{f}_2"]) for f in range(101, 111)]
    impostor = [
        api.match(db1_templates[f"{f}_1"], db1_templates[f"{g}_2"])
        for f in range(101, 111)
        for g in range(101, 111)
        if g != f
    ]
    assert max(impostor) < api.THRESHOLD_FMR_01
    assert np.median(genuine) > api.THRESHOLD_FMR_1
    assert sum(g >= api.THRESHOLD_FMR_01 for g in genuine) >= 7


def test_match_is_symmetric_enough_and_bounded(db1_templates: dict[str, Template]) -> None:
    a, b = db1_templates["103_1"], db1_templates["103_2"]
    assert 0.0 <= match(a, b) <= 1.0
    assert match(a, b) == pytest.approx(match(b, a), abs=0.02)
    assert match(a, Template.from_features(FingerFeatures(300, 300, ()))) == 0.0


def test_vectorised_cylinders_agree_with_the_reference(db1_templates: dict[str, Template]) -> None:
    t = db1_templates["105_1"]
    fast = build_cylinders(t.x, t.y, t.angle)
    for index in (0, len(t) // 2, len(t) - 1):
        values, valid = reference_cylinder(t.x, t.y, t.angle, index)
        fast_valid = fast.cell_valid[index] > 0
        # the fast path draws the grown hull on a 2 px grid: cells on its edge may differ, nothing else
        assert np.mean(fast_valid != valid) <= 0.03
        both = fast_valid & valid
        assert np.allclose(fast.values[index].reshape(values.shape)[both], values[both], atol=1e-5)


def test_similarity_matrix_agrees_with_the_reference(db1_templates: dict[str, Template]) -> None:
    a, b = prepare(db1_templates["106_1"]), prepare(db1_templates["106_2"])
    gamma = similarity_matrix(a, b)
    rng = np.random.default_rng(0)
    best = np.unravel_index(np.argmax(gamma), gamma.shape)
    picks = [best, *zip(rng.integers(0, len(a), 20), rng.integers(0, len(b), 20), strict=True)]
    for i, j in picks:
        assert gamma[i, j] == pytest.approx(reference_similarity(a, b, int(i), int(j)), abs=1e-4)


def test_search_finds_the_mate_first(db1_templates: dict[str, Template]) -> None:
    names = [f"{f}_1" for f in range(101, 111)] + [f"{f}_2" for f in range(101, 111) if f != 103]
    gallery = Gallery([db1_templates[n] for n in names], ids=names)
    hits = search(db1_templates["103_3"], gallery, top_k=3)
    assert hits[0].id == "103_1"
    assert hits[0].score == pytest.approx(match(db1_templates["103_3"], db1_templates["103_1"]))
    assert hits[0].score >= hits[1].score >= hits[2].score
    coarse = first_stage_scores(db1_templates["103_3"], gallery)
    assert coarse.shape == (len(names),)
    assert int(np.argmax(coarse)) == names.index("103_1")
    assert search(db1_templates["103_3"], Gallery([]), top_k=5) == []
