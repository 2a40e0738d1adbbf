"""Rolled captures: the finger rolls from one nail edge to the other, seen as a sequence of frames.

A rolling finger touches the glass in a band about as wide as a light flat contact; rolling without slipping lays
the skin down where it touches, so the skin at distance u across the pad always lands at the same platen column and
the whole unrolled surface (the master) appears piece by piece. Each frame shows the band of the moment, moving
across the print; the scanner composes the final nail-to-nail print from the frames (darkest value per pixel), which
is much wider than a flat. A slow finger gives more frames; a smudge is a slip half-way through the roll, which
leaves doubled ridges in the composite, as on a real roll.
"""

from __future__ import annotations

import math

import numpy as np

from drivers.simulated.synthesis.conditions import Conditions
from drivers.simulated.synthesis.distortion import random_warp
from drivers.simulated.synthesis.fingers import ANATOMY, digit_of
from drivers.simulated.synthesis.flat import pinned, sensor_for, visible_singular_points
from drivers.simulated.synthesis.master import MasterPrint, PersonTraits
from drivers.simulated.synthesis.render import (
    Skin,
    contact_ellipse,
    finish,
    platen,
    ridge_presence,
    warp_skin,
)
from drivers.simulated.synthesis.results import RolledCapture
from drivers.simulated.synthesis.seeds import stream

ROLLED_SIZE = (800, 750)  # width, height: the 1.6 x 1.5 inch rolled window at 500 ppi
FRAMES = 18
SLOW_FRAMES = 40


def _across(size: tuple[int, int], center: tuple[float, float], rotation: float) -> np.ndarray:
    """Signed distance (pixels) of every output pixel across the finger axis."""
    w, h = size
    c, s = math.cos(rotation), math.sin(rotation)
    x = (np.arange(w, dtype=np.float32) - center[0])[None, :]
    y = (np.arange(h, dtype=np.float32) - center[1])[:, None]
    return c * x + s * y


def _band(across: np.ndarray, u0: float, half: float) -> np.ndarray:
    """Contact band of the rolling finger: strength 1 within `half` of u = u0 (across the finger), soft edges."""
    t = np.clip((half - np.abs(across - u0)) / (0.35 * half), 0.0, 1.0)
    return (t * t * (3 - 2 * t)).astype(np.float32)


def render_rolled(
    master: MasterPrint, traits: PersonTraits, seed: int, person_seed: int, conditions: Conditions
) -> RolledCapture:
    """Frames and composite of a roll of `master`'s finger."""
    size = ROLLED_SIZE
    w, h = size
    rng = stream("rolled", person_seed, master.position, seed)
    anatomy = ANATOMY[digit_of(master.position)]
    rotation = pinned(conditions.rotation, rng.normal(0, 0.06), math.radians)
    pressure = pinned(conditions.pressure, float(np.clip(rng.normal(0.6, 0.1), 0, 1)))
    moisture = pinned(conditions.moisture, float(np.clip(rng.normal(traits.moisture, 0.25), -1, 1)))
    strength = pinned(conditions.distortion, float(rng.uniform(0.3, 0.8)))
    half_width = 0.46 * master.width
    half_height = anatomy.flat_height / 2 * traits.size * rng.uniform(0.95, 1.08)
    center = (w / 2 + rng.normal(0, 12), 40 + half_height + rng.normal(0, 12))
    if conditions.partial:  # finger rolled only half way
        half_width *= 0.6
    master_center = (master.width / 2, 0.05 * master.height + half_height)
    warp = random_warp(rng, center, master_center, rotation, strength, half_width)
    contact = contact_ellipse(size, center, half_width, half_height, rotation, rng, bottom_stretch=1.25)
    soft, outline = warp_skin(master.soft, master.outline, warp, size)
    contact = contact * outline
    presence = ridge_presence(soft, Skin(pressure, moisture), rng)
    contrast = 0.75 + 0.25 * pressure
    slip_warp = None
    if conditions.smudge:
        shift = (rng.uniform(5, 9) * rng.choice([-1, 1]), rng.uniform(3, 7))
        slip_warp = random_warp(rng, (center[0] + shift[0], center[1] + shift[1]), master_center, rotation, 0.4, 200)
    slipped = (
        ridge_presence(warp_skin(master.soft, master.outline, slip_warp, size)[0], Skin(pressure, moisture), rng)
        if slip_warp
        else None
    )

    count = SLOW_FRAMES if conditions.slow else FRAMES
    band_half = anatomy.flat_width * traits.size * 0.36
    start, stop = -half_width + 0.6 * band_half, half_width - 0.6 * band_half
    direction = 1 if rng.random() < 0.5 else -1  # roll thumb-side first or nail-side first
    sensor = sensor_for(rng, conditions)
    background = platen(size, sensor, rng)
    frames: list[np.ndarray] = []
    across = _across(size, center, rotation)
    columns: list[tuple[int, int]] = []
    for k in range(count):
        f = k / (count - 1)
        u0 = start + (stop - start) * (f if direction > 0 else 1 - f)
        band = _band(across, u0, band_half)
        source = slipped if slipped is not None and k >= count // 2 else presence
        ink = source * contact * band * contrast
        frames.append(finish(background, ink, sensor, stream("rolled-frame", person_seed, master.position, seed, k)))
        touched = np.flatnonzero((contact * band).max(axis=0) >= 0.5)
        columns.append((int(touched.min()), int(touched.max()) + 1) if touched.size else (0, 0))
    final = np.minimum.reduce(frames)
    moved = warp.transform_minutiae(master.minutiae)
    visible = tuple(
        m for m in moved if 6 <= m.x < w - 6 and 6 <= m.y < h - 6 and contact[round(m.y), round(m.x)] >= 0.6
    )
    singular = visible_singular_points(master, warp, contact)
    return RolledCapture(
        frames=frames,
        final=final,
        minutiae=visible,
        position=master.position,
        contact_columns=columns,
        singular_points=singular,
    )
