"""Flat (plain) impressions of one finger: where and how the finger lands, rendered through the sensor model.

`place_flat` draws the impression's placement, skin and distortion from its random stream and the conditions;
`render_finger` turns a placement into finger "ink" (darkness 0..1 per pixel) and the visible ground-truth
minutiae, so single flats, slaps and landing frames share one renderer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from drivers.simulated.synthesis.conditions import Conditions
from drivers.simulated.synthesis.distortion import Warp, random_warp
from drivers.simulated.synthesis.fingers import ANATOMY, digit_of
from drivers.simulated.synthesis.master import MasterPrint, PersonTraits
from drivers.simulated.synthesis.render import (
    Sensor,
    Skin,
    contact_ellipse,
    motion_blur,
    ridge_presence,
    warp_skin,
)
from station.biometrics.features import Minutia, SingularKind, SingularPoint

FLAT_SIZE = (400, 500)  # width, height: a 0.8 x 1.0 inch single-finger window at 500 ppi
SLOPPY_SHIFT = 0.25  # share of impressions placed well off the pad centre, as real users do
SLOPPY_TWIST = 0.15  # share of impressions placed clearly rotated
_EDGE_MARGIN = 6  # ground truth only where the finger clearly touches, this far from the image edge


@dataclass(frozen=True)
class Placement:
    """Everything that decides how one finger lands on the platen."""

    warp: Warp
    skin: Skin
    contact_center: tuple[float, float]  # output pixels
    half_width: float
    half_height: float
    rotation: float  # radians, finger axis on the image (counter-clockwise)
    contrast: float  # 0..1 multiplier of the sensor depth
    smudge: tuple[float, float] | None  # (length, angle) of motion blur


def pinned(value: float | None, drawn: float, convert: Callable[[float], float] = float) -> float:
    """The condition's value when given, else the drawn one."""
    return drawn if value is None else convert(value)


def place_flat(
    master: MasterPrint,
    traits: PersonTraits,
    conditions: Conditions,
    rng: np.random.Generator,
    size: tuple[int, int] = FLAT_SIZE,
    center: tuple[float, float] | None = None,
) -> Placement:
    """Draw a placement for a flat impression in an output image of `size` (centre drawn unless given)."""
    w, h = size
    anatomy = ANATOMY[digit_of(master.position)]
    # Every draw is made whatever the conditions, so pinning one knob leaves the others as they were.
    rotation = float(np.clip(rng.normal(0, math.radians(12)), -math.radians(35), math.radians(35)))
    pressure = float(np.clip(rng.normal(traits.pressure, 0.2), 0.05, 0.95))
    moisture = float(np.clip(rng.normal(traits.moisture, 0.4), -1, 1))
    strength = float(np.clip(abs(rng.normal(1.4, 0.6)), 0.2, 1.0 if conditions.careful else 2.8))
    rotation = pinned(conditions.rotation, rotation, math.radians)
    pressure = pinned(conditions.pressure, pressure)
    moisture = pinned(conditions.moisture, moisture)
    strength = pinned(conditions.distortion, strength)
    scale = traits.size * (0.82 + 0.3 * pressure) * rng.uniform(0.92, 1.06)
    half_width = anatomy.flat_width / 2 * scale
    half_height = anatomy.flat_height / 2 * scale * rng.uniform(0.9, 1.05)
    if center is None:
        center = (w / 2 + rng.normal(0, 25), h * 0.5 + rng.normal(0, 30))
    cx, cy = center
    # Which part of the skin is in the middle of the contact: the pad below the tip, varying between impressions.
    mx = master.width / 2 + rng.normal(0, 35)
    my = 0.06 * master.height + half_height + max(rng.normal(0, 35), -0.04 * master.height)
    habit = rng.random() if not conditions.careful else 1.0
    if habit < SLOPPY_SHIFT:  # finger put down off-centre: another part of the pad touches
        direction = rng.uniform(0, 2 * math.pi)
        reach = rng.uniform(80, 150)
        mx += reach * math.cos(direction)
        my += reach * math.sin(direction)
    elif habit < SLOPPY_SHIFT + SLOPPY_TWIST and conditions.rotation is None:  # finger put down twisted
        rotation += math.copysign(math.radians(rng.uniform(15, 30)), rotation)
    my = max(my, 0.02 * master.height + 0.9 * half_height)  # the pad cannot touch above the fingertip
    if conditions.partial:
        side = rng.choice([-1.0, 1.0])
        if rng.random() < 0.5:  # finger off the side of the window
            cx += side * half_width * rng.uniform(0.8, 1.1)
        else:  # only the tip touches: the contact is the upper part of the pad, low in the window
            cy += half_height * rng.uniform(0.7, 1.0)
            half_height *= 0.6
    warp = random_warp(rng, (cx, cy), (mx, my), rotation, strength, max(half_width, half_height))
    smudge = None
    if conditions.smudge:
        smudge = (float(rng.uniform(18, 32)), float(rng.uniform(0, math.pi)))
    contrast = float(np.clip(0.72 + 0.3 * pressure + rng.normal(0, 0.05), 0.4, 1.0))
    return Placement(
        warp=warp,
        skin=Skin(pressure=pressure, moisture=moisture),
        contact_center=(cx, cy),
        half_width=half_width,
        half_height=half_height,
        rotation=rotation,
        contrast=contrast,
        smudge=smudge,
    )


def render_finger(
    master: MasterPrint,
    placement: Placement,
    rng: np.random.Generator,
    size: tuple[int, int],
    contact_scale: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, tuple[Minutia, ...]]:
    """Finger ink (float32 0..1), contact strength (float32 0..1) and visible ground-truth minutiae."""
    w, h = size
    contact = contact_ellipse(
        size,
        placement.contact_center,
        placement.half_width * contact_scale,
        placement.half_height * contact_scale,
        placement.rotation,
        rng,
    )
    soft, outline = warp_skin(master.soft, master.outline, placement.warp, size)
    contact = contact * outline
    skin = placement.skin
    if contact_scale < 1.0:
        skin = replace(skin, pressure=skin.pressure * contact_scale)
    presence = ridge_presence(soft, skin, rng)
    falloff = 0.65 + 0.35 * contact
    ink = (presence * contact * falloff * placement.contrast).astype(np.float32)
    if placement.smudge is not None:
        ink = motion_blur(ink, *placement.smudge)
    moved = placement.warp.transform_minutiae(master.minutiae)
    visible = []
    for m in moved:
        xi, yi = round(m.x), round(m.y)
        if not (_EDGE_MARGIN <= xi < w - _EDGE_MARGIN and _EDGE_MARGIN <= yi < h - _EDGE_MARGIN):
            continue
        if contact[yi, xi] >= 0.6:
            visible.append(m)
    return ink, contact, tuple(visible)


def visible_singular_points(master: MasterPrint, warp: Warp, contact: np.ndarray) -> tuple[SingularPoint, ...]:
    """Cores and deltas of the master where they land under firm contact in the output image."""
    points = [(x, y, SingularKind.CORE) for x, y in master.layout.cores]
    points += [(x, y, SingularKind.DELTA) for x, y in master.layout.deltas]
    if not points:
        return ()
    ox, oy = warp.project(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    h, w = contact.shape
    found = []
    for x, y, (_, _, kind) in zip(ox.tolist(), oy.tolist(), points, strict=True):
        if 0 <= x < w and 0 <= y < h and contact[int(y), int(x)] >= 0.5:
            found.append(SingularPoint(x, y, kind))
    return tuple(found)


def sensor_for(rng: np.random.Generator, conditions: Conditions) -> Sensor:
    noise = conditions.noise if conditions.noise is not None else float(np.clip(rng.normal(4.5, 1.5), 1.5, 9.0))
    return Sensor(
        background=float(np.clip(rng.normal(222, 8), 195, 245)),
        depth=float(rng.uniform(165, 200)),
        noise=noise,
        blur=float(rng.uniform(0.6, 1.0)),
    )
