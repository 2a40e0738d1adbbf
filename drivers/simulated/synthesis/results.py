"""What the generator hands out: impressions, slaps and rolled captures, each with its ground truth."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from station.biometrics.features import FingerFeatures, Minutia, SingularPoint

PPI = 500


@dataclass(frozen=True)
class Box:
    """Axis-aligned box in image pixels: [x0, x1) x [y0, y1)."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x < self.x1 and self.y0 <= y < self.y1


@dataclass(frozen=True)
class Impression:
    """One flat capture of one finger; `minutiae` are the ground truth visible in it (features.py convention)."""

    image: np.ndarray  # uint8 HxW, dark ridges on a light platen
    minutiae: tuple[Minutia, ...]
    position: int | None  # FBI finger position, None for a blank platen
    ppi: int = PPI
    foreground: np.ndarray | None = field(default=None, repr=False)  # bool HxW: where the finger touches
    singular_points: tuple[SingularPoint, ...] = ()  # cores and deltas under firm contact
    pattern: str | None = None  # "arch", "tented arch", "left loop", "right loop" or "whorl"

    def features(self) -> FingerFeatures:
        """The ground truth as the feature set an extractor should find."""
        h, w = self.image.shape
        return FingerFeatures(width=w, height=h, minutiae=self.minutiae, singular_points=self.singular_points)


@dataclass(frozen=True)
class SlapImpression:
    """A multi-finger flat capture with, for each finger position, its box and ground-truth minutiae."""

    image: np.ndarray
    hand: str  # "right", "left" or "thumbs"
    boxes: dict[int, Box]
    minutiae: dict[int, tuple[Minutia, ...]]  # image coordinates
    ppi: int = PPI
    phalanges: dict[int, Box] = field(default_factory=dict)  # middle-phalanx prints below the fingertips
    frames: tuple[np.ndarray, ...] = field(default=(), repr=False)  # from `slap_frames`: the landing, last = image


@dataclass(frozen=True)
class RolledCapture:
    """The frames of one roll (nail edge to nail edge), the composed print and its ground-truth minutiae."""

    frames: list[np.ndarray]
    final: np.ndarray  # composed by the scanner: darkest value per pixel over the frames
    minutiae: tuple[Minutia, ...]  # in `final` coordinates
    position: int
    ppi: int = PPI
    contact_columns: list[tuple[int, int]] = field(default_factory=list)  # per frame: x range of the contact band
    singular_points: tuple[SingularPoint, ...] = ()  # in `final` coordinates

    # A roll also reads as the plain sequence of its frames (what a scanner streams).
    def __len__(self) -> int:
        return len(self.frames)

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self.frames)

    def __getitem__(self, index: int) -> np.ndarray:
        return self.frames[index]
