"""Ridge texture on the block grid: band-pass energy per 16 px block, and the blobs of strong texture in it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

from station.booking.segmentation.parameters import BLOCK, GROW_BLOCKS, LOCAL_BLOCKS, LOCAL_FLOOR


@dataclass
class Blob:
    mask: np.ndarray  # bool on the block grid
    area: int
    cy: float
    cx: float
    angle: float  # radians from vertical, + = tip leaning right
    elongation: float
    light: bool = False  # found only by the second, locally adaptive threshold (see find_blobs)


def ridge_energy(pixels: np.ndarray) -> np.ndarray:
    """Per 16 px block: ridge-band energy, weighted by its share of ridge-band + coarser-band energy.

    Ridges put their energy in the band of ridge spacing; text, pen strokes, card borders and punch holes put much of
    theirs in the coarser band, so the weighting keeps friction ridges and damps the rest.
    """
    h, w = pixels.shape
    half = cv2.resize(pixels, (w // 2, h // 2), interpolation=cv2.INTER_AREA).astype(np.float32)
    fine = cv2.GaussianBlur(half, (0, 0), 0.8)
    mid = cv2.GaussianBlur(half, (0, 0), 2.5)
    coarse = cv2.GaussianBlur(half, (0, 0), 8.0)
    grid = (max(1, w // BLOCK), max(1, h // BLOCK))
    ridge = cv2.resize(np.abs(fine - mid), grid, interpolation=cv2.INTER_AREA)
    low = cv2.resize(np.abs(mid - coarse), grid, interpolation=cv2.INTER_AREA)
    energy = ridge * ridge / (ridge + low + 1e-3)
    return cv2.GaussianBlur(energy, (0, 0), 0.7)


def disc(diameter: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (diameter, diameter))


def fill_small_holes(mask: np.ndarray, max_blocks: int) -> np.ndarray:
    holes = ndimage.binary_fill_holes(mask) & (mask == 0)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(holes.astype(np.uint8), connectivity=4)
    small = np.zeros(n, bool)
    small[1:] = stats[1:, cv2.CC_STAT_AREA] <= max_blocks
    return (mask.astype(bool) | small[labels]).astype(np.uint8)


def find_blobs(energy: np.ndarray, adaptive: bool = True) -> list[Blob]:
    """Ridge-texture blobs at a threshold relative to the image's strongest ridges.

    `adaptive` (several prints of unequal pressure, as in a slap): a light finger beside heavy ones can fall under
    that threshold. A second mask whose threshold follows the ridge energy nearby (never below LOCAL_FLOOR of the
    strongest) finds it; only its blobs that lie apart from every first-pass blob are added, so the heavy prints
    keep exactly their first-pass regions.
    """
    strong = float(np.percentile(energy, 99))
    if strong <= 1.0:
        return []
    blobs = _blobs_of(energy > 0.28 * strong)
    if not adaptive:
        return blobs
    local = cv2.dilate(cv2.GaussianBlur(energy, (0, 0), 1.5), disc(LOCAL_BLOCKS))
    reference = np.clip(local, LOCAL_FLOOR * strong, strong)
    taken = np.zeros(energy.shape, np.uint8)
    for b in blobs:
        taken |= b.mask.astype(np.uint8)
    taken = cv2.dilate(taken, disc(2 * GROW_BLOCKS + 1)) > 0
    light = [b for b in _blobs_of(energy > 0.28 * reference) if not (b.mask & taken).any()]
    for b in light:
        b.light = True
    return blobs + light


def _blobs_of(above: np.ndarray) -> list[Blob]:
    """The blobs of a thresholded energy map: holes filled, thin strokes opened away, touching prints separated."""
    mask = fill_small_holes(above.astype(np.uint8), max_blocks=120)  # punch holes, scars, creases inside a print
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, disc(7))
    if not mask.any():
        return []
    dist = cv2.distanceTransform(mask, cv2.DIST_L2, 5)
    seeds = (dist >= 3.5).astype(np.uint8)
    seeds = cv2.morphologyEx(seeds, cv2.MORPH_OPEN, disc(3))
    n, labels = cv2.connectedComponents(seeds)
    if n <= 1:
        return []
    # Grow each seed back over the mask (nearest seed wins): separates fingertips that touch.
    _, (iy, ix) = ndimage.distance_transform_edt(labels == 0, return_indices=True)
    grown = np.where(mask > 0, labels[iy, ix], 0)
    blobs = []
    for label in range(1, n):
        region = grown == label
        # Shave what is much thinner than this blob (a text line or pen stroke touching a fingertip).
        radius = min(float(dist[region].max()), float(max(region.shape)))  # a mask with no background: inf
        region = cv2.morphologyEx(region.astype(np.uint8), cv2.MORPH_OPEN, disc(max(5, int(1.2 * radius) | 1)))
        k, parts, part_stats, _ = cv2.connectedComponentsWithStats(region)
        if k <= 1:
            continue
        region = parts == 1 + int(np.argmax(part_stats[1:, cv2.CC_STAT_AREA]))
        blob = make_blob(region)
        if blob is not None:
            blobs.append(blob)
    return blobs


def make_blob(region: np.ndarray) -> Blob | None:
    area = int(region.sum())
    if area < 60:  # < about 15 000 px: not a fingertip
        return None
    ys, xs = np.nonzero(region)
    cy, cx = float(ys.mean()), float(xs.mean())
    cov = np.cov(np.vstack([xs - cx, ys - cy]))
    evals, evecs = np.linalg.eigh(cov)
    vx, vy = evecs[:, 1]
    if vy > 0:
        vx, vy = -vx, -vy  # point up the finger (towards the tip, -y)
    angle = math.atan2(vx, -vy)
    elongation = float(math.sqrt(evals[1] / max(evals[0], 1e-6)))
    return Blob(region, area, cy, cx, angle, elongation)
