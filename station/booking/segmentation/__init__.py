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

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from station.biometrics.image import FingerImage, to_canonical
from station.booking.printed_text import printed_text_mask
from station.booking.ruled_lines import find_and_exclude
from station.booking.segmentation.hand import (
    assign,
    choose,
    drop_specks,
    find_tips,
    hand_angle,
    merge_fragments,
    own_axis,
    split_pressed,
    split_touching,
)
from station.booking.segmentation.parameters import (
    BLOCK,
    CONTEXT_MM,
    DISTAL_WIDTHS,
    GROW_BLOCKS,
    HAND_POSITIONS,
    NOTCH_BLOCKS,
)
from station.booking.segmentation.texture import disc, find_blobs, ridge_energy
from station.errors import InputError
from station.formats.ansi_nist.codes import FINGER_NAMES

__all__ = ["HAND_POSITIONS", "FingerSegment", "SlapSegmentation", "crop_to_print", "segment_slap"]


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
    blobs = find_blobs(ridge_energy(pixels), pixels)
    layout = len(positions) if hand == "thumbs" or len(positions) == 1 else 4
    blobs = merge_fragments(blobs, hand_angle(blobs, layout))
    axis = hand_angle(blobs, layout)
    if len(positions) > 1:  # a plain single finger's image holds one finger: a notch in it is no gap between two
        blobs = [part for b in blobs for part in split_touching(b, axis, NOTCH_BLOCKS)]
    blobs = drop_specks(blobs, len(positions))
    tips = find_tips(blobs, axis)
    blobs, tips = split_pressed(blobs, tips, axis, len(positions))
    chosen, extra = choose(tips, tuple(HAND_POSITIONS[hand].index(p) for p in positions))
    assigned = assign(chosen, positions)
    caption = printed_text_mask(pixels)  # ink cards: printed captions under the fingertips are no ridges
    fingers = []
    h, w = pixels.shape
    ca, sa = math.cos(axis), math.sin(axis)
    for position, (blob, _u, vtip, width) in assigned:
        region = blob.mask.copy()
        ys, xs = np.nonzero(region)
        v = -xs * sa + ys * ca
        keep = v <= vtip + DISTAL_WIDTHS * max(width, 8.0)
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
        grown = cv2.dilate(region.astype(np.uint8), disc(2 * GROW_BLOCKS + 1))
        grid_h, grid_w = region.shape
        full = cv2.resize(grown, (grid_w * BLOCK, grid_h * BLOCK), interpolation=cv2.INTER_NEAREST)
        full = cv2.copyMakeBorder(
            full, 0, max(0, h - full.shape[0]), 0, max(0, w - full.shape[1]), cv2.BORDER_REPLICATE
        )[:h, :w]
        keep_px = largest_part((full[ct:cb, cl:cr] > 0) & ~caption[ct:cb, cl:cr])
        cut = np.where(keep_px, pixels[ct:cb, cl:cr], 255).astype(np.uint8)
        finger_angle = axis + own_axis(blob, axis)
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


def largest_part(mask: np.ndarray) -> np.ndarray:
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
    blobs = find_blobs(ridge_energy(pixels), adaptive=False)  # one print: its largest blob, strokes and all
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
    keep = largest_part(print_area & ~beyond_rules & ~printed_text_mask(pixels))
    if not keep.any():
        return canonical
    ys, xs = np.nonzero(keep)
    pad = margin_mm * 500 / 25.4
    left, right = int(max(0, xs.min() - pad)), int(min(w, xs.max() + 1 + pad))
    top, bottom = int(max(0, ys.min() - pad)), int(min(h, ys.max() + 1 + pad))
    return FingerImage(np.where(keep, pixels, 255)[top:bottom, left:right].astype(np.uint8), canonical.ppi)
