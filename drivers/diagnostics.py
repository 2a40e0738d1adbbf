"""Blank-platen analysis for the self-test: brightness, evenness of the illumination, dust and latent prints.

A technician's first question about an optical scanner is whether the empty platen still gives a bright, even frame
without dark blobs: a dim lamp, a failing corner of the illumination or a latent print left on the glass all cost
image quality long before anything "breaks". The figures are robust statistics over the frame so that sensor noise
alone does not fail the test.
"""

from __future__ import annotations

import cv2
import numpy as np

from drivers.base import BlankFrameStats, SelfTestCheck

BLANK_GRID_BLOCKS = 8  # uniformity is measured on an 8 x 8 grid of block means
BLANK_MIN_MEAN = 120.0  # a lit platen below this is too dark to give contrast (0-255)
BLANK_MIN_UNIFORMITY = 0.75  # 1 - (p95 - p5 of block means) / mean
BACKGROUND_SCALE = 4  # the background is estimated on a copy this many times smaller
SPOT_MIN_DEPTH = 25.0  # grey levels below the local background that make a pixel part of a spot
SPOT_MIN_AREA_PX = 6  # smaller blobs are sensor noise
SPOT_MAX_AREA_FRACTION = 0.01  # more than 1 % of the platen covered by spots: clean the glass


def analyse_blank_frame(image: np.ndarray) -> BlankFrameStats:
    """Statistics of a frame taken with nothing on the platen (uint8, dark = dark)."""
    if image.ndim != 2 or image.size == 0:
        raise ValueError(f"a blank frame must be a non-empty 2-D grey image, got shape {image.shape}")
    frame = image.astype(np.float32)
    mean = float(frame.mean())
    h, w = frame.shape
    bh, bw = max(1, h // BLANK_GRID_BLOCKS), max(1, w // BLANK_GRID_BLOCKS)
    blocks = frame[: bh * BLANK_GRID_BLOCKS, : bw * BLANK_GRID_BLOCKS]
    block_means = blocks.reshape(BLANK_GRID_BLOCKS, bh, BLANK_GRID_BLOCKS, bw).mean(axis=(1, 3))
    spread = float(np.percentile(block_means, 95) - np.percentile(block_means, 5))
    uniformity = 1.0 - spread / mean if mean > 0 else 0.0

    background = _background(image.astype(np.uint8))
    dark = (background - frame) > SPOT_MIN_DEPTH
    count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(dark.astype(np.uint8), connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA] if count > 1 else np.zeros(0, dtype=np.int32)
    spots = areas[areas >= SPOT_MIN_AREA_PX]
    return BlankFrameStats(
        mean=round(mean, 2),
        uniformity=round(max(0.0, uniformity), 4),
        spots=int(spots.size),
        spot_area_fraction=round(float(spots.sum()) / float(h * w), 5),
    )


def _background(image: np.ndarray) -> np.ndarray:
    """The platen's lighting without small or mid-sized blobs: a wide median on a quarter-size copy."""
    h, w = image.shape
    size = (max(1, w // BACKGROUND_SCALE), max(1, h // BACKGROUND_SCALE))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    kernel = min(255, max(5, (min(small.shape) // 2) | 1))
    return cv2.resize(cv2.medianBlur(small, kernel), (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)


def judge_blank_frame(stats: BlankFrameStats) -> list[SelfTestCheck]:
    """Pass/fail checks with a detail a technician can act on."""
    return [
        SelfTestCheck(
            "platen brightness",
            stats.mean >= BLANK_MIN_MEAN,
            f"mean grey {stats.mean:.1f} (needs >= {BLANK_MIN_MEAN:.0f}; below: lamp or sensor gain failing)",
        ),
        SelfTestCheck(
            "illumination uniformity",
            stats.uniformity >= BLANK_MIN_UNIFORMITY,
            f"uniformity {stats.uniformity:.3f} (needs >= {BLANK_MIN_UNIFORMITY}; below: uneven light, check the lamp)",
        ),
        SelfTestCheck(
            "dust and latent prints",
            stats.spot_area_fraction <= SPOT_MAX_AREA_FRACTION,
            f"{stats.spots} dark spots covering {stats.spot_area_fraction:.2%} of the platen"
            f" (at most {SPOT_MAX_AREA_FRACTION:.0%}; above: clean the platen glass)",
        ),
    ]
