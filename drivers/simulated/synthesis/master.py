"""The master print of one finger: class, singular points, orientation and period maps, grown ridges, minutiae.

A master is the unrolled skin of the distal phalanx (nail edge to nail edge) as a clean binary ridge map; every
impression of that finger is a view of it. It is computed once per finger and cached by the person.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from drivers.simulated.synthesis.fingers import ANATOMY, Digit, digit_of
from drivers.simulated.synthesis.minutiae import detect_minutiae
from drivers.simulated.synthesis.orientation import orientation_field, ridge_period_map
from drivers.simulated.synthesis.pattern import PatternClass, SingularLayout, choose_class, place_singular_points
from drivers.simulated.synthesis.ridges import GROWTH_SPACING, clean_master, grow_ridges, soft_ridges
from drivers.simulated.synthesis.seeds import smooth_noise, stream
from station.biometrics.features import Minutia

_PAD = 24  # grown beyond the surface so the FFT's wrap-around never touches the skin
_DIGIT_PERIOD = {Digit.THUMB: 0.35, Digit.INDEX: 0.0, Digit.MIDDLE: 0.1, Digit.RING: 0.0, Digit.LITTLE: -0.35}


@dataclass(frozen=True)
class PersonTraits:
    """What the ten fingers of one person share."""

    whorl_tendency: float  # -1 (arches) .. 1 (whorls)
    ridge_period: float  # pixels at 500 ppi
    size: float  # finger size factor
    moisture: float  # habitual skin moisture, -1 dry .. 1 wet
    pressure: float  # habitual pressure, 0..1
    creases: float  # expected number of skin creases per finger (grows with age and manual work)


def person_traits(seed: int) -> PersonTraits:
    rng = stream("person", seed)
    return PersonTraits(
        whorl_tendency=float(np.clip(rng.normal(0, 0.5), -1, 1)),
        ridge_period=float(np.clip(rng.normal(9.4, 0.35), 8.7, 10.3)),
        size=float(np.clip(rng.normal(1.0, 0.05), 0.88, 1.12)),
        moisture=float(np.clip(rng.normal(0, 0.3), -0.7, 0.7)),
        pressure=float(np.clip(rng.normal(0.5, 0.12), 0.25, 0.75)),
        creases=float(rng.gamma(2.0, 1.5)),
    )


def skin_texture(soft: np.ndarray, ridges: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ridge edges made slightly irregular and sweat pores opened along the ridges (fixed for the finger).

    Pores show as small light dots that a firm, moist contact closes and a light one opens. Neither cuts a ridge
    or joins two, so the minutiae stay those of the clean master (a pore is not a minutia).
    """
    h, w = soft.shape
    rough = soft + 0.3 * smooth_noise(rng, (h, w), 3.0)
    centres = np.argwhere(ridges & (cv2.distanceTransform(ridges.astype(np.uint8), cv2.DIST_L2, 3) >= 2.0))
    count = len(centres) // 55
    pores = np.zeros((h, w), np.float32)
    for y, x in centres[rng.choice(len(centres), size=count, replace=False)] if count else []:
        cv2.circle(pores, (int(x), int(y)), 1, 1.0, -1)
    pores = cv2.GaussianBlur(pores, (0, 0), 0.7)
    return np.clip(rough - 1.6 * pores, -1.0, 1.0).astype(np.float32)


def fingertip_outline(width: int, height: int) -> np.ndarray:
    """Skin of the unrolled fingertip: the full width low down, a rounded tip at the top, soft 5 px edges."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    radius = 0.5 * width
    u = np.abs(xs - width / 2) / radius
    tip = radius * (1.0 - np.sqrt(np.clip(1.0 - u**2, 0.0, 1.0))) * 0.85  # top edge of the skin at each column
    inside = np.minimum(ys - tip, np.minimum(xs, width - 1 - xs))
    return np.clip(inside / 5.0, 0.0, 1.0).astype(np.float32)


def draw_creases(rng: np.random.Generator, width: int, height: int, expected: float) -> np.ndarray:
    """Crease map (float32 0..1): thin, gently curved white lines crossing the ridges, fixed for the finger.

    Creases interrupt ridges in every impression but are not minutiae, so the ground truth ignores them.
    """
    canvas = np.zeros((height, width), np.float32)
    for _ in range(int(rng.poisson(expected))):
        angle = rng.normal(0, 0.5) if rng.random() < 0.6 else rng.uniform(0, np.pi)  # mostly across the finger
        length = rng.uniform(0.15, 0.6) * width
        cx, cy = rng.uniform(0.15, 0.85) * width, rng.uniform(0.3, 0.95) * height
        bend = rng.normal(0, 0.08 * length)
        t = np.linspace(-0.5, 0.5, 24)
        xs = cx + t * length * np.cos(angle) - bend * (1 - 4 * t * t) * np.sin(angle)
        ys = cy + t * length * np.sin(angle) + bend * (1 - 4 * t * t) * np.cos(angle)
        points = np.stack([xs, ys], axis=1).round().astype(np.int32)
        cv2.polylines(canvas, [points], False, 1.0, int(rng.integers(2, 5)), cv2.LINE_AA)
    return cv2.GaussianBlur(canvas, (0, 0), 0.8)


@dataclass(frozen=True)
class MasterPrint:
    position: int
    pattern: PatternClass
    layout: SingularLayout
    ridges: np.ndarray  # bool HxW, True = ridge
    soft: np.ndarray  # float32 HxW in [-1, 1]
    minutiae: tuple[Minutia, ...]
    ridge_period: float
    outline: np.ndarray  # float32 HxW in [0, 1]: the skin of the fingertip (rounded tip, nail edges at the sides)

    @property
    def width(self) -> int:
        return int(self.ridges.shape[1])

    @property
    def height(self) -> int:
        return int(self.ridges.shape[0])


def build_master(seed: int, position: int, traits: PersonTraits) -> MasterPrint:
    """Generate the master print of finger `position` of person `seed` (deterministic)."""
    anatomy = ANATOMY[digit_of(position)]
    width = round(anatomy.surface_width * traits.size)
    height = round(anatomy.surface_height * traits.size)
    rng_class = stream("class", seed, position)
    pattern = choose_class(rng_class, position, traits.whorl_tendency)
    layout = place_singular_points(stream("singular", seed, position), pattern, width, height)
    padded = SingularLayout(
        pattern,
        tuple((x + _PAD, y + _PAD) for x, y in layout.cores),
        tuple((x + _PAD, y + _PAD) for x, y in layout.deltas),
    )
    shape_w, shape_h = width + 2 * _PAD, height + 2 * _PAD
    spacing = GROWTH_SPACING
    doubled = orientation_field(padded, shape_w, shape_h, stream("orientation", seed, position), spacing)
    period_base = traits.ridge_period + _DIGIT_PERIOD[digit_of(position)]
    period = ridge_period_map(shape_w, shape_h, period_base, stream("period", seed, position), spacing)
    grown = grow_ridges(doubled, period, stream("ridges", seed, position), (shape_w, shape_h), spacing)
    ridges = clean_master(grown)[_PAD : _PAD + height, _PAD : _PAD + width]
    soft = skin_texture(soft_ridges(ridges), ridges, stream("texture", seed, position))
    creases = draw_creases(stream("creases", seed, position), width, height, traits.creases)
    return MasterPrint(
        position=position,
        pattern=pattern,
        layout=layout,
        ridges=ridges,
        soft=np.minimum(soft, 1.0 - 2.0 * creases),
        minutiae=detect_minutiae(ridges),
        ridge_period=period_base,
        outline=fingertip_outline(width, height),
    )
