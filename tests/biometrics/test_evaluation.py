"""EER and FNMR@FMR on constructed score lists whose answers are known, and the FVC pair protocol on real folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.biometrics.evaluation import eer, fnmr_at_fmr, fvc_images, fvc_pairs, summarise, threshold_at_fmr


def test_perfect_separation_has_zero_errors() -> None:
    genuine = [0.8, 0.9, 0.95]
    impostor = [0.1, 0.2, 0.3]
    assert eer(genuine, impostor) == 0.0
    assert fnmr_at_fmr(genuine, impostor, 0.01) == 0.0
    assert threshold_at_fmr(genuine, impostor, 0.0) == pytest.approx(0.8)


def test_identical_distributions_cross_at_half() -> None:
    scores = [float(v) for v in range(100)]
    assert eer(scores, scores) == pytest.approx(0.5, abs=0.01)


def test_one_overlap_in_ten() -> None:
    # one genuine below one impostor: at t in (2, 3] FNMR = 1/10, FMR = 0; at t in (0.5, 2] FNMR = 0.1, FMR = 0.1
    genuine = [2.0] + [10.0 + k for k in range(9)]
    impostor = [0.0] * 9 + [3.0]
    assert eer(genuine, impostor) == pytest.approx(0.1)
    assert fnmr_at_fmr(genuine, impostor, 0.0) == pytest.approx(0.1)
    assert fnmr_at_fmr(genuine, impostor, 0.1) == pytest.approx(0.0)


def test_fnmr_at_fmr_uses_lowest_admissible_threshold() -> None:
    genuine = [float(v) for v in range(50, 150)]  # 100 genuine scores 50..149
    impostor = [float(v) / 10 for v in range(1000)]  # 1000 impostor scores 0.0 .. 99.9
    # FMR <= 1% allows 10 impostors at or above the threshold: 99.0 .. 99.9, so the threshold is 99.0
    t = threshold_at_fmr(genuine, impostor, 0.01)
    assert t == pytest.approx(99.0)
    assert fnmr_at_fmr(genuine, impostor, 0.01) == pytest.approx(49 / 100)
    acc = summarise(genuine, impostor)
    assert acc.genuine == 100 and acc.impostor == 1000
    assert 0.2 < acc.eer < 0.3


def test_fvc_protocol_counts(fvc_data: Path) -> None:
    pairs = fvc_pairs(fvc_images(fvc_data / "fvc2002_db1_b"))
    assert len(pairs.items) == 80
    assert len(pairs.genuine) == 280
    assert len(pairs.impostor) == 2880
    i, j = pairs.genuine[0]
    assert pairs.items[i].stem.split("_")[0] == pairs.items[j].stem.split("_")[0]


def test_needs_both_score_kinds() -> None:
    with pytest.raises(ValueError):
        eer([], [0.1])
