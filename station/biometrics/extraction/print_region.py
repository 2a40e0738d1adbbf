"""Where the print is in the frame, found cheaply, so the extractor's costs follow the print and not the frame.

A live-scan frame (640 x 480 optical sensors, 800 x 750 plain-finger platens, rolled boxes cut from cards) is often
mostly empty platen. Before the first costly stage the frame is read on 8 x 8 blocks at the price of two area
resizes: a block's grey-level standard deviation is high on ridges and low on an empty platen, smooth shading or
the flat inside of a frame edge. The blocks above a fraction of the print's typical value, opened to drop specks of
dust and cut to the rows and columns where print lies, give a box that is grown by a margin wider than every
smoothing window of the pipeline and snapped to the pipeline's coarsest grid (the ridge-period windows), so the
stages see the print's pixels exactly where they would see them in the whole frame. A box that would save little
is not used: the whole frame is read, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from station.biometrics.extraction import parameters as p


@dataclass(frozen=True)
class PrintBox:
    """Pixel rows `top:bottom` and columns `left:right` of the frame that hold the print."""

    top: int
    bottom: int
    left: int
    right: int

    @property
    def area(self) -> int:
        return (self.bottom - self.top) * (self.right - self.left)


def locate(pixels: np.ndarray) -> PrintBox:
    """The box to extract from (the whole frame when cropping would not save `CROP_MIN_SAVING` of it)."""
    height, width = pixels.shape
    whole = PrintBox(0, height, 0, width)
    block = p.SEGMENT_BLOCK_PX
    rows, cols = height // block, width // block
    if rows < 3 or cols < 3:
        return whole
    grey = pixels[: rows * block, : cols * block].astype(np.float32)
    mean = cv2.resize(grey, (cols, rows), interpolation=cv2.INTER_AREA)
    square = cv2.resize(grey * grey, (cols, rows), interpolation=cv2.INTER_AREA)
    spread = np.sqrt(np.maximum(square - mean * mean, 0.0))
    typical = float(np.percentile(spread, 90))
    votes = (spread > max(p.SEGMENT_MIN_CONTRAST, p.CROP_RELATIVE_SPREAD * typical)).astype(np.uint8)
    votes = cv2.morphologyEx(votes, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    occupied_rows, occupied_cols = np.flatnonzero(votes.any(axis=1)), np.flatnonzero(votes.any(axis=0))
    if occupied_rows.size == 0:
        return whole
    snap, margin = p.FREQ_BLOCK_PX, p.CROP_MARGIN_PX
    top = max(0, (int(occupied_rows[0]) * block - margin) // snap * snap)
    left = max(0, (int(occupied_cols[0]) * block - margin) // snap * snap)
    bottom = min(height, -(-((int(occupied_rows[-1]) + 1) * block + margin) // snap) * snap)
    right = min(width, -(-((int(occupied_cols[-1]) + 1) * block + margin) // snap) * snap)
    box = PrintBox(top, bottom, left, right)
    return box if box.area <= (1.0 - p.CROP_MIN_SAVING) * whole.area else whole
