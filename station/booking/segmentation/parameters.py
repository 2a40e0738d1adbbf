"""Tuning constants of slap segmentation (`station.booking.segmentation`), all at the canonical 500 ppi."""

from __future__ import annotations

BLOCK = 16  # px at 500 ppi
CONTEXT_MM = 2.0  # the finger image reaches this far beyond its SEG box
NOTCH_BLOCKS = 3.0  # depth of the notch between two touching fingertips (3 blocks = 2.4 mm)
WIDE_TIP_BLOCKS = 26  # wider than any single fingertip across the hand (21 mm)
MIN_FINGER_BLOCKS = 8  # narrowest fingertip, across the hand (8 blocks = 6.5 mm)
IN_LINE_DEG = 25.0  # a blob this close to straight behind another (off the hand axis) is the same finger
DISTAL_WIDTHS = 1.6  # a distal phalanx is at most this many of its widths long
FINGER_ELONGATION = 1.2  # a blob longer than wide by this much shows its finger's own direction ...
MAX_SPLAY_DEG = 30.0  # ... if that is no further off the hand axis than a finger splays (a little finger's most)
FRAGMENT_CONTACT = 0.6  # two blobs in one column touching along this share of the narrower one's width: one print
SAME_COLUMN = 0.3  # two tips overlapping across the hand by more than this share of their width: one finger
GROW_BLOCKS = 2  # ... and keeps the pixels within this many blocks of the finger's ridge region
LOCAL_BLOCKS = 9  # the mask threshold follows the ridge energy within this window (7 mm) ...
LOCAL_FLOOR = 0.4  # ... but never drops below this share of the image's strongest ridges
LIGHT_AREA_WEIGHT = 0.5  # a blob found only by that local threshold weighs half its area in the choice of tips:
# it may be a light finger, or handwriting and captions, and a well-printed candidate of the same place wins
SPECK_SHARE = 0.2  # a blob under this share of a typical finger blob's area is a speck, a stroke remnant, an edge
TEXTURE_TILE = 32  # px: the tiles whose spectrum tells ridges from strokes (a few ridges across)
RIDGE_PERIOD_PX = (5.0, 14.0)  # ridge spacing at 500 ppi, a child's to a heavy adult's
RIDGE_SHARE_MIN = 0.33  # a fingerprint blob has at least this share of its tiles' energy at ridge spacing (prints
# 0.45-0.75 on ink and live scan, handwriting and captions 0.10-0.25)

HAND_POSITIONS: dict[str, tuple[int, ...]] = {
    "right": (2, 3, 4, 5),  # left to right across the image
    "left": (10, 9, 8, 7),
    "thumbs": (6, 1),
    "right_thumb": (1,),
    "left_thumb": (6,),
}
