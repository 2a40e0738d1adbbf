"""Capture conditions of one impression: skin, pressure, placement and the faults the simulated scanner can show.

Every field left at None is drawn from the impression's own random stream (around the person's habits), so
`flat_impression(pos, seed)` varies naturally between seeds while `flat_impression(pos, seed, pressure=0.9)` pins
one knob. Faults: `no_finger` (blank platen), `smudge` (finger moved during capture: motion blur), `partial`
(finger off the window or only the tip touching), `slow` (finger lands or rolls slowly: more frames).
Without `careful`, about one impression in three is put down well off the pad centre or clearly twisted and some
are pushed hard, as unguided users do (this is what makes genuine scores vary as much as on real sets).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Conditions:
    pressure: float | None = None  # 0 barely touching .. 1 pressed hard (contact area, ridge width, contrast)
    moisture: float | None = None  # -1 very dry (broken, faint ridges) .. 0 normal .. +1 wet (merged ridges, blobs)
    noise: float | None = None  # sensor noise standard deviation in grey levels
    distortion: float | None = None  # elastic distortion strength: 0 rigid, 1 typical, 2 pushed/twisted hard
    rotation: float | None = None  # degrees, counter-clockwise as seen on the image
    partial: bool = False  # only part of the finger is on the window
    smudge: bool = False  # motion blur: the finger slid during capture
    no_finger: bool = False  # blank platen: nothing touches the glass
    slow: bool = False  # finger lands / rolls slowly: more frames in a frame sequence
    careful: bool = False  # an operator guides the finger: never placed well off-centre or twisted

    def __post_init__(self) -> None:
        for name, low, high in (("pressure", 0, 1), ("moisture", -1, 1), ("distortion", 0, 3), ("noise", 0, 60)):
            value = getattr(self, name)
            if value is not None and not low <= value <= high:
                raise ValueError(f"condition {name}={value} is outside [{low}, {high}]")


CONDITION_NAMES = tuple(f.name for f in dataclasses.fields(Conditions))


def make_conditions(**conditions: object) -> Conditions:
    """Conditions from keyword arguments, with a clear error naming the valid keywords."""
    unknown = sorted(set(conditions) - set(CONDITION_NAMES))
    if unknown:
        raise TypeError(f"unknown capture condition(s) {', '.join(unknown)}; valid: {', '.join(CONDITION_NAMES)}")
    return Conditions(**conditions)  # type: ignore[arg-type]
