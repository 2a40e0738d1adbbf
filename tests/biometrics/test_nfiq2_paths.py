"""Every place the station computes NFIQ 2 goes through `station.biometrics.quality` and gets NIST's score.

The booking session, the daemon's image work, the tenprint check's analysis jobs and the quality CLI score what they
cut (slap segments, a card box cut to its print) and nothing else: each score equals nbis-py's on that image.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.shared_images import nist_nfiq2, record_images
from station.biometrics.image import FingerImage, load_image, to_canonical

ROOT = Path(__file__).resolve().parents[2]
THE_WRAPPER = ROOT / "station" / "biometrics" / "quality" / "nfiq2.py"


def _computes_nfiq2(tree: ast.AST) -> bool:
    """A call with compute_nfiq2=True (nbis-py's switch for NIST's score)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "compute_nfiq2" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                    return True
    return False


def test_only_the_quality_wrapper_asks_nbis_for_nfiq2() -> None:
    offenders = []
    for folder in ("station", "sync", "drivers", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            if path != THE_WRAPPER and _computes_nfiq2(ast.parse(path.read_text())):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
    assert _computes_nfiq2(ast.parse(THE_WRAPPER.read_text()))


@pytest.fixture(scope="module")
def card(test_data: Path) -> dict[int, FingerImage]:
    return {fgp: image for label, image, fgp in record_images(test_data) if "nist-type-14-tpcard" in label}


def test_the_sessions_capture_stage_scores_each_slap_finger_as_nist(card: dict[int, FingerImage]) -> None:
    from station.booking.segmentation import segment_slap
    from station.booking.stages import analyse

    slap = card[14]
    result = analyse("slap_left", slap.pixels, slap.ppi)  # what the daemon's pool runs for every booking capture
    cut = {f.position: f.image.pixels for f in segment_slap(slap, "left").fingers}
    assert [f["position"] for f in result.fingers] == list(cut)
    for finger in result.fingers:
        assert finger["nfiq2"] == nist_nfiq2(cut[finger["position"]])
    assert result.nfiq2 == min(f["nfiq2"] for f in result.fingers)


def test_the_tenprint_checks_analysis_scores_the_cut_card_box_as_nist(card: dict[int, FingerImage]) -> None:
    from station.booking.parallel import analyse
    from station.booking.segmentation import crop_to_print

    rolled = card[3]
    assert nist_nfiq2(rolled.pixels) is None  # the uncut card box is wider than NFIQ 2 accepts
    analysis = analyse(rolled.pixels, rolled.ppi, True, None, None, crop=True)
    assert analysis.quality.score == nist_nfiq2(crop_to_print(rolled).pixels)
    doubled = FingerImage(np.repeat(np.repeat(crop_to_print(rolled).pixels, 2, 0), 2, 1), 1000.0)
    at_1000 = analyse(doubled.pixels, doubled.ppi, True, None, None)  # a 1000 ppi image is resampled first
    assert at_1000.quality.score == nist_nfiq2(to_canonical(doubled).pixels)


def test_the_quality_cli_reports_nists_score_and_the_window(test_data: Path, fvc_data: Path) -> None:
    light = fvc_data / "fvc2002_db1_b" / "102_4.tif"  # a light border our old pre-crop changed (81 vs 84)
    slap = test_data / "openebts_samples" / "slap8.png"  # larger than NFIQ 2 accepts: windowed
    done = subprocess.run(
        [sys.executable, "-m", "station", "quality", str(light), str(slap), "--ppi", "500", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line)["nfiq2"] for line in done.stdout.splitlines())
    assert first["score"] == nist_nfiq2(load_image(light, 500).pixels) and first["windowed"] is False
    assert second["windowed"] is True and second["score"] is not None
