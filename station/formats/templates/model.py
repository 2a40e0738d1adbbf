"""Finger minutiae records (ISO/IEC 19794-2:2005, INCITS 378-2004) as data: a record of finger views.

A view carries `FingerFeatures` in the project's convention (500 ppi pixels, origin top-left, angle in radians
counter-clockwise from +x, quality 0-1): the codecs convert at the boundary, so records decode to the same features
the extractor produces.
"""

from __future__ import annotations

from dataclasses import dataclass

from station.biometrics.features import FingerFeatures
from station.errors import FormatError

PX_PER_CM_500PPI = 197  # 500 ppi as these formats write it (pixels per centimetre)


class TemplateError(FormatError):
    """A minutiae record that cannot be encoded or decoded; says what is wrong and where."""


@dataclass(frozen=True)
class FingerView:
    """One finger view of a record: its features and how it was captured."""

    features: FingerFeatures
    position: int = 0  # finger position 0-10 (0 unknown)
    view_number: int = 0  # 0-15
    impression: int = 0  # 0 plain, 1 rolled (livescan), 2/3 non-live, 8 swipe
    quality: int = 0  # finger quality 0-100


@dataclass(frozen=True)
class MinutiaeRecord:
    """A decoded record: the image size and resolution it describes and its views."""

    standard: str  # "ISO/IEC 19794-2:2005" or "INCITS 378-2004"
    width: int
    height: int
    x_resolution: int  # pixels per centimetre
    y_resolution: int
    views: tuple[FingerView, ...]
    equipment_compliance: int = 0  # 4 bits
    equipment_id: int = 0  # 12 bits
    product_owner: int = 0  # INCITS 378 CBEFF product identifier (owner, type)
    product_type: int = 0
