"""A synthetic person: ten distinct fingers, deterministic from one seed, and every capture the scanner can take.

    person = SyntheticPerson(7)
    flat = person.flat_impression(2, impression_seed=0)            # right index, Impression(image, minutiae, ...)
    flat = person.flat_impression(2, 1, pressure=0.9, moisture=-0.8)  # a dry finger pressed hard
    slap = person.slap("right", seed=0)                             # SlapImpression(image, boxes, minutiae)
    slap = person.slap_frames("left", seed=0)                       # the same, with the hand landing in .frames
    roll = person.rolled_frames(1, seed=0)                          # RolledCapture(frames, final, minutiae)

Same seeds give the same pixels. Master prints are built on first use (about half a second each) and cached.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np

from drivers.simulated.synthesis.conditions import Conditions, make_conditions
from drivers.simulated.synthesis.fingers import HAND_POSITIONS, check_position
from drivers.simulated.synthesis.flat import FLAT_SIZE, place_flat, render_finger, sensor_for, visible_singular_points
from drivers.simulated.synthesis.master import MasterPrint, PersonTraits, build_master, person_traits
from drivers.simulated.synthesis.render import Sensor, finish, platen
from drivers.simulated.synthesis.results import Impression, RolledCapture, SlapImpression
from drivers.simulated.synthesis.rolled import render_rolled
from drivers.simulated.synthesis.seeds import stream
from drivers.simulated.synthesis.slap import render_slap


def blank_platen(seed: int, size: tuple[int, int] = FLAT_SIZE, noise: float | None = None) -> np.ndarray:
    """A frame of the empty scanner (uint8): shaded background, dust, sensor noise. For self-tests."""
    rng = stream("blank", seed)
    sensor = Sensor(background=float(np.clip(rng.normal(222, 8), 195, 245)), noise=4.0 if noise is None else noise)
    canvas = platen(size, sensor, rng)
    return finish(canvas, np.zeros_like(canvas), sensor, rng)


class SyntheticPerson:
    """Ten synthetic fingers of one person (FBI positions 1-10), deterministic from `seed`."""

    def __init__(self, seed: int) -> None:
        if not isinstance(seed, int) or seed < 0:
            raise ValueError(f"person seed must be a non-negative integer, got {seed!r}")
        self.seed = seed
        self.traits: PersonTraits = person_traits(seed)
        self._masters: dict[int, MasterPrint] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SyntheticPerson({self.seed})"

    def master(self, position: int) -> MasterPrint:
        """The master print of one finger (built once, then cached)."""
        check_position(position)
        with self._lock:
            master = self._masters.get(position)
            if master is None:
                master = build_master(self.seed, position, self.traits)
                self._masters[position] = master
            return master

    def pattern(self, position: int) -> str:
        """Pattern class name of one finger ("arch", "tented arch", "left loop", "right loop", "whorl")."""
        return self.master(position).pattern.value

    def flat_impression(
        self, position: int, impression_seed: int = 0, size: tuple[int, int] = FLAT_SIZE, **conditions: object
    ) -> Impression:
        """One flat capture of finger `position`; `conditions` are the fields of `Conditions`."""
        check_position(position)
        cond = make_conditions(**conditions)
        rng = stream("flat", self.seed, position, impression_seed)
        if cond.no_finger:
            image = blank_platen(int(rng.integers(0, 2**31)), size, cond.noise)
            return Impression(image=image, minutiae=(), position=None, foreground=np.zeros(image.shape[::1], bool))
        master = self.master(position)
        placement = place_flat(master, self.traits, cond, rng, size)
        sensor = sensor_for(rng, cond)
        ink, contact, minutiae = render_finger(master, placement, rng, size)
        image = finish(platen(size, sensor, rng), ink, sensor, rng)
        return Impression(
            image=image,
            minutiae=minutiae,
            position=position,
            foreground=contact >= 0.5,
            singular_points=visible_singular_points(master, placement.warp, contact),
            pattern=master.pattern.value,
        )

    def flat_frames(
        self, position: int, impression_seed: int = 0, count: int | None = None, **conditions: object
    ) -> list[np.ndarray]:
        """Preview frames of the finger landing (contact growing, pressure rising); the last is the impression.

        `count` defaults to 4 frames, 10 with `slow=True`.
        """
        landing = self.flat_landing(position, impression_seed, count, **conditions)
        if make_conditions(**conditions).no_finger:
            return self._blank_frames(position, impression_seed, len(landing) + 1, make_conditions(**conditions))
        return [*landing, self.flat_impression(position, impression_seed, **conditions).image]

    def flat_landing(
        self, position: int, impression_seed: int = 0, count: int | None = None, **conditions: object
    ) -> list[np.ndarray]:
        """The frames of `flat_frames` before its last (the impression), without rendering the impression."""
        check_position(position)
        cond = make_conditions(**conditions)
        count = count if count is not None else (10 if cond.slow else 4)
        if count < 1:
            raise ValueError(f"a landing needs at least one frame, got count={count}")
        if cond.no_finger:
            return self._blank_frames(position, impression_seed, count - 1, cond)
        rng = stream("flat", self.seed, position, impression_seed)
        size = FLAT_SIZE
        master = self.master(position)
        placement = place_flat(master, self.traits, cond, rng, size)
        sensor = sensor_for(rng, cond)
        background = platen(size, sensor, rng)  # the same platen as the final impression's
        frames = []
        for k in range(count - 1):
            frame_rng = stream("landing", self.seed, position, impression_seed, k)
            ink, _, _ = render_finger(
                master, placement, frame_rng, size, contact_scale=0.35 + 0.6 * k / max(count - 1, 1)
            )
            frames.append(finish(background, ink, sensor, frame_rng))
        return frames

    def _blank_frames(self, position: int, impression_seed: int, count: int, cond: object) -> list[np.ndarray]:
        """An empty platen, `count` frames of it (a capture with no finger)."""
        rng = stream("flat", self.seed, position, impression_seed)
        noise = cond.noise  # type: ignore[attr-defined]
        return [blank_platen(int(rng.integers(0, 2**31)) + k, FLAT_SIZE, noise) for k in range(count)]

    def slap(self, hand: str, seed: int = 0, **conditions: object) -> SlapImpression:
        """A four-finger slap ("right": 2-5, "left": 7-10) or the two-thumb slap ("thumbs": 6 and 1)."""
        return self._slap(hand, seed, make_conditions(**conditions), landing=0)

    def slap_frames(self, hand: str, seed: int = 0, count: int | None = None, **conditions: object) -> SlapImpression:
        """`slap(hand, seed, **conditions)` with the hand landing in `frames` (contact growing, pressure rising).

        The last frame is the slap's image. `count` defaults to 4 frames, 10 with `slow=True`.
        """
        cond = make_conditions(**conditions)
        count = count if count is not None else (10 if cond.slow else 4)
        if count < 1:
            raise ValueError(f"a landing needs at least one frame, got count={count}")
        slap = self._slap(hand, seed, cond, landing=count)
        return slap if count > 1 else replace(slap, frames=(slap.image,))

    def _slap(self, hand: str, seed: int, conditions: Conditions, landing: int) -> SlapImpression:
        if hand not in HAND_POSITIONS:
            raise ValueError(f"slap hand must be one of {', '.join(HAND_POSITIONS)}, got {hand!r}")
        masters = {position: self.master(position) for position in HAND_POSITIONS[hand]}
        return render_slap(masters, self.traits, hand, seed, self.seed, conditions, landing=landing)

    def rolled_frames(self, position: int, seed: int = 0, **conditions: object) -> RolledCapture:
        """The frame sequence of a roll of finger `position`, its composite and ground truth (iterates as frames)."""
        check_position(position)
        return render_rolled(self.master(position), self.traits, seed, self.seed, make_conditions(**conditions))
