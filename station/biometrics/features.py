"""The nouns of the biometric core: minutiae, singular points and the feature set of one finger image.

Conventions (one for the whole project; codecs convert at the boundary):
- Coordinates are pixels at the canonical 500 ppi, origin at the top-left corner, x to the right, y down.
- `angle` is in radians in [0, 2*pi), counter-clockwise from the +x axis as seen on the image (y up), so the
  direction vector in image coordinates is (cos a, -sin a). It points the way ISO/IEC 19794-2 and INCITS 378 do:
  up the ridge for an ending, into the valley between the two branches for a bifurcation.
- `quality` is a reliability in [0, 1].
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

CANONICAL_PPI = 500


class MinutiaKind(enum.IntEnum):
    OTHER = 0
    ENDING = 1
    BIFURCATION = 2


class SingularKind(enum.IntEnum):
    CORE = 1
    DELTA = 2


@dataclass(frozen=True, slots=True)
class Minutia:
    x: float
    y: float
    angle: float
    kind: MinutiaKind
    quality: float = 1.0


@dataclass(frozen=True, slots=True)
class SingularPoint:
    x: float
    y: float
    kind: SingularKind
    angle: float | None = None


@dataclass(frozen=True)
class FingerFeatures:
    """What the extractor found in one image, in canonical (500 ppi) pixel coordinates."""

    width: int
    height: int
    minutiae: tuple[Minutia, ...]
    singular_points: tuple[SingularPoint, ...] = ()
    ppi: int = CANONICAL_PPI
    extra: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def as_arrays(self) -> dict[str, np.ndarray]:
        """Column arrays (x, y, angle, kind, quality) for vectorised work."""
        m = self.minutiae
        return {
            "x": np.array([p.x for p in m], dtype=np.float32),
            "y": np.array([p.y for p in m], dtype=np.float32),
            "angle": np.array([p.angle for p in m], dtype=np.float32),
            "kind": np.array([int(p.kind) for p in m], dtype=np.uint8),
            "quality": np.array([p.quality for p in m], dtype=np.float32),
        }
