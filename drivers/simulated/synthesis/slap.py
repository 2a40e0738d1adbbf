"""Multi-finger flat captures: the four fingers of one hand (or the two thumbs) pressed on a 3.2 x 3.0 inch platen.

Layout as an inked card shows it: right hand index to little from left to right, left hand little to index, left
thumb left of right thumb. The middle finger reaches highest, the little finger sits low; fingers fan out a few
degrees each and the whole hand is tilted a little. Each finger is placed and rendered like a flat on its own tile,
then the tiles are laid on one platen, so every finger keeps its own pressure, skin and distortion and its exact box
and ground truth. Below each fingertip (not the thumbs) the middle phalanx leaves a fainter print past the white
distal crease, as on real slaps: segmentation has to tell it from a fingertip. Its box is given apart
(`phalanges`); it carries no ground truth.
"""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np

from drivers.simulated.synthesis.conditions import Conditions
from drivers.simulated.synthesis.distortion import random_warp
from drivers.simulated.synthesis.fingers import HAND_POSITIONS
from drivers.simulated.synthesis.flat import Placement, place_flat, render_finger, sensor_for
from drivers.simulated.synthesis.master import MasterPrint, PersonTraits
from drivers.simulated.synthesis.render import finish, platen
from drivers.simulated.synthesis.results import Box, SlapImpression
from drivers.simulated.synthesis.seeds import stream
from station.biometrics.features import Minutia

SLAP_SIZE = (1600, 1500)  # width, height: 3.2 x 3.0 inch at 500 ppi
_TILE = (720, 860)
_PHALANX_TILE = (560, 420)

# Per slot (left to right in the image): fingertip contact centre (fraction of platen) and fan angle (degrees,
# positive = tip leaning right).
_LAYOUT = {
    "right": (((0.18, 0.36), -13.0), ((0.395, 0.29), -4.0), ((0.61, 0.34), 4.0), ((0.81, 0.50), 15.0)),
    "left": (((0.19, 0.50), -15.0), ((0.39, 0.34), -4.0), ((0.605, 0.29), 4.0), ((0.82, 0.36), 13.0)),
    "thumbs": (((0.32, 0.42), 22.0), ((0.68, 0.42), -22.0)),
}


def render_slap(
    masters: dict[int, MasterPrint],
    traits: PersonTraits,
    hand: str,
    seed: int,
    person_seed: int,
    conditions: Conditions,
    landing: int = 0,
) -> SlapImpression:
    """The slap of `hand` ("right", "left" or "thumbs"); masters hold every finger of that hand.

    With `landing` > 1 the result also holds that many frames of the hand landing (`frames`, the last is `image`);
    the image and its ground truth are the same with or without them.
    """
    width, height = SLAP_SIZE
    hand_index = ("right", "left", "thumbs").index(hand)
    rng = stream("slap", person_seed, seed, hand_index)
    hand_tilt = rng.normal(0, 5.0)
    hand_shift = (rng.normal(0, 40), rng.normal(0, 45))
    sensor = sensor_for(rng, conditions)
    ink = np.zeros((height, width), np.float32)
    boxes: dict[int, Box] = {}
    minutiae: dict[int, tuple[Minutia, ...]] = {}
    phalanges: dict[int, Box] = {}
    for position, ((fx, fy), fan) in zip(HAND_POSITIONS[hand], _LAYOUT[hand], strict=True):
        if conditions.partial and position in (1, 5, 10):
            continue  # the little finger (or right thumb) lifted or missing: the typical incomplete slap
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
        master = masters[position]
        placement = place_flat(master, traits, finger_conditions, finger_rng, _TILE, center=(tile_w / 2, tile_h * 0.42))
        tile_ink, contact, visible = render_finger(master, placement, finger_rng, _TILE)
        cx = fx * width + hand_shift[0] + finger_rng.normal(0, 10)
        cy = fy * height + hand_shift[1] + finger_rng.normal(0, 12)
        x0, y0 = round(cx - tile_w / 2), round(cy - tile_h * 0.42)
        box = _paste(ink, tile_ink, contact, x0, y0)
        if box is None:
            continue
        boxes[position] = box
        minutiae[position] = tuple(
            Minutia(m.x + x0, m.y + y0, m.angle, m.kind, m.quality) for m in visible if box.contains(m.x + x0, m.y + y0)
        )
        if position not in (1, 6):  # thumbs are pressed on their tips only
            phalanx = _middle_phalanx(master, placement, finger_rng, (cx, cy))
            if phalanx is not None:
                phalanges[position] = _paste(ink, *phalanx)  # type: ignore[assignment]
    canvas = platen(SLAP_SIZE, sensor, rng)
    image = finish(canvas, ink, sensor, rng)
    phalanges = {p: b for p, b in phalanges.items() if b is not None}
    frames: tuple[np.ndarray, ...] = ()
    if landing > 1:
        prints = [*boxes.values(), *phalanges.values()]
        landed = [
            finish(
                canvas,
                ink * _landing_contact(prints, k, landing),
                sensor,
                stream("slap-landing", person_seed, seed, hand_index, k),
            )
            for k in range(landing - 1)
        ]
        frames = (*landed, image)
    return SlapImpression(image=image, hand=hand, boxes=boxes, minutiae=minutiae, phalanges=phalanges, frames=frames)


def _landing_contact(prints: list[Box], frame: int, count: int) -> np.ndarray:
    """Ink weight of landing frame `frame` of `count`: each print's contact grows from its centre, pressure rising."""
    scale = 0.35 + 0.6 * frame / max(count - 1, 1)  # as a single finger lands (see `flat_frames`)
    weight = np.zeros((SLAP_SIZE[1], SLAP_SIZE[0]), np.float32)
    for box in prints:
        center = ((box.x0 + box.x1) // 2, (box.y0 + box.y1) // 2)
        axes = (max(1, round(box.width * 0.6 * scale)), max(1, round(box.height * 0.6 * scale)))
        cv2.ellipse(weight, center, axes, 0, 0, 360, scale, -1)
    return weight


def _paste(ink: np.ndarray, tile_ink: np.ndarray, contact: np.ndarray, x0: int, y0: int) -> Box | None:
    """Lay a finger tile on the platen ink at (x0, y0), clipped; the box of its firm contact, if any shows."""
    height, width = ink.shape
    tile_h, tile_w = tile_ink.shape
    tx0, ty0 = max(0, -x0), max(0, -y0)
    tx1, ty1 = min(tile_w, width - x0), min(tile_h, height - y0)
    if tx1 <= tx0 or ty1 <= ty0:
        return None
    region = (slice(y0 + ty0, y0 + ty1), slice(x0 + tx0, x0 + tx1))
    ink[region] = np.maximum(ink[region], tile_ink[ty0:ty1, tx0:tx1])
    ys, xs = np.nonzero(contact[ty0:ty1, tx0:tx1] >= 0.5)
    if xs.size == 0:
        return None
    return Box(
        int(xs.min() + x0 + tx0), int(ys.min() + y0 + ty0), int(xs.max() + x0 + tx0 + 1), int(ys.max() + y0 + ty0 + 1)
    )


def _middle_phalanx(
    master: MasterPrint, tip: Placement, rng: np.random.Generator, tip_center: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray, int, int] | None:
    """Ink, contact and platen offset of the middle phalanx pressed below the distal crease, fainter than the tip."""
    tile_w, tile_h = _PHALANX_TILE
    half_height = rng.uniform(80, 120)
    gap = rng.uniform(14, 26)  # the white distal crease
    reach = tip.half_height * 1.35 + gap + half_height
    down = (-math.sin(tip.rotation), math.cos(tip.rotation))
    cx, cy = tip_center[0] + reach * down[0], tip_center[1] + reach * down[1]
    center = (tile_w / 2, tile_h / 2)
    warp = random_warp(rng, center, (master.width / 2, 0.70 * master.height), tip.rotation, 0.5, 150.0)
    placement = replace(
        tip,
        warp=warp,
        skin=replace(tip.skin, pressure=tip.skin.pressure * 0.7),
        contact_center=center,
        half_width=tip.half_width * rng.uniform(0.8, 0.95),
        half_height=half_height,
        contrast=tip.contrast * rng.uniform(0.55, 0.8),
    )
    tile_ink, contact, _ = render_finger(master, placement, rng, _PHALANX_TILE)
    return tile_ink, contact, round(cx - tile_w / 2), round(cy - tile_h / 2)
