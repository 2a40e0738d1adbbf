"""NFIQ 2 through our wrapper and the live capture feedback, on real prints and on constructed frames."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from scipy.stats import spearmanr

from station.biometrics.image import load_image
from station.biometrics.quality import live_feedback, nfiq2, score_pixels


@pytest.fixture(scope="module")
def good_print(fvc_data: Path) -> np.ndarray:
    return load_image(fvc_data / "fvc2002_db1_b" / "101_1.tif", 500).pixels


def test_nfiq2_scores_a_real_plain_print(good_print: np.ndarray) -> None:
    result = score_pixels(good_print)
    assert result.scorable and 40 <= result.score <= 100
    assert result.reason is None
    assert result.actionable["FingerprintImageWithMinutiae"] >= 5
    assert result.problems == ()


def test_nfiq2_takes_a_finger_image_at_another_resolution(fvc_data: Path) -> None:
    native = load_image(fvc_data / "fvc2002_db1_b" / "101_1.tif", 500)
    upsampled = type(native)(cv2.resize(native.pixels, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), 1000.0)
    a, b = nfiq2(native).score, nfiq2(upsampled).score
    assert a is not None and b is not None and abs(a - b) <= 15


@pytest.mark.parametrize(
    ("pixels", "words"),
    [
        (np.full((400, 400), 255, np.uint8), "blank"),
        (np.full((400, 400), 90, np.uint8), "uniform"),
        (np.zeros((400, 400, 3), np.uint8), "greyscale"),
    ],
)
def test_images_nfiq2_cannot_score_give_a_reason_not_an_exception(pixels: np.ndarray, words: str) -> None:
    result = score_pixels(pixels)
    assert result.score is None and words in result.reason


def test_engine_refusal_is_reported_as_not_scorable() -> None:
    # Two dark dots on white: not uniform, but nothing NFIQ 2 can measure.
    pixels = np.full((300, 300), 255, np.uint8)
    pixels[100:103, 100:103] = 0
    pixels[200:203, 200:203] = 0
    result = score_pixels(pixels)
    assert result.score is None and result.reason.startswith("not scorable")


def test_live_feedback_is_quiet_on_a_good_print(good_print: np.ndarray) -> None:
    fb = live_feedback(good_print)
    assert "place a finger on the scanner" not in fb.hints
    assert fb.ridge_clarity > 0.5 and fb.foreground_area_mm2 > 100 and fb.score > 40


def test_live_feedback_asks_for_a_finger_on_an_empty_frame() -> None:
    fb = live_feedback(np.full((500, 500), 235, np.uint8))
    assert fb.hints == ("place a finger on the scanner",) and fb.score == 0


def test_live_feedback_names_pressure_problems(good_print: np.ndarray) -> None:
    heavy = (good_print.astype(np.float32) * 0.3).astype(np.uint8)  # ridges and valleys drowned in ink
    faint = (255 - (255 - good_print.astype(np.float32)) * 0.2).astype(np.uint8)  # barely touching
    assert "press lighter" in live_feedback(heavy).hints
    assert "press harder" in live_feedback(faint).hints


def test_live_feedback_asks_to_centre_and_to_roll_slower(good_print: np.ndarray) -> None:
    frame = np.full((750, 800), 240, np.uint8)
    h, w = good_print.shape
    frame[:h, :w] = good_print  # in the top-left corner
    assert "centre the finger" in live_feedback(frame).hints
    before = np.full((750, 800), 240, np.uint8)
    after = before.copy()
    before[180 : 180 + h, 100 : 100 + w] = good_print
    after[180 : 180 + h, 300 : 300 + w] = good_print  # jumped 200 px = 10 mm between two frames
    fb = live_feedback(after, previous=before)
    assert fb.motion_mm is not None and fb.motion_mm > 5
    assert "roll slower" in fb.hints
    assert "roll slower" not in live_feedback(before, previous=before).hints


def test_live_score_ranks_prints_like_nfiq2(fvc_data: Path) -> None:
    files = sorted((fvc_data / "fvc2004_db2_b").glob("*.tif"))[::4]
    live, nist = [], []
    for path in files:
        pixels = load_image(path, 500).pixels
        result = score_pixels(pixels)
        if result.scorable:
            live.append(live_feedback(pixels).score)
            nist.append(result.score)
    assert len(live) >= 18
    assert spearmanr(live, nist).statistic > 0.4


def test_cli_reports_each_image_and_fails_on_a_bad_file(fvc_data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    good = fvc_data / "fvc2002_db1_b" / "101_1.tif"
    result = subprocess.run(
        [sys.executable, "-m", "station", "quality", str(good), str(bad), "--ppi", "500"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = [line for line in result.stdout.splitlines() if not line.startswith("#")]
    assert len(lines) == 1 and lines[0].startswith(str(good))
    assert int(lines[0].split("\t")[1]) > 0
    assert str(bad) in result.stderr and len(result.stderr.strip().splitlines()) == 1
