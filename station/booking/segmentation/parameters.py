"""Tuning constants of slap segmentation (`station.booking.segmentation`), all at the canonical 500 ppi."""

from __future__ import annotations

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
