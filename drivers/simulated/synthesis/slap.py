"""Multi-finger flat captures: the four fingers of one hand (or the two thumbs) pressed on a 3.2 x 3.0 inch platen.

Layout as an inked card shows it: right hand index to little from left to right, left hand little to index, left
thumb left of right thumb. The middle finger reaches highest, the little finger sits low; fingers fan out a few
degrees each and the whole hand is tilted a little. Each finger is placed and rendered like a flat on its own tile,
then the tiles are laid on one platen, so every finger keeps its own pressure, skin and distortion and its exact box
and ground truth.
"""

from __future__ import annotations

import numpy as np

from drivers.simulated.synthesis.conditions import Conditions
from drivers.simulated.synthesis.fingers import HAND_POSITIONS
from drivers.simulated.synthesis.flat import place_flat, render_finger, sensor_for
from drivers.simulated.synthesis.master import MasterPrint, PersonTraits
from drivers.simulated.synthesis.render import finish, platen
from drivers.simulated.synthesis.results import Box, SlapImpression
from drivers.simulated.synthesis.seeds import stream
from station.biometrics.features import Minutia

SLAP_SIZE = (1600, 1500)  # width, height: 3.2 x 3.0 inch at 500 ppi
_TILE = (720, 860)

# Per slot (left to right in the image): fingertip contact centre (fraction of platen) and fan angle (degrees,
# positive = tip leaning right).
_LAYOUT = {
    "right": (((0.20, 0.36), -13.0), ((0.40, 0.29), -4.0), ((0.60, 0.34), 4.0), ((0.79, 0.50), 15.0)),
    "left": (((0.21, 0.50), -15.0), ((0.40, 0.34), -4.0), ((0.60, 0.29), 4.0), ((0.80, 0.36), 13.0)),
    "thumbs": (((0.32, 0.42), 22.0), ((0.68, 0.42), -22.0)),
}


def render_slap(
    masters: dict[int, MasterPrint],
    traits: PersonTraits,
    hand: str,
    seed: int,
    person_seed: int,
    conditions: Conditions,
) -> SlapImpression:
    """The slap of `hand` ("right", "left" or "thumbs"); masters hold every finger of that hand."""
    width, height = SLAP_SIZE
    rng = stream("slap", person_seed, seed, ("right", "left", "thumbs").index(hand))
    hand_tilt = rng.normal(0, 5.0)
    hand_shift = (rng.normal(0, 40), rng.normal(0, 45))
    sensor = sensor_for(rng, conditions)
    ink = np.zeros((height, width), np.float32)
    boxes: dict[int, Box] = {}
    minutiae: dict[int, tuple[Minutia, ...]] = {}
    for position, ((fx, fy), fan) in zip(HAND_POSITIONS[hand], _LAYOUT[hand], strict=True):
        if conditions.partial and position == HAND_POSITIONS[hand][-1]:
            continue  # a finger missing from the slap (lifted or amputated): the typical partial slap
        finger_rng = stream("slap-finger", person_seed, seed, position)
        angle = fan + hand_tilt + finger_rng.normal(0, 3.0)
        finger_conditions = Conditions(
            pressure=conditions.pressure,
            moisture=conditions.moisture,
            noise=conditions.noise,
            distortion=conditions.distortion,
            rotation=angle,
            smudge=conditions.smudge,
        )
        tile_w, tile_h = _TILE
        placement = place_flat(
            masters[position], traits, finger_conditions, finger_rng, _TILE, center=(tile_w / 2, tile_h * 0.42)
        )
        tile_ink, contact, visible = render_finger(masters[position], placement, finger_rng, _TILE)
        cx = fx * width + hand_shift[0] + finger_rng.normal(0, 10)
        cy = fy * height + hand_shift[1] + finger_rng.normal(0, 12)
        x0, y0 = round(cx - tile_w / 2), round(cy - tile_h * 0.42)
        # Clip the tile to the platen.
        tx0, ty0 = max(0, -x0), max(0, -y0)
        tx1, ty1 = min(tile_w, width - x0), min(tile_h, height - y0)
        if tx1 <= tx0 or ty1 <= ty0:
            continue
        region = (slice(y0 + ty0, y0 + ty1), slice(x0 + tx0, x0 + tx1))
        ink[region] = np.maximum(ink[region], tile_ink[ty0:ty1, tx0:tx1])
        touched = contact[ty0:ty1, tx0:tx1] >= 0.5
        if not touched.any():
            continue
        ys, xs = np.nonzero(touched)
        boxes[position] = Box(
            int(xs.min() + x0 + tx0),
            int(ys.min() + y0 + ty0),
            int(xs.max() + x0 + tx0 + 1),
            int(ys.max() + y0 + ty0 + 1),
        )
        minutiae[position] = tuple(
            Minutia(m.x + x0, m.y + y0, m.angle, m.kind, m.quality)
            for m in visible
            if tx0 <= m.x < tx1 and ty0 <= m.y < ty1
        )
    image = finish(platen(SLAP_SIZE, sensor, rng), ink, sensor, rng)
    return SlapImpression(image=image, hand=hand, boxes=boxes, minutiae=minutiae)
