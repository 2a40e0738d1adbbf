"""Synthetic fingerprint generator (SFinGe-style) behind the simulated scanner.

Stages, one module each: `pattern` (class and singular points), `orientation` (zero-pole model, ridge period map),
`ridges` (texture grown by iterative oriented filtering), `skeleton` + `minutiae` (ground truth on the master),
`master` (one finger), `distortion` (placement and elastic warp), `render` (skin, pressure, sensor), `flat`,
`slap`, `rolled` (capture kinds) and `person` (the public entry point).
"""

from drivers.simulated.synthesis.conditions import CONDITION_NAMES, Conditions
from drivers.simulated.synthesis.fingers import FINGER_NAMES, HAND_POSITIONS
from drivers.simulated.synthesis.pattern import PatternClass
from drivers.simulated.synthesis.person import SyntheticPerson, blank_platen
from drivers.simulated.synthesis.results import PPI, Box, Impression, RolledCapture, SlapImpression

__all__ = [
    "CONDITION_NAMES",
    "FINGER_NAMES",
    "HAND_POSITIONS",
    "PPI",
    "Box",
    "Conditions",
    "Impression",
    "PatternClass",
    "RolledCapture",
    "SlapImpression",
    "SyntheticPerson",
    "blank_platen",
]
