"""What NFIQ 2 itself will look at: NIST's near-white frame rule, its size limit, and the window for larger prints.

NIST's library crops the image it is given before measuring anything (`copyRemovingNearWhiteFrame` in NFIQ 2's
`nfiq2_fingerprintimagedata.cpp`): from each edge, rows (columns) go while their **mean** grey is above 250
(`MU_THRESHOLD`). What remains must fit FingerJet FX OSE's limits (800 px wide, 1000 px high) or NFIQ 2 refuses it.
NIST's published source keeps one near-white line outside the first line it keeps; the NFIQ 2.3 build inside
nbis-py 0.1.3, the engine we ship, keeps none (measured: a print padded with white lines gives bit-identical
actionable values, and 800 px of print between white margins is accepted). We follow the engine; the tests pin both
the mean rule and the margin, so an engine that behaves otherwise is noticed.

So the station hands NFIQ 2 the image as it is, and only needs this rule to know, beforehand, whether NIST's own
crop will fit. When it will not (a four-finger slap, an uncut card box), the image is scored in a window of at most
800 x 1000 px placed where the print is: the position holding the most ridge texture (band-pass energy on 16 px
blocks, less anything thinner than 2.4 mm), and among equally good positions (within 0.5 %) the one centred on the
texture they hold. Box rules, printed text, the rim of a punch hole or a scanner's edge are thin or smooth, so they
do not pull the window.
"""

from __future__ import annotations

import cv2
import numpy as np

MU_THRESHOLD = 250.0  # NIST: a border row/column whose mean grey is above this is near-white frame
MAX_WIDTH = 800  # FingerJet FX OSE's limits on the image left after NIST's crop
MAX_HEIGHT = 1000

WINDOW_BLOCK = 16  # px: grid on which the window position is chosen (a ridge period is about 9 px at 500 ppi)
RIDGE_SIGMAS = (1.0, 3.0)  # difference of Gaussians passing the ridge band at 500 ppi
OPEN_BLOCKS = 3  # texture thinner than this many blocks (2.4 mm) is no print
NEAR_BEST = 0.995  # positions holding at least this share of the best position's texture are equally good

Box = tuple[int, int, int, int]  # left, top, right, bottom (exclusive)


def _first_kept(means: np.ndarray) -> int:
    """Index of the first line from the start that NFIQ 2 keeps: the first one whose mean is not above MU_THRESHOLD."""
    inside = np.flatnonzero(means <= MU_THRESHOLD)
    return int(inside[0]) if inside.size else -1  # -1: every line is near-white, NIST's loop ends without a cut


def near_white_frame_box(pixels: np.ndarray) -> Box:
    """The part of `pixels` NFIQ 2 keeps after removing the near-white frame (its rule; see the module docstring).

    Row and column means are taken over the whole image, as NIST does; a mean is exact in float64 for any image
    that fits in memory, so "just above 250" and "exactly 250" fall on the same side as in NIST's C++ code.
    """
    h, w = pixels.shape
    rows = pixels.mean(axis=1, dtype=np.float64)
    cols = pixels.mean(axis=0, dtype=np.float64)
    top, left = _first_kept(rows), _first_kept(cols)
    bottom_from_end, right_from_end = _first_kept(rows[::-1]), _first_kept(cols[::-1])
    top = 0 if top < 0 else top
    left = 0 if left < 0 else left
    bottom = h if bottom_from_end < 0 else h - bottom_from_end
    right = w if right_from_end < 0 else w - right_from_end
    if right <= left:  # NIST falls back to the full extent when the two sides cross
        left, right = 0, w
    if bottom <= top:
        top, bottom = 0, h
    return left, top, right, bottom


def fits_nfiq2(box: Box) -> bool:
    """Whether an image NIST crops to `box` is within FingerJet's size limits."""
    left, top, right, bottom = box
    return right - left <= MAX_WIDTH and bottom - top <= MAX_HEIGHT


def _ridge_texture(pixels: np.ndarray) -> np.ndarray:
    """Band-pass (ridge spacing) energy per WINDOW_BLOCK block, on the grid of whole blocks."""
    grey = pixels.astype(np.float32)
    fine = cv2.GaussianBlur(grey, (0, 0), RIDGE_SIGMAS[0])
    coarse = cv2.GaussianBlur(grey, (0, 0), RIDGE_SIGMAS[1])
    energy = np.abs(fine - coarse)
    gh, gw = max(1, pixels.shape[0] // WINDOW_BLOCK), max(1, pixels.shape[1] // WINDOW_BLOCK)
    trimmed = energy[: gh * WINDOW_BLOCK, : gw * WINDOW_BLOCK]
    return trimmed.reshape(gh, WINDOW_BLOCK, gw, WINDOW_BLOCK).mean(axis=(1, 3))


def print_window(pixels: np.ndarray, box: Box) -> Box:
    """An at most MAX_WIDTH x MAX_HEIGHT window inside `box` (NIST's crop) placed on the print's ridge texture."""
    left, top, right, bottom = box
    width, height = min(right - left, MAX_WIDTH), min(bottom - top, MAX_HEIGHT)
    texture = _ridge_texture(pixels[top:bottom, left:right])
    # Paper noise is nothing, and so is whatever is thinner than OPEN_BLOCKS blocks (a box rule, a line of print,
    # the rim of a punch hole): a print is a broad mass of texture.
    strong = (texture >= 0.25 * float(np.percentile(texture, 99))).astype(np.uint8)
    broad = cv2.morphologyEx(strong, cv2.MORPH_OPEN, np.ones((OPEN_BLOCKS, OPEN_BLOCKS), np.uint8)) > 0
    texture = np.where(broad, texture, 0.0)
    gh, gw = texture.shape
    span_y, span_x = max(1, min(gh, height // WINDOW_BLOCK)), max(1, min(gw, width // WINDOW_BLOCK))
    # Texture held by the window at every block position (summed-area table). Of the positions holding the most,
    # the one centred on the texture inside them: a print narrower than the window sits in its middle.
    table = np.pad(texture.cumsum(axis=0).cumsum(axis=1), ((1, 0), (1, 0)))
    held = table[span_y:, span_x:] - table[:-span_y, span_x:] - table[span_y:, :-span_x] + table[:-span_y, :-span_x]
    ys, xs = np.nonzero(held >= NEAR_BEST * float(held.max()))
    best_y, best_x = np.unravel_index(int(np.argmax(held)), held.shape)
    inside = texture[best_y : best_y + span_y, best_x : best_x + span_x]
    total = float(inside.sum())
    gy, gx = np.indices(inside.shape)
    cy = best_y + (float((inside * (gy + 0.5)).sum() / total) if total > 0 else span_y / 2)
    cx = best_x + (float((inside * (gx + 0.5)).sum() / total) if total > 0 else span_x / 2)
    k = int(np.argmin((ys + span_y / 2 - cy) ** 2 + (xs + span_x / 2 - cx) ** 2))
    # Blocks -> pixels; the part of the window width that is not a whole block is shared out on both sides.
    x0 = int(xs[k]) * WINDOW_BLOCK - (width - span_x * WINDOW_BLOCK) // 2
    y0 = int(ys[k]) * WINDOW_BLOCK - (height - span_y * WINDOW_BLOCK) // 2
    x0 = min(max(0, x0), (right - left) - width)
    y0 = min(max(0, y0), (bottom - top) - height)
    return left + x0, top + y0, left + x0 + width, top + y0 + height
