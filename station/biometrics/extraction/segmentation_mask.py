"""The foreground mask: where the print is, as opposed to the empty platen, smudges and latent residue.

Decided on 8 x 8 blocks from two cues that fail differently: contrast (the RMS of the mean-free grey levels in
the block, low on an empty platen) and coherence (ridges flow one way, sensor noise and smudges do not). The block
map is smoothed morphologically, reduced to the largest connected region with its holes filled, and scaled back to
pixels. `inner` is the mask shrunk by the border margin: minutiae outside it sit on ridges cut by the print's edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from station.biometrics.extraction import parameters as p


@dataclass(frozen=True)
class SegmentationMask:
    mask: np.ndarray  # bool (H, W): print
    inner: np.ndarray  # bool (H, W): print far enough from its border (and the image's) to trust minutiae

    @property
    def area_fraction(self) -> float:
        return float(self.mask.mean())


def compute(pixels: np.ndarray, coherence: np.ndarray) -> SegmentationMask:
    """The mask from the grey levels and the ridge coherence (orientation_field)."""
    height, width = pixels.shape
    grey = pixels.astype(np.float32)
    detail = grey - cv2.GaussianBlur(grey, (0, 0), p.SEGMENT_DETAIL_SIGMA_PX)
    block = p.SEGMENT_BLOCK_PX
    blocks = (max(1, width // block), max(1, height // block))
    # RMS of fine detail in each block on its own: ridges are full of it, while the step at the print's edge (or a
    # sensor's frame) only has it within a few pixels, so the mask does not spill over into the background.
    block_contrast = np.sqrt(cv2.resize(detail * detail, blocks, interpolation=cv2.INTER_AREA))
    block_coherence = cv2.resize(coherence, blocks, interpolation=cv2.INTER_AREA)
    typical = float(np.percentile(block_contrast, 90))
    threshold = max(p.SEGMENT_MIN_CONTRAST, p.SEGMENT_RELATIVE_CONTRAST * typical)
    votes = (block_contrast > threshold) & (block_coherence > p.SEGMENT_MIN_COHERENCE)
    grid = _clean(votes.astype(np.uint8))
    mask = cv2.resize(grid, (width, height), interpolation=cv2.INTER_NEAREST).astype(bool)
    return SegmentationMask(mask=mask, inner=_shrink(mask, p.SEGMENT_BORDER_MARGIN_PX))


def _clean(grid: np.ndarray) -> np.ndarray:
    """Close gaps, drop specks, keep the largest region and fill its holes (block grid, uint8 0/1)."""
    radius = p.SEGMENT_SMOOTH_RADIUS_BLOCKS
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    padded = cv2.copyMakeBorder(grid, radius, radius, radius, radius, cv2.BORDER_CONSTANT, value=0)
    padded = cv2.morphologyEx(padded, cv2.MORPH_CLOSE, disc)
    padded = cv2.morphologyEx(padded, cv2.MORPH_OPEN, disc)
    grid = padded[radius:-radius, radius:-radius]
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=4)
    if count <= 1:
        return np.zeros_like(grid)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    region = (labels == largest).astype(np.uint8)
    # Holes: background components of the inverted region that do not touch the grid's border.
    outside = cv2.copyMakeBorder(1 - region, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=1)
    _, background = cv2.connectedComponents(outside, connectivity=4)
    return ((background[1:-1, 1:-1] != background[0, 0]) | (region == 1)).astype(np.uint8)


def _shrink(mask: np.ndarray, margin: int) -> np.ndarray:
    """The mask eroded by `margin` pixels, counting the image border as background."""
    padded = cv2.copyMakeBorder(mask.astype(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    distance = cv2.distanceTransform(padded, cv2.DIST_L2, 3)[1:-1, 1:-1]
    return distance > margin
