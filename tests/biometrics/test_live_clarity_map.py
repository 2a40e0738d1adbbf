"""The live feedback's clarity map: block by block, where a print's ridges are clear, unclear or absent."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from station.biometrics.quality import live_feedback
from station.biometrics.quality.live import NO_RIDGES


def test_the_map_covers_the_frame_in_blocks_and_marks_the_paper_around_the_print(fvc_data: Path) -> None:
    image = cv2.imread(str(fvc_data / "fvc2002_db1_b" / "101_1.tif"), cv2.IMREAD_GRAYSCALE)
    framed = np.full((image.shape[0] + 160, image.shape[1] + 160), 235, np.uint8)
    framed[80:-80, 80:-80] = image
    blocks = live_feedback(framed).clarity_map
    assert blocks is not None and blocks.dtype == np.uint8
    assert blocks.shape == (round(framed.shape[0] / 16), round(framed.shape[1] / 16))
    assert (blocks[:4, :] == NO_RIDGES).all() and (blocks[:, -4:] == NO_RIDGES).all()  # blank paper
    finger = blocks[blocks != NO_RIDGES]
    assert finger.size > 150 and finger.max() <= 100  # the print's blocks, clarity in percent
    assert np.median(finger) > 60  # a good print: mostly clear ridges


def test_noise_where_the_ridges_were_shows_as_unclear(fvc_data: Path) -> None:
    image = cv2.imread(str(fvc_data / "fvc2002_db1_b" / "101_1.tif"), cv2.IMREAD_GRAYSCALE)
    smudged = image.copy()
    h, w = image.shape
    middle = (slice(h // 3, 2 * h // 3), slice(w // 3, 2 * w // 3))
    smudged[middle] = np.random.default_rng(3).integers(60, 200, smudged[middle].shape).astype(np.uint8)
    clean, dirty = live_feedback(image).clarity_map, live_feedback(smudged).clarity_map
    assert clean is not None and dirty is not None
    rows, cols = (
        slice(dirty.shape[0] // 3 + 1, 2 * dirty.shape[0] // 3 - 1),
        slice(dirty.shape[1] // 3 + 1, 2 * dirty.shape[1] // 3 - 1),
    )
    assert np.median(dirty[rows, cols]) < 35 <= np.median(clean[rows, cols])
