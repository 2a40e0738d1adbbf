"""The hand's geometry on the block grid: its axis, fingertips among the blobs, touching tips split, the expected
number chosen and numbered across the hand."""

from __future__ import annotations

import itertools
import math

import cv2
import numpy as np

from station.booking.segmentation.parameters import (
    DISTAL_WIDTHS,
    FINGER_ELONGATION,
    FRAGMENT_CONTACT,
    GROW_BLOCKS,
    IN_LINE_DEG,
    LIGHT_AREA_WEIGHT,
    MAX_SPLAY_DEG,
    MIN_FINGER_BLOCKS,
    SAME_COLUMN,
    SPECK_SHARE,
    WIDE_TIP_BLOCKS,
)
from station.booking.segmentation.texture import Blob, disc, make_blob


def split_touching(blob: Blob, axis: float, min_depth: float = 3.0) -> list[Blob]:
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
        part = make_blob(region)
        if part is not None:
            part.light = blob.light
            parts.extend(split_touching(part, axis, min_depth))
    return parts or [blob]


def merge_fragments(blobs: list[Blob], axis: float) -> list[Blob]:
    """One print that the mask cut in two (a band of smudged, saturated or broken ridges across it): two blobs in
    one column across the hand that touch along most of the narrower one's width are one finger. Two fingertips
    pressed together lie side by side, not in one column, and are not merged."""
    ca, sa = math.cos(axis), math.sin(axis)
    blobs = list(blobs)
    merged = True
    while merged:
        merged = False
        spans = []
        for b in blobs:
            ys, xs = np.nonzero(b.mask)
            u = xs * ca + ys * sa
            spans.append((float(np.percentile(u, 5)), float(np.percentile(u, 95))))
        for i, j in itertools.combinations(range(len(blobs)), 2):
            (lo_a, hi_a), (lo_b, hi_b) = spans[i], spans[j]
            narrow = max(min(hi_a - lo_a, hi_b - lo_b), 1.0)
            if min(hi_a, hi_b) - max(lo_a, lo_b) < FRAGMENT_CONTACT * narrow:
                continue
            near = cv2.dilate(blobs[i].mask.astype(np.uint8), disc(2 * GROW_BLOCKS + 1)) > 0
            ys, xs = np.nonzero(near & blobs[j].mask)
            if not ys.size:
                continue
            contact = xs * ca + ys * sa
            if float(contact.max() - contact.min()) + 1 < FRAGMENT_CONTACT * narrow:
                continue
            union = make_blob(blobs[i].mask | blobs[j].mask)
            if union is None:
                continue
            union.light = blobs[i].light and blobs[j].light
            blobs = [b for k, b in enumerate(blobs) if k not in (i, j)] + [union]
            merged = True
            break
    return blobs


def drop_specks(blobs: list[Blob], expected: int) -> list[Blob]:
    """Drop specks, stroke remnants and edges of other boxes: blobs under a fifth of a typical finger blob.

    Typical = the median of the `expected` largest blobs, not the largest alone: two fingers pressed into one blob
    must not make a light little finger look like a speck.
    """
    areas = sorted((b.area for b in blobs), reverse=True)[: max(1, expected)]
    typical = float(np.median(areas)) if areas else 0.0
    return [b for b in blobs if b.area >= SPECK_SHARE * typical]


def hand_angle(blobs: list[Blob], layout: int = 4) -> float:
    """The direction the fingers point (radians from up, + = tips leaning right), at any turn of the hand.

    Elongated blobs are averaged as orientations (doubled angles, so a blob of two fingertips pressed together,
    elongated across, counts against the fingers' direction instead of averaging to a diagonal), fingers pointing
    up. `layout` 2 (two thumbs): a flat thumb is often wider than long, so its shape says little; the two thumbs
    lie across the hand, and the axis is square to the line through them. `layout` 1 (a plain finger): a print
    broken in pieces has pieces of any shape, but together they are the finger, phalanges and all.
    """
    heavy = [b for b in blobs if not b.light] or blobs  # faint texture (captions, light phalanges) only if alone
    if layout == 1 and heavy:
        whole = make_blob(np.logical_or.reduce([b.mask for b in heavy]))
        return whole.angle if whole is not None and whole.elongation > FINGER_ELONGATION else 0.0
    if layout == 2:
        pair = sorted(heavy, key=lambda b: b.area, reverse=True)[:2]
        if len(pair) == 2 and pair[1].area >= SPECK_SHARE * pair[0].area:
            a, b = sorted(pair, key=lambda b: b.cx)
            return math.atan2(b.cy - a.cy, b.cx - a.cx)
    finger_like = [b for b in heavy if b.elongation > 1.15]
    weights = np.array([b.area * min(b.elongation - 1.0, 1.0) for b in finger_like])
    angles = np.array([b.angle for b in finger_like])
    if not weights.size or weights.sum() <= 0:
        return 0.0
    c, s = float(np.sum(weights * np.cos(2 * angles))), float(np.sum(weights * np.sin(2 * angles)))
    return 0.5 * math.atan2(s, c)


def own_axis(blob: Blob, axis: float) -> float:
    """A finger's own direction off the hand axis (radians), where its blob's shape tells it: an elongated blob not
    cut by the frame, splayed no further than a finger can splay; else 0 (along the hand axis)."""
    if blob.cut or blob.elongation <= FINGER_ELONGATION:
        return 0.0
    own = blob.angle - axis
    return own if abs(own) <= math.radians(MAX_SPLAY_DEG) else 0.0


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
    distal = v <= v.min() + DISTAL_WIDTHS * max(float(np.percentile(u, 95) - np.percentile(u, 5)), 1.0)
    u, v = u[distal], v[distal]  # a whole finger's blob (tip and phalanges) steps from its tip, not its middle
    oblob, ou, ov = other
    du, dv = float(np.median(ou) - np.median(u)), float(np.median(ov) - np.median(v))
    dist = math.hypot(du, dv)
    if dv >= 0 or dist <= 0:
        return False
    step = math.atan2(du, -dv)  # direction of the step, radians from the tipwards hand axis
    own = own_axis(oblob, axis)
    if min(abs(step), abs(step - own)) > math.radians(IN_LINE_DEG):
        return False
    ux, vx = du / dist, dv / dist
    c_b, far_b = _extent(u, v, ux, vx)
    c_o, near_o = _extent(ou, ov, -ux, -vx)
    gap = dist - (far_b - c_b) - (near_o - c_o)
    width = max(np.percentile(u, 95) - np.percentile(u, 5), np.percentile(ou, 95) - np.percentile(ou, 5))
    return gap < 0.8 * width


def find_tips(blobs: list[Blob], axis: float) -> list[tuple[Blob, float, float, float]]:
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


def split_pressed(blobs: list[Blob], tips: list, axis: float, expected: int) -> tuple[list[Blob], list]:
    """Fingers pressed together: a tip blob as wide as two is split at its notch, even a shallow one.

    With fewer tips than expected the count says a split must exist, and 1.5 typical widths suffice; with the count
    already met, a blob twice the typical width is two fingers all the same (the extra tip then was a lower phalanx
    or a stray blob, which the tip rules and choose drop once the pair is split).
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
        parts = split_touching(widest[0], axis, min_depth=1.0)
        if len(parts) < 2:
            break
        blobs = [b for b in blobs if b is not widest[0]] + parts
        tips = find_tips(blobs, axis)
    return blobs, tips


def choose(tips: list, slots: tuple[int, ...]) -> tuple[list, int]:
    """The expected number of tips, left to right, and how many well-printed tips are left over (extra fingers).

    `slots`: where the expected fingers sit across the hand, left to right (0-3 for a four-finger slap; an amputated
    finger's slot is left out). Of the sets with at most one tip per finger column (a lower phalanx still counted
    as a tip shares its column with its fingertip), the one with the most ridge area whose tips lie on a smooth arc
    across the hand (RMS off a parabola, in fingertip widths, costs as much as area) and sit as far apart as their
    slots say (RMS off evenly spaced slots, in widths: where a finger is missing, its neighbours are two apart).
    """
    expected = len(slots)
    tips = sorted(tips, key=lambda t: t[1])
    if expected <= 0:
        return [], len(tips)
    # A typical fingertip of this hand: the median of the `expected` largest (left-over strays do not lower it).
    typical = float(np.median(sorted((t[0].area for t in tips), reverse=True)[:expected])) if tips else 0.0
    tips = [t for t in tips if t[0].area >= 0.35 * typical]  # a little fingertip is about half a middle one
    if len(tips) <= expected:
        return tips, 0
    width = float(np.median([t[3] for t in tips]))

    slot_at = np.array(sorted(slots), float)

    def score(combo: tuple) -> float:
        area = sum(t[0].area * (LIGHT_AREA_WEIGHT if t[0].light else 1.0) for t in combo) / max(typical, 1.0)
        if len(combo) < 3:
            return area
        u = np.array([t[1] for t in combo])
        v = np.array([t[2] for t in combo])
        fit = np.polyval(np.polyfit(u, v, 2 if len(combo) > 3 else 1), u)
        spaced = np.polyval(np.polyfit(slot_at, u, 1), slot_at)
        off_arc = float(np.sqrt(np.mean((v - fit) ** 2)))
        off_slots = float(np.sqrt(np.mean((u - spaced) ** 2)))
        return area - (off_arc + off_slots) / max(width, 1.0)

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
    # may have made up a light finger, but it is no evidence of an extra finger: only well-printed left-overs count,
    # and only those in a column of their own (one in a chosen tip's column is a part of that finger).
    leftovers = [t for t in tips if not any(t is c for c in chosen)]
    chosen = [_absorb(c, [t for t in leftovers if same_column(c, t)]) for c in chosen]
    return chosen, sum(1 for t in leftovers if not t[0].light and not any(same_column(c, t) for c in chosen))


def same_column(a: tuple, b: tuple) -> bool:
    """Two tips (blob, u, v, width) overlap across the hand so much that one finger gave both."""
    return abs(b[1] - a[1]) < (1 - SAME_COLUMN) * 0.5 * (a[3] + b[3])


def _absorb(tip: tuple, column: list) -> tuple:
    """A chosen tip with the parts of its own finger that reach further tipwards and touch it (one print that the
    mask cut in two at a band of smudged or saturated ridges): its region and tip extend over them."""
    blob, u, vtip, width = tip
    near = cv2.dilate(blob.mask.astype(np.uint8), disc(2 * GROW_BLOCKS + 1)) > 0
    parts = [t for t in column if t[2] < vtip and (t[0].mask & near).any()]
    if not parts:
        return tip
    region = blob.mask.copy()
    for t in parts:
        region |= t[0].mask
    merged = make_blob(region)
    if merged is None:
        return tip
    merged.light = blob.light
    return (merged, u, min(t[2] for t in parts), width)


def assign(chosen: list, positions: tuple[int, ...]) -> list[tuple[int, tuple]]:
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
