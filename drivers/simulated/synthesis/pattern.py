"""Pattern class of each finger and where its singular points (cores, deltas) sit on the fingertip surface.

Class frequencies follow the published per-digit statistics of large tenprint files (whorls most common on thumbs and
ring fingers, radial loops and arches mostly on index fingers, ulnar loops dominating little fingers; overall about
65 % loops, 30 % whorls, 5 % arches). A person-level tendency towards whorls or arches couples the ten fingers, as
it does in real hands. Ulnar loops open towards the little finger, which in a print (seen as an inked card) is the
right side for the right hand: a right-hand ulnar loop is a right loop.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from drivers.simulated.synthesis.fingers import Digit, digit_of, is_right_hand


class PatternClass(enum.Enum):
    ARCH = "arch"
    TENTED_ARCH = "tented arch"
    LEFT_LOOP = "left loop"
    RIGHT_LOOP = "right loop"
    WHORL = "whorl"


# Per digit: probabilities of (arch, tented arch, ulnar loop, radial loop, whorl).
_DIGIT_CLASS_P = {
    Digit.THUMB: (0.02, 0.02, 0.52, 0.01, 0.43),
    Digit.INDEX: (0.07, 0.06, 0.40, 0.17, 0.30),
    Digit.MIDDLE: (0.05, 0.03, 0.70, 0.02, 0.20),
    Digit.RING: (0.02, 0.02, 0.52, 0.01, 0.43),
    Digit.LITTLE: (0.02, 0.02, 0.80, 0.01, 0.15),
}


@dataclass(frozen=True)
class SingularLayout:
    """Cores and deltas in surface pixel coordinates (x right, y down) of one master print."""

    pattern: PatternClass
    cores: tuple[tuple[float, float], ...]
    deltas: tuple[tuple[float, float], ...]


def choose_class(rng: np.random.Generator, position: int, whorl_tendency: float) -> PatternClass:
    """Draw the class of one finger; `whorl_tendency` in [-1, 1] moves mass between arches and whorls."""
    arch, tented, ulnar, radial, whorl = _DIGIT_CLASS_P[digit_of(position)]
    factor = float(np.exp(1.2 * whorl_tendency))
    whorl *= factor
    arch /= factor
    tented /= factor
    p = np.array([arch, tented, ulnar, radial, whorl])
    p /= p.sum()
    kind = int(rng.choice(5, p=p))
    ulnar_class = PatternClass.RIGHT_LOOP if is_right_hand(position) else PatternClass.LEFT_LOOP
    radial_class = PatternClass.LEFT_LOOP if is_right_hand(position) else PatternClass.RIGHT_LOOP
    return (PatternClass.ARCH, PatternClass.TENTED_ARCH, ulnar_class, radial_class, PatternClass.WHORL)[kind]


def place_singular_points(rng: np.random.Generator, pattern: PatternClass, width: int, height: int) -> SingularLayout:
    """Cores and deltas for `pattern` on a `width` x `height` surface, with natural spread."""
    cx = width / 2 + rng.normal(0, 0.03 * width)
    cy = height * (0.40 + rng.normal(0, 0.035))
    if pattern is PatternClass.ARCH:
        return SingularLayout(pattern, (), ())
    if pattern is PatternClass.TENTED_ARCH:
        drop = rng.uniform(45, 75)
        return SingularLayout(pattern, ((cx, cy),), ((cx + rng.normal(0, 6), cy + drop),))
    if pattern in (PatternClass.LEFT_LOOP, PatternClass.RIGHT_LOOP):
        side = -1.0 if pattern is PatternClass.RIGHT_LOOP else 1.0  # delta opposite the opening
        dx = side * rng.uniform(70, 140)
        dy = rng.uniform(105, 170)
        core = (cx - 0.25 * dx, cy)
        return SingularLayout(pattern, (core,), ((core[0] + dx, cy + dy),))
    # Whorl: two cores close together (their axis tilted), two deltas low on either side.
    spread = rng.uniform(12, 32)
    tilt = rng.normal(np.pi / 2, 0.6)
    c1 = (cx + spread * np.cos(tilt), cy + spread * np.sin(tilt))
    c2 = (cx - spread * np.cos(tilt), cy - spread * np.sin(tilt))
    dy = rng.uniform(110, 165)
    d1 = (cx - rng.uniform(105, 150), cy + dy + rng.normal(0, 15))
    d2 = (cx + rng.uniform(105, 150), cy + dy + rng.normal(0, 15))
    return SingularLayout(pattern, (c1, c2), (d1, d2))
