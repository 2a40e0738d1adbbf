"""Ridge texture on the block grid: band-pass energy per 16 px block, and the blobs of strong texture in it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

from station.booking.segmentation.parameters import (
    BLOCK,
    GROW_BLOCKS,
    LOCAL_BLOCKS,
    LOCAL_FLOOR,
    RIDGE_PERIOD_PX,
    RIDGE_SHARE_MIN,
    TEXTURE_TILE,
)


@dataclass
class Blob:
    mask: np.ndarray  # bool on the block grid
    area: int
    cy: float
    cx: float
    angle: float  # radians from vertical, + = tip leaning right
    elongation: float
    light: bool = False  # found only by the second, locally adaptive threshold (see find_blobs)
    cut: bool = False  # reaches the image's edge: part of the print is beyond it, its shape is not the finger's


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


def ridge_share(pixels: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Per block of the grid, where `where` (bool, block grid) holds: the share of its 32 px tile's spectral energy
    at ridge frequencies (0 elsewhere).

    Friction ridges are a periodic pattern of one spacing (5-14 px at 500 ppi): most of a tile's energy lies in that
    ring of its spectrum. A pen stroke, a printed letter or a card line is an edge or two in a tile, its energy
    spread down to the lowest frequencies; noise spreads it evenly. Tiles of blank paper score 0.
    """
    t, per = TEXTURE_TILE, TEXTURE_TILE // BLOCK
    gh, gw = where.shape
    th, tw = min(pixels.shape[0] // t, -(-gh // per)), min(pixels.shape[1] // t, -(-gw // per))
    share = np.zeros((max(th, 1), max(tw, 1)), np.float32)
    padded = np.zeros((th * per, tw * per), bool)
    padded[: min(gh, th * per), : min(gw, tw * per)] = where[: th * per, : tw * per]
    ty, tx = np.nonzero(padded.reshape(th, per, tw, per).any(axis=(1, 3)))
    if ty.size:
        view = pixels[: th * t, : tw * t].reshape(th, t, tw, t).transpose(0, 2, 1, 3)
        tiles = view[ty, tx].astype(np.float32)
        tiles -= tiles.mean(axis=(1, 2), keepdims=True)
        flat = tiles.std(axis=(1, 2)) < 2.0  # blank paper (grey levels)
        window = np.outer(np.hanning(t), np.hanning(t)).astype(np.float32)
        power = np.abs(np.fft.rfft2(tiles * window)) ** 2
        radius = np.hypot(*np.meshgrid(np.fft.fftfreq(t) * t, np.fft.rfftfreq(t) * t, indexing="ij"))
        lo, hi = t / RIDGE_PERIOD_PX[1], t / RIDGE_PERIOD_PX[0]
        band = power[:, (radius >= lo) & (radius <= hi)].sum(axis=-1)
        total = power[:, (radius >= 1) & (radius <= t / 2)].sum(axis=-1)
        share[ty, tx] = np.where(flat, 0.0, band / np.maximum(total, 1e-6))
    share = np.repeat(np.repeat(share, per, axis=0), per, axis=1)
    share = np.pad(share, ((0, max(0, gh - share.shape[0])), (0, max(0, gw - share.shape[1]))), mode="edge")
    return share[:gh, :gw]


def find_blobs(energy: np.ndarray, pixels: np.ndarray | None = None, adaptive: bool = True) -> list[Blob]:
    """Ridge-texture blobs at a threshold relative to the image's strongest ridges.

    With the `pixels` the energy is of (see `ridge_share`), a blob whose median block has less than RIDGE_SHARE_MIN
    of its energy at ridge frequencies is handwriting, print or a card's line, dark and edgy but not ridges, and is
    dropped.

    `adaptive` (several prints of unequal pressure, as in a slap): a light finger beside heavy ones can fall under
    that threshold. A second mask whose threshold follows the ridge energy nearby (never below LOCAL_FLOOR of the
    strongest) finds it; only its blobs that lie apart from every first-pass blob are added, so the heavy prints
    keep exactly their first-pass regions.
    """
    strong = float(np.percentile(energy, 99))
    if strong <= 1.0:
        return []
    first = energy > 0.28 * strong
    if adaptive:
        local = cv2.dilate(cv2.GaussianBlur(energy, (0, 0), 1.5), disc(LOCAL_BLOCKS))
        reference = np.clip(local, LOCAL_FLOOR * strong, strong)
        second = energy > 0.28 * reference  # holds wherever `first` does
    share = None if pixels is None else ridge_share(pixels, second if adaptive else first)
    if share is not None:  # blocks of strokes and print beside a print are not part of it
        first = first & (share >= RIDGE_SHARE_MIN)
        if adaptive:
            second = second & (share >= RIDGE_SHARE_MIN)
    blobs = _ridged(_blobs_of(first), share)
    if not adaptive:
        return blobs
    taken = np.zeros(energy.shape, np.uint8)
    for b in blobs:
        taken |= b.mask.astype(np.uint8)
    taken = cv2.dilate(taken, disc(2 * GROW_BLOCKS + 1)) > 0
    light = [b for b in _ridged(_blobs_of(second), share) if not (b.mask & taken).any()]
    for b in light:
        b.light = True
    return blobs + light


def _ridged(blobs: list[Blob], share: np.ndarray | None) -> list[Blob]:
    if share is None:
        return blobs
    return [b for b in blobs if float(np.median(share[b.mask])) >= RIDGE_SHARE_MIN]


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
    cut = bool(region[0].any() or region[-1].any() or region[:, 0].any() or region[:, -1].any())
    return Blob(region, area, cy, cx, angle, elongation, cut=cut)
