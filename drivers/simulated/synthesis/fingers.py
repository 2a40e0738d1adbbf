"""Finger positions (FBI finger position codes) and the per-finger anatomy the generator works from.

Positions follow the FBI/ANSI-NIST FGP codes: 1 right thumb, 2 right index, 3 right middle, 4 right ring, 5 right
little, 6 left thumb ... 10 left little. Sizes are the unrolled surface of the distal phalanx (nail edge to nail edge)
in 500 ppi pixels; a flat impression touches about the middle 60 % of that width.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from station.formats.ansi_nist.codes import FINGER_NAMES as ANSI_NIST_FINGER_NAMES

FINGER_NAMES = {position: ANSI_NIST_FINGER_NAMES[position] for position in range(1, 11)}
"""The ten fingers' names, as the ANSI/NIST finger position table gives them."""

HAND_POSITIONS = {"right": (2, 3, 4, 5), "left": (10, 9, 8, 7), "thumbs": (6, 1)}
"""Fingers of each slap, in left-to-right order as they appear in the image (print seen as an inked card)."""


class Digit(enum.IntEnum):
    THUMB = 1
    INDEX = 2
    MIDDLE = 3
    RING = 4
    LITTLE = 5


@dataclass(frozen=True)
class Anatomy:
    """Unrolled fingertip surface size (pixels at 500 ppi) and flat contact size of one digit."""

    surface_width: int
    surface_height: int
    flat_width: int
    flat_height: int


ANATOMY = {
    Digit.THUMB: Anatomy(640, 720, 390, 500),
    Digit.INDEX: Anatomy(540, 640, 330, 450),
    Digit.MIDDLE: Anatomy(550, 660, 335, 470),
    Digit.RING: Anatomy(520, 630, 315, 445),
    Digit.LITTLE: Anatomy(450, 560, 270, 390),
}


def check_position(position: int) -> int:
    """The position as an int, or ValueError naming the valid range."""
    if not isinstance(position, int) or isinstance(position, bool) or not 1 <= position <= 10:
        raise ValueError(
            f"finger position must be an FBI finger code 1-10 (1 right thumb .. 10 left little), got {position!r}"
        )
    return position


def digit_of(position: int) -> Digit:
    return Digit((check_position(position) - 1) % 5 + 1)


def is_right_hand(position: int) -> bool:
    return check_position(position) <= 5
