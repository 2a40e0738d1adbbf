"""Slap segmentation: a four-finger (or two-thumb) flat impression -> one image per finger, with box and axis angle.

Works on any slap at any resolution (resampled to 500 ppi internally; boxes are returned in the input's pixels):

1. Ridge texture: band-pass (difference of Gaussians tuned to ridge spacing) energy on 16 x 16 px blocks. Dense
   ridge texture is bright; paper, text, handwriting strokes and punch holes are not, or only thinly.
2. A mask of strong texture, opened with a disc of about 5 mm so thin strokes (card text, writing) drop out and
   holes are filled; touching blobs are separated by a watershed on the distance transform.
3. The hand axis: the area-weighted mean of the well-printed blobs' principal directions (fingers point up, +-45 deg).
   A second, locally adaptive threshold adds light fingers lying apart from the first-pass blobs.
4. A fingertip is the distal-most blob of its finger: blobs behind another in their column along the hand axis, or
   in line along that finger's own axis, are lower phalanges. A blob twice a fingertip's width is two fingers pressed
   together and is split at its notch. A blob longer than a fingertip is cut 1.6 widths from its tip.
5. The expected number of tips is kept (4, or 2 for thumbs, less any the caller says are amputated): when more are
   found, the set with one tip per finger column, most ridge area and the smoothest arc across the hand; when fewer,
   the widest gaps between neighbours show which finger is missing.
6. Numbering across the hand, as the print is seen: right slap index..little left to right (2, 3, 4, 5); left
   slap little..index (10, 9, 8, 7); two thumbs: left thumb (6), right thumb (1).

Nothing here depends on a particular card or scanner: the thresholds are relative to the image's own ridge energy.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy import ndimage

from station.biometrics.image import FingerImage, to_canonical
from station.booking.printed_text import printed_text_mask
from station.booking.ruled_lines import find_and_exclude
from station.errors import InputError
from station.formats.ansi_nist.codes import FINGER_NAMES

BLOCK = 16  # px at 500 ppi
CONTEXT_MM = 2.0  # the finger image reaches this far beyond its SEG box
NOTCH_BLOCKS = 3.0  # depth of the notch between two touching fingertips (3 blocks = 2.4 mm)
WIDE_TIP_BLOCKS = 26  # wider than any single fingertip across the hand (21 mm)
MIN_FINGER_BLOCKS = 8  # narrowest fingertip, across the hand (8 blocks = 6.5 mm)
IN_LINE_DEG = 25.0  # a blob this close to straight behind another (off the hand axis) is the same finger
SAME_COLUMN = 0.3  # two tips overlapping across the hand by more than this share of their width: one finger
GROW_BLOCKS = 2  # ... and keeps the pixels within this many blocks of the finger's ridge region
LOCAL_BLOCKS = 9  # the mask threshold follows the ridge energy within this window (7 mm) ...
LOCAL_FLOOR = 0.4  # ... but never drops below this share of the image's strongest ridges
LIGHT_AREA_WEIGHT = 0.5  # a blob found only by that local threshold weighs half its area in the choice of tips:
# it may be a light finger, or handwriting and captions, and a well-printed candidate of the same place wins
HAND_POSITIONS: dict[str, tuple[int, ...]] = {
    "right": (2, 3, 4, 5),  # left to right across the image
    "left": (10, 9, 8, 7),
    "thumbs": (6, 1),
    "right_thumb": (1,),
    "left_thumb": (6,),
}


@dataclass(frozen=True)
class FingerSegment:
    """One finger cut out of a slap. Box in the input image's pixels: left, top, right, bottom (exclusive)."""

    position: int  # FGP 1-10
    box: tuple[int, int, int, int]
    angle: float  # finger axis, degrees from vertical, positive when the tip leans right (clockwise)
    image: FingerImage = field(repr=False)
    ridge_area_mm2: float = 0.0

    @property
    def name(self) -> str:
        return FINGER_NAMES[self.position]  # the ANSI/NIST finger position names

    def seg_field(self) -> tuple[int, int, int, int, int]:
        """The Type-14 SEG subfield: (fgp, left x, right x, top y, bottom y)."""
        left, top, right, bottom = self.box
        return (self.position, left, right - 1, top, bottom - 1)

    def as_dict(self) -> dict[str, object]:
        return {
            "position": self.position,
            "name": self.name,
            "box": {"left": self.box[0], "top": self.box[1], "right": self.box[2], "bottom": self.box[3]},
            "angle": round(self.angle, 1),
            "ridge_area_mm2": round(self.ridge_area_mm2, 1),
        }


@dataclass(frozen=True)
class SlapSegmentation:
    hand: str
    expected: tuple[int, ...]  # positions expected in the image (amputated ones removed)
    fingers: tuple[FingerSegment, ...]
    missing: tuple[int, ...]  # expected positions not found
    extra_blobs: int  # fingertip-like blobs left over (more than expected)
    hand_angle: float

    @property
    def count_ok(self) -> bool:
        return not self.missing and self.extra_blobs == 0

    def finger(self, position: int) -> FingerSegment | None:
        return next((f for f in self.fingers if f.position == position), None)

    def as_dict(self) -> dict[str, object]:
        return {
            "hand": self.hand,
            "expected": list(self.expected),
            "found": len(self.fingers),
            "missing": list(self.missing),
            "extra_blobs": self.extra_blobs,
            "hand_angle": round(self.hand_angle, 1),
            "fingers": [f.as_dict() for f in self.fingers],
        }


@dataclass
class _Blob:
    mask: np.ndarray  # bool on the block grid
    area: int
    cy: float
    cx: float
    angle: float  # radians from vertical, + = tip leaning right
    elongation: float
    light: bool = False  # found only by the second, locally adaptive threshold (see _blobs)


def _ridge_energy(pixels: np.ndarray) -> np.ndarray:
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


def _disc(diameter: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (diameter, diameter))


def _fill_small_holes(mask: np.ndarray, max_blocks: int) -> np.ndarray:
    holes = ndimage.binary_fill_holes(mask) & (mask == 0)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(holes.astype(np.uint8), connectivity=4)
    small = np.zeros(n, bool)
    small[1:] = stats[1:, cv2.CC_STAT_AREA] <= max_blocks
    return (mask.astype(bool) | small[labels]).astype(np.uint8)


def _blobs(energy: np.ndarray, adaptive: bool = True) -> list[_Blob]:
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
    local = cv2.dilate(cv2.GaussianBlur(energy, (0, 0), 1.5), _disc(LOCAL_BLOCKS))
    reference = np.clip(local, LOCAL_FLOOR * strong, strong)
    taken = np.zeros(energy.shape, np.uint8)
    for b in blobs:
        taken |= b.mask.astype(np.uint8)
    taken = cv2.dilate(taken, _disc(2 * GROW_BLOCKS + 1)) > 0
    light = [b for b in _blobs_of(energy > 0.28 * reference) if not (b.mask & taken).any()]
    for b in light:
        b.light = True
    return blobs + light


def _blobs_of(above: np.ndarray) -> list[_Blob]:
    """The blobs of a thresholded energy map: holes filled, thin strokes opened away, touching prints separated."""
    mask = _fill_small_holes(above.astype(np.uint8), max_blocks=120)  # punch holes, scars, creases inside a print
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, _disc(7))
    if not mask.any():
        return []
    dist = cv2.distanceTransform(mask, cv2.DIST_L2, 5)
    seeds = (dist >= 3.5).astype(np.uint8)
    seeds = cv2.morphologyEx(seeds, cv2.MORPH_OPEN, _disc(3))
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
        region = cv2.morphologyEx(region.astype(np.uint8), cv2.MORPH_OPEN, _disc(max(5, int(1.2 * radius) | 1)))
        k, parts, part_stats, _ = cv2.connectedComponentsWithStats(region)
        if k <= 1:
            continue
        region = parts == 1 + int(np.argmax(part_stats[1:, cv2.CC_STAT_AREA]))
        blob = _make_blob(region)
        if blob is not None:
            blobs.append(blob)
    return blobs


def _make_blob(region: np.ndarray) -> _Blob | None:
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
    return _Blob(region, area, cy, cx, angle, elongation)


def _split_touching(blob: _Blob, axis: float, min_depth: float = 3.0) -> list[_Blob]:
    """Fingertips pressed together form one blob; the notches of its tip-side outline show where they meet.

    Across the hand (u), the outline nearest the tips (min v) of a single fingertip is one arc; between two
    touching fingertips it rises into a notch. Cut at the most prominent notch (>= NOTCH_BLOCKS deep on both sides,
    each side at least MIN_FINGER_BLOCKS wide), recursively.
    """
    ys, xs = np.nonzero(blob.mask)
    ca, sa = math.cos(axis), math.sin(axis)
    u = np.round(xs * ca + ys * sa).astype(int)
    v = -xs * sa + ys * ca
    u0 = int(u.min())
    cols = u - u0
    top = np.full(int(cols.max()) + 1, np.inf)
    np.minimum.at(top, cols, v)
    if top.size < 2 * MIN_FINGER_BLOCKS:
        return [blob]
    valid = np.isfinite(top)
    top = np.interp(np.arange(top.size), np.flatnonzero(valid), top[valid])
    best, best_depth = None, 0.0
    for k in range(MIN_FINGER_BLOCKS, top.size - MIN_FINGER_BLOCKS):
        depth = min(top[k] - top[:k].min(), top[k] - top[k + 1 :].min())
        if top[k] >= top[k - 1] and top[k] >= top[k + 1] and depth > best_depth:
            best, best_depth = k, depth
    if best is None or best_depth < min_depth:
        return [blob]
    parts = []
    for side in (cols < best, cols >= best):
        region = np.zeros_like(blob.mask)
        region[ys[side], xs[side]] = True
        part = _make_blob(region)
        if part is not None:
            part.light = blob.light
            parts.extend(_split_touching(part, axis, min_depth))
    return parts or [blob]


def _drop_specks(blobs: list[_Blob], expected: int) -> list[_Blob]:
    """Drop specks, stroke remnants and edges of other boxes: blobs under a fifth of a typical finger blob.

    Typical = the median of the `expected` largest blobs, not the largest alone: two fingers pressed into one blob
    must not make a light little finger look like a speck.
    """
    areas = sorted((b.area for b in blobs), reverse=True)[: max(1, expected)]
    typical = float(np.median(areas)) if areas else 0.0
    return [b for b in blobs if b.area >= 0.2 * typical]


def _hand_angle(blobs: list[_Blob]) -> float:
    """Area-weighted direction of the finger-like blobs. Blobs lying across (> 45 deg: fingertips pressed together
    side by side, a line of text) say nothing about the axis and are left out."""
    limit = math.radians(45)
    heavy = [b for b in blobs if not b.light] or blobs  # faint texture (captions, light phalanges) only if alone
    finger_like = [b for b in heavy if b.elongation > 1.15 and abs(b.angle) <= limit]
    weights = [b.area * min(b.elongation - 1.0, 1.0) for b in finger_like]
    angles = [b.angle for b in finger_like]
    if not weights or sum(weights) <= 0:
        return 0.0
    return float(np.average(angles, weights=weights))


def _extent(u: np.ndarray, v: np.ndarray, du: float, dv: float) -> tuple[float, float]:
    """The blob's pixels projected on the unit direction (du, dv): (centre, far end towards +direction)."""
    proj = u * du + v * dv
    return float(np.median(proj)), float(np.percentile(proj, 98))


def _behind(b: tuple, other: tuple, axis: float) -> bool:
    """Is blob b a lower phalanx of the finger whose more distal blob is `other`?

    The phalanges of one finger lie along that finger's own ray, which may be tilted off the hand axis (a little
    finger splays outwards). b is behind `other` when the step from b to `other` points tipwards within IN_LINE_DEG
    of either the hand axis or `other`'s own axis, and the gap between their facing edges is under about one finger
    width (the crease between two phalanges; the next finger's tip is a finger width across, not along).
    """
    _, u, v = b
    oblob, ou, ov = other
    du, dv = float(np.median(ou) - np.median(u)), float(np.median(ov) - np.median(v))
    dist = math.hypot(du, dv)
    if dv >= 0 or dist <= 0:
        return False
    step = math.atan2(du, -dv)  # direction of the step, radians from the tipwards hand axis
    own = oblob.angle - axis if oblob.elongation > 1.2 else 0.0
    if min(abs(step), abs(step - own)) > math.radians(IN_LINE_DEG):
        return False
    ux, vx = du / dist, dv / dist
    c_b, far_b = _extent(u, v, ux, vx)
    c_o, near_o = _extent(ou, ov, -ux, -vx)
    gap = dist - (far_b - c_b) - (near_o - c_o)
    width = max(np.percentile(u, 95) - np.percentile(u, 5), np.percentile(ou, 95) - np.percentile(ou, 5))
    return gap < 0.8 * width


def _tips(blobs: list[_Blob], axis: float) -> list[tuple[_Blob, float, float, float]]:
    """Blobs nearest the fingertips in their column: (blob, u across, v along (tips negative), width in blocks).

    A blob is dropped when a larger-than-half blob lies tipwards of it in the same column along the hand axis, or
    along its finger's own ray (see _behind): a fingertip is the distal-most blob of its finger.
    """
    ca, sa = math.cos(axis), math.sin(axis)
    placed = []
    for b in blobs:
        ys, xs = np.nonzero(b.mask)
        u = xs * ca + ys * sa
        v = -xs * sa + ys * ca
        placed.append((b, u, v))
    tips = []
    for item in placed:
        b, u, v = item
        lo, hi = np.percentile(u, 5), np.percentile(u, 95)
        covered = False
        for other in placed:
            oblob, ou, ov = other
            if oblob is b or np.median(ov) >= np.median(v) or oblob.area <= 0.5 * b.area:
                continue
            if oblob.light and not b.light:  # faint texture never hides a well-printed blob
                continue
            olo, ohi = np.percentile(ou, 5), np.percentile(ou, 95)
            overlap = min(hi, ohi) - max(lo, olo)
            if overlap > 0.5 * min(hi - lo, ohi - olo) or _behind(item, other, axis):
                covered = True
                break
        if not covered:
            tips.append((b, float(np.median(u)), float(v.min()), float(hi - lo)))
    return tips


def _split_pressed(blobs: list[_Blob], tips: list, axis: float, expected: int) -> tuple[list[_Blob], list]:
    """Fingers pressed together: a tip blob as wide as two is split at its notch, even a shallow one.

    With fewer tips than expected the count says a split must exist, and 1.5 typical widths suffice; with the count
    already met, a blob twice the typical width is two fingers all the same (the extra tip then was a lower phalanx
    or a stray blob, which the tip rules and _choose drop once the pair is split).
    """
    for _ in range(max(expected, 1)):
        if not 0 < len(tips) <= expected:
            break
        widest = max(tips, key=lambda t: t[3])
        others = [t[3] for t in tips if t is not widest]
        typical = float(np.median(others)) if others else WIDE_TIP_BLOCKS / 1.5
        factor = 1.5 if len(tips) < expected else 2.0
        if widest[3] < max(factor * typical, WIDE_TIP_BLOCKS * 0.8):
            break
        parts = _split_touching(widest[0], axis, min_depth=1.0)
        if len(parts) < 2:
            break
        blobs = [b for b in blobs if b is not widest[0]] + parts
        tips = _tips(blobs, axis)
    return blobs, tips


def _choose(tips: list, expected: int) -> tuple[list, int]:
    """The expected number of tips, left to right, and how many well-printed tips are left over (extra fingers).

    Of the sets with at most one tip per finger column (a lower phalanx still counted as a tip shares its column
    with its fingertip), the one with the most ridge area whose tips lie on a smooth arc across the hand (RMS off a
    parabola, in fingertip widths, costs as much as area)."""
    tips = sorted(tips, key=lambda t: t[1])
    if expected <= 0:
        return [], len(tips)
    typical = float(np.median([t[0].area for t in tips])) if tips else 0.0
    tips = [t for t in tips if t[0].area >= 0.35 * typical]  # a little fingertip is about half a middle one
    if len(tips) <= expected:
        return tips, 0
    width = float(np.median([t[3] for t in tips]))

    def same_column(a: tuple, b: tuple) -> bool:  # one finger cannot give two tips side by side less than this
        return abs(b[1] - a[1]) < (1 - SAME_COLUMN) * 0.5 * (a[3] + b[3])

    def score(combo: tuple) -> float:
        area = sum(t[0].area * (LIGHT_AREA_WEIGHT if t[0].light else 1.0) for t in combo) / max(typical, 1.0)
        if len(combo) < 3:
            return area
        u = np.array([t[1] for t in combo])
        v = np.array([t[2] for t in combo])
        fit = np.polyval(np.polyfit(u, v, 2 if len(combo) > 3 else 1), u)
        return area - float(np.sqrt(np.mean((v - fit) ** 2))) / max(width, 1.0)

    combos = [
        c
        for c in itertools.combinations(tips, expected)
        if not any(same_column(a, b) for a, b in itertools.pairwise(c))
    ]
    if not combos or len(tips) > 12:  # never expected; keep it bounded
        best = max(range(len(tips) - expected + 1), key=lambda i: sum(t[0].area for t in tips[i : i + expected]))
        chosen = tips[best : best + expected]
    else:
        chosen = list(max(combos, key=score))
    # Left-over faint texture (found only by the adaptive pass: handwriting, a caption, a neighbouring box's edge)
    # may have made up a light finger, but it is no evidence of an extra finger: only well-printed left-overs count.
    return chosen, sum(1 for t in tips if not t[0].light and not any(t is c for c in chosen))


def _assign(chosen: list, positions: tuple[int, ...]) -> list[tuple[int, tuple]]:
    """Positions for the chosen tips (left to right).

    With fewer tips than positions, a gap between neighbours wider than about one fingertip marks a missing finger
    there; a finger missing at either end cannot be told from the image alone, so the tips fill the first positions
    and the count check asks the officer to annotate (after which the expected positions are exact).
    """
    if len(chosen) >= len(positions) or not chosen:
        return list(zip(positions, chosen, strict=False))
    spacing = max(float(np.median([t[3] for t in chosen])) * 1.15, 1.0)  # fingertips sit about a width apart
    gaps = [(b[1] - a[1]) / spacing for a, b in itertools.pairwise(chosen)]
    skipped = [0] * len(gaps)
    # Each missing finger goes to the gap that is widest for the fingers already placed in it, while that gap is
    # clearly wider than one step (1.5 spacings per step); the rest of the missing ones are at the ends.
    for _ in range(len(positions) - len(chosen)):
        if not gaps:
            break
        k = max(range(len(gaps)), key=lambda i: gaps[i] / (1 + skipped[i]))
        if gaps[k] / (1 + skipped[k]) < 1.5:
            break
        skipped[k] += 1
    slots = [0]
    for extra in skipped:
        slots.append(slots[-1] + 1 + extra)
    return [(positions[s], t) for s, t in zip(slots, chosen, strict=True)]


def segment_slap(
    image: FingerImage, hand: str, amputated: tuple[int, ...] | frozenset[int] = (), margin_mm: float = 1.0
) -> SlapSegmentation:
    """Cut a slap into fingers. `hand`: right, left, thumbs (or right_thumb/left_thumb for a single plain thumb)."""
    if hand not in HAND_POSITIONS:
        raise InputError(f"unknown slap '{hand}'", f"use one of: {', '.join(HAND_POSITIONS)}")
    positions = tuple(p for p in HAND_POSITIONS[hand] if p not in set(amputated))
    canonical = to_canonical(image)
    pixels = canonical.pixels
    scale = image.ppi / canonical.ppi  # canonical px -> input px
    blobs = _blobs(_ridge_energy(pixels))
    axis = _hand_angle(blobs)
    blobs = [part for b in blobs for part in _split_touching(b, axis, NOTCH_BLOCKS)]
    blobs = _drop_specks(blobs, len(positions))
    tips = _tips(blobs, axis)
    blobs, tips = _split_pressed(blobs, tips, axis, len(positions))
    chosen, extra = _choose(tips, len(positions))
    assigned = _assign(chosen, positions)
    caption = printed_text_mask(pixels)  # ink cards: printed captions under the fingertips are no ridges
    fingers = []
    h, w = pixels.shape
    ca, sa = math.cos(axis), math.sin(axis)
    for position, (blob, _u, vtip, width) in assigned:
        region = blob.mask.copy()
        ys, xs = np.nonzero(region)
        v = -xs * sa + ys * ca
        keep = v <= vtip + 1.6 * max(width, 8.0)  # a distal phalanx is at most ~1.6 widths long
        region[ys[~keep], xs[~keep]] = False
        ys, xs = ys[keep], xs[keep]
        pad = margin_mm * 500 / 25.4
        left = int(max(0, xs.min() * BLOCK - pad))
        right = int(min(w, (xs.max() + 1) * BLOCK + pad))
        top = int(max(0, ys.min() * BLOCK - pad))
        bottom = int(min(h, (ys.max() + 1) * BLOCK + pad))
        # The cut-out reaches CONTEXT_MM beyond the box, and only the paper beyond this finger's region grown by
        # GROW_BLOCKS is whitened: extractors need the ridges right up to the print's edge (a tight mask cost
        # genuine matches on inked slaps), while a neighbour's ridges a finger-gap away are removed.
        ctx = CONTEXT_MM * 500 / 25.4
        cl, cr = int(max(0, left - ctx)), int(min(w, right + ctx))
        ct, cb = int(max(0, top - ctx)), int(min(h, bottom + ctx))
        grown = cv2.dilate(region.astype(np.uint8), _disc(2 * GROW_BLOCKS + 1))
        grid_h, grid_w = region.shape
        full = cv2.resize(grown, (grid_w * BLOCK, grid_h * BLOCK), interpolation=cv2.INTER_NEAREST)
        full = cv2.copyMakeBorder(
            full, 0, max(0, h - full.shape[0]), 0, max(0, w - full.shape[1]), cv2.BORDER_REPLICATE
        )[:h, :w]
        keep_px = _largest_part((full[ct:cb, cl:cr] > 0) & ~caption[ct:cb, cl:cr])
        cut = np.where(keep_px, pixels[ct:cb, cl:cr], 255).astype(np.uint8)
        finger_angle = blob.angle if blob.elongation > 1.3 else axis
        box = (round(left * scale), round(top * scale), round(right * scale), round(bottom * scale))
        fingers.append(
            FingerSegment(
                position=position,
                box=box,
                angle=math.degrees(finger_angle),
                image=FingerImage(cut, canonical.ppi),
                ridge_area_mm2=float(keep.sum()) * (BLOCK * 25.4 / 500) ** 2,
            )
        )
    found = {f.position for f in fingers}
    missing = tuple(p for p in positions if p not in found)
    return SlapSegmentation(hand, positions, tuple(fingers), missing, extra, math.degrees(axis))


def _largest_part(mask: np.ndarray) -> np.ndarray:
    """The largest 8-connected part of a mask (a caption band can cut a sliver of print off the finger)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 2:
        return mask
    return labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))


def crop_to_print(image: FingerImage, margin_mm: float = 1.0) -> FingerImage:
    """The single print in an image (a rolled box of a card, a plain finger), cut to its ridge area.

    Card boxes carry printed captions, box lines and handwriting around the print; they cost NFIQ 2 time and give
    extractors false minutiae. The largest ridge-texture blob is kept (500 ppi), paper-white outside it; a box
    border (`ruled_lines`) bounds it, so what the finger left across the border is dropped with the border.
    """
    canonical = to_canonical(image)
    pixels = canonical.pixels
    blobs = _blobs(_ridge_energy(pixels), adaptive=False)
    if not blobs:
        return canonical
    region = max(blobs, key=lambda b: b.area).mask
    h, w = pixels.shape
    grid_h, grid_w = region.shape
    soft = cv2.resize(region.astype(np.float32), (grid_w * BLOCK, grid_h * BLOCK), interpolation=cv2.INTER_LINEAR)
    soft = cv2.copyMakeBorder(soft, 0, max(0, h - soft.shape[0]), 0, max(0, w - soft.shape[1]), cv2.BORDER_REPLICATE)[
        :h, :w
    ]
    print_area = soft > 0.25
    _, beyond_rules = find_and_exclude(pixels, print_area, canonical.ppi)
    keep = _largest_part(print_area & ~beyond_rules & ~printed_text_mask(pixels))
    if not keep.any():
        return canonical
    ys, xs = np.nonzero(keep)
    pad = margin_mm * 500 / 25.4
    left, right = int(max(0, xs.min() - pad)), int(min(w, xs.max() + 1 + pad))
    top, bottom = int(max(0, ys.min() - pad)), int(min(h, ys.max() + 1 + pad))
    return FingerImage(np.where(keep, pixels, 255)[top:bottom, left:right].astype(np.uint8), canonical.ppi)
