"""Ruled lines of ink cards: the printed box borders a rolled print is pressed against, or rolled over.

A card scanner's rolled-print record is the box of the card, and the box's borders come with it: long, straight,
thin, black lines along the edges, which a finger rolled up to or across them meets. Inside the print an extractor
reads every ridge the line crosses as ending there, and whatever lies beyond the line (the lower phalanx, pen
marks, the neighbouring box) adds minutiae the flat impression of the same finger does not have. On the NIST card
the right little finger's rolled print carried about 40 such minutiae and scored under the closed-set floor against
its own slap segment; cut at its box, it scores well above it.

A ruled line is told from ridges by its geometry: it is dark over at least LINE_MIN_MM of one straight path that is
within MAX_SKEW_DEG of the card's axes (a scanned card is square to within a few degrees), whereas ridges curve
and break within a few millimetres. The search runs at half resolution on a dark-pixel map: for each small angle
the map is rotated so that the line would be a row (or a column), and a running mean along the row finds windows
that are almost all dark. Every line is then a band; the side of it holding less of the print, the band itself and
a small margin are excluded, so what is kept is the print within its box, with a clean border that the extractor's
edge margin handles like any other print edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

DARK_LEVEL = 110  # printed rules are black ink: darker than this (grey levels 0-255)
LINE_MIN_MM = 10.0  # a straight dark run at least this long is a rule, not a ridge
DARK_SHARE = 0.9  # ... dark along this share of its length (scans break thin lines here and there)
MAX_SKEW_DEG = 3.0
SKEW_STEP_DEG = 0.75  # at half resolution a 10 mm run then strays under 0.7 px from the rule
MAX_THICKNESS_MM = 0.8  # rules are 0.1-0.4 mm; a band thicker than this is not a printed line
MARGIN_MM = 0.4  # excluded beyond the band on the kept side
PAPER_RUN_MM = 3.0  # a rule reaches beyond the print: at least this much of it runs on blank paper, ...
BLANK_SHARE = 0.1  # ... a strip on each side of it (0.5 mm wide) being less dark than this
SCALE = 0.5  # the search runs at this share of the 500 ppi resolution


@dataclass(frozen=True)
class RuledLine:
    """A rule found in an image (500 ppi pixels): near-horizontal or near-vertical, its angle and band."""

    horizontal: bool
    angle_deg: float  # the rotation that makes it axis-parallel
    first: float  # band start and end across the line (rotated frame, 500 ppi pixels)
    last: float
    length_px: float


def _rotation(shape: tuple[int, int], angle_deg: float) -> np.ndarray:
    height, width = shape
    return cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), angle_deg, 1.0)


def _bands(rows_hit: np.ndarray, max_thickness: int) -> list[tuple[int, int]]:
    """Runs of consecutive True rows, as (first, last) inclusive, no thicker than `max_thickness`."""
    edges = np.diff(np.concatenate(([0], rows_hit.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True) if e - s + 1 <= max_thickness]


def _blank_beside(rotated: np.ndarray, first: int, last: int, gap: int, strip: int) -> np.ndarray:
    """Per column: is there blank paper on both sides of the band rows first..last (beyond the image: blank)?"""
    height = rotated.shape[0]
    sides = []
    for lo, hi in ((first - gap - strip, first - gap), (last + 1 + gap, last + 1 + gap + strip)):
        lo, hi = max(0, lo), min(height, hi)
        sides.append(rotated[lo:hi].mean(axis=0) < BLANK_SHARE * 255 if hi > lo else np.ones(rotated.shape[1], bool))
    return sides[0] & sides[1]


def _candidates(
    image: np.ndarray, window: int, max_thickness: int, paper_run: int
) -> list[tuple[float, float, int, int]]:
    """(length, angle, first, last) of every band of near-complete dark rows that runs between blank paper for
    `paper_run` pixels or more, over the skew angles (rotated frames of the dark map `image`)."""
    shape = image.shape
    if window > shape[1]:
        return []
    found = []
    steps = round(MAX_SKEW_DEG / SKEW_STEP_DEG)
    gap, strip = 1, max(2, paper_run // 6)
    for angle in np.linspace(-MAX_SKEW_DEG, MAX_SKEW_DEG, 2 * steps + 1):
        forward = _rotation(shape, float(angle))
        rotated = cv2.warpAffine(image, forward, shape[::-1], flags=cv2.INTER_LINEAR)
        hits = cv2.blur(rotated, (window, 1), borderType=cv2.BORDER_CONSTANT) >= round(DARK_SHARE * 255)
        rows_hit = hits.any(axis=1)
        if not rows_hit.any():
            continue
        for first, last in _bands(rows_hit, max_thickness):
            # The dark run: every window centre that hit, widened by half a window on each side.
            centres = hits[first : last + 1].any(axis=0).astype(np.uint8)[None, :]
            run = cv2.dilate(centres, np.ones((1, window), np.uint8))[0] > 0
            if int((run & _blank_beside(rotated, first, last, gap, strip)).sum()) < paper_run:
                continue  # never a thin stroke on paper: straight ridges or merged ink, not a printed rule
            found.append((float(run.sum()), float(angle), first, last))
    return found


def _strongest(candidates: list[tuple[float, float, int, int]], apart: float) -> list[tuple[float, float, int, int]]:
    """One candidate per line: the same rule is found at neighbouring angles; the longest run names it."""
    kept: list[tuple[float, float, int, int]] = []
    for candidate in sorted(candidates, reverse=True):
        centre = (candidate[2] + candidate[3]) / 2
        if all(abs(centre - (k[2] + k[3]) / 2) > apart for k in kept):
            kept.append(candidate)
    return kept


def find_and_exclude(
    pixels: np.ndarray, print_mask: np.ndarray, ppi: float = 500.0
) -> tuple[list[RuledLine], np.ndarray]:
    """Rules crossing or bounding the print, and the bool mask (shape of `pixels`) to drop because of them.

    `print_mask` (bool, shape of `pixels`) is where the print is; for each rule the side holding less of it is
    excluded, with the band and a margin.
    """
    height, width = pixels.shape
    small_size = (max(1, round(width * SCALE)), max(1, round(height * SCALE)))
    dark = cv2.resize((pixels < DARK_LEVEL).astype(np.uint8) * 255, small_size, interpolation=cv2.INTER_AREA)
    region = cv2.resize(print_mask.astype(np.float32), small_size, interpolation=cv2.INTER_AREA)
    px_per_mm = ppi * SCALE / 25.4
    window = max(3, round(LINE_MIN_MM * px_per_mm))
    max_thickness = max(2, round(MAX_THICKNESS_MM * px_per_mm))
    margin = max(1, round(MARGIN_MM * px_per_mm))
    paper_run = max(1, round(PAPER_RUN_MM * px_per_mm))
    lines: list[RuledLine] = []
    excluded = np.zeros(dark.shape, bool)
    for horizontal in (True, False):
        image, area = (dark, region) if horizontal else (dark.T.copy(), region.T.copy())
        rows, cols = np.mgrid[0 : image.shape[0], 0 : image.shape[1]].astype(np.float32)
        candidates = _candidates(image, window, max_thickness, paper_run)
        for length, angle, first, last in _strongest(candidates, 2.0 * max_thickness):
            forward = _rotation(image.shape, angle)
            across = forward[1, 0] * cols + forward[1, 1] * rows + forward[1, 2]  # row in the rotated frame
            before = float(area[across < first].sum())
            after = float(area[across > last].sum())
            cut = across >= first - margin if before >= after else across <= last + margin
            excluded |= cut if horizontal else cut.T
            lines.append(RuledLine(horizontal, angle, first / SCALE, (last + 1) / SCALE, length / SCALE))
    mask = cv2.resize(excluded.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST) > 0
    return lines, mask
