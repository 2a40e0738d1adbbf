"""Printed captions on ink cards: find lines of printed text so the finger cut-outs can drop them.

Ink tenprint cards print a caption in every box ("RIGHT FOUR FINGERS TAKEN SIMULTANEOUSLY", "L. THUMB", ...), and
fingertips are often pressed over it. Inside a finger image the letters cross the ridges, and an extractor finds
ridge endings and bifurcations all along them: on the NIST card, 23 of the 40 minutiae of the right ring slap
segment lay on the caption, and its rolled print scored 0.022 against it (0.052 without them).

A caption is told from friction ridges by its geometry, not its darkness: its letters are solid dark marks of one
height standing on one straight baseline (within a pixel or two: print, not skin), several in a row, whereas ink
ridge fragments (dots, short ridges) vary in height and do not share a top and bottom line. Printed letters also
stand on paper: most of a line's letters have blank paper just above and below them, which aligned ridge fragments
inside a print never have. Letters overlapped by a print merge with the ridges and are not seen one by one, so a
line found beside a print is continued under it by half its own length on each side. All sizes are at the
canonical 500 ppi; the band covers the letters plus a quarter of their height above and below. The finger
cut-outs whiten the band and keep the largest part of the print it leaves (a sliver above a caption is dropped).
"""

from __future__ import annotations

import cv2
import numpy as np

DARK_LEVEL = 100  # printed ink is black: letters are pixels darker than this (grey levels 0-255)
MIN_HEIGHT_PX, MAX_HEIGHT_PX = 16, 80  # capital letters of 0.8-4 mm
MIN_LETTERS = 5  # a caption line shows at least this many separate letters
ALIGNMENT_PX = 1.5  # letters' tops and bottoms lie within this many pixels (median) of two straight lines
SAME_LINE = 0.2  # a letter continues the line when its top and bottom are within this share of the height
LETTER_GAP = 2.5  # ... and the gap to the previous letter is below this many letter heights
CONTINUE_UNDER_PRINT = 0.5  # the band extends this share of the line's length beyond its first and last letter
BAND_PAD = 0.25  # band margin above and below the letters, in letter heights
ON_PAPER = 0.8  # this share of a line's letters have paper just above and below them (ridge fragments have ridges)
PAPER_STRIP = 0.3  # ... a strip this many letter heights tall, at most MAX_DARK_IN_STRIP dark
MAX_DARK_IN_STRIP = 0.1


def _letters(pixels: np.ndarray) -> tuple[np.ndarray, ...]:
    dark = (pixels < DARK_LEVEL).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    x, y, w, h, area = (stats[1:, k].astype(np.float64) for k in range(5))
    fill = area / np.maximum(w * h, 1.0)
    letter = (h >= MIN_HEIGHT_PX) & (h <= MAX_HEIGHT_PX) & (w >= 3) & (w <= 1.5 * h) & (fill >= 0.15)
    order = np.flatnonzero(letter)[np.argsort(x[letter], kind="stable")]
    return x[order], y[order], w[order], h[order]


def _on_paper(pixels: np.ndarray, x: float, y: float, w: float, h: float) -> bool:
    """Whether a letter has blank paper just above and just below it."""
    strip = max(2, int(PAPER_STRIP * h))
    left, right = int(x), int(x + w)
    above = pixels[max(0, int(y) - strip) : int(y), left:right]
    below = pixels[int(y + h) : int(y + h) + strip, left:right]
    return all(part.size > 0 and float(np.mean(part < DARK_LEVEL)) <= MAX_DARK_IN_STRIP for part in (above, below))


def _chain(start: int, x: np.ndarray, y: np.ndarray, w: np.ndarray, h: np.ndarray, used: set[int]) -> list[int]:
    """Letters to the right of `start` that continue its line, greedily left to right."""
    line = [start]
    for j in range(start + 1, len(x)):
        last = line[-1]
        gap = x[j] - (x[last] + w[last])
        if gap >= LETTER_GAP * h[last]:
            break  # sorted by x: every later mark is farther still from the line's last letter
        if j in used:
            continue
        same_top = abs(y[j] - y[last]) < SAME_LINE * h[last]
        same_bottom = abs(y[j] + h[j] - y[last] - h[last]) < SAME_LINE * h[last]
        if x[j] > x[last] and gap < LETTER_GAP * h[last] and same_top and same_bottom:
            line.append(j)
    return line


def printed_text_mask(pixels: np.ndarray) -> np.ndarray:
    """Bool mask (same shape as `pixels`, 500 ppi grey) of the bands covered by printed caption lines."""
    height, width = pixels.shape
    mask = np.zeros((height, width), dtype=bool)
    x, y, w, h = _letters(pixels)
    used: set[int] = set()
    for start in range(len(x)):
        if start in used:
            continue
        line = np.array(_chain(start, x, y, w, h, used))
        if len(line) < MIN_LETTERS:
            continue
        centre = x[line] + w[line] / 2
        letter_height = float(np.median(h[line]))
        fits = [np.polyfit(centre, edge, 1) for edge in (y[line], y[line] + h[line])]
        residual = max(
            float(np.median(np.abs(edge - np.polyval(fit, centre))))
            for fit, edge in zip(fits, (y[line], y[line] + h[line]), strict=True)
        )
        if residual > ALIGNMENT_PX:
            continue  # ridge fragments: no common top and bottom line
        paper = np.mean([_on_paper(pixels, x[i], y[i], w[i], h[i]) for i in line])
        if paper < ON_PAPER:
            continue  # aligned ridge fragments inside a print
        used.update(int(i) for i in line)
        first, last = float(x[line[0]]), float(x[line[-1]] + w[line[-1]])
        reach = CONTINUE_UNDER_PRINT * (last - first)
        columns = np.arange(max(0, int(first - reach)), min(width, int(last + reach) + 1))
        pad = BAND_PAD * letter_height
        tops = np.clip(np.polyval(fits[0], columns) - pad, 0, height).astype(int)
        bottoms = np.clip(np.polyval(fits[1], columns) + pad + 1, 0, height).astype(int)
        rows = np.arange(height)[:, None]
        mask[:, columns] |= (rows >= tops[None, :]) & (rows < bottoms[None, :])
    return mask
