"""Cores and deltas: points where the smoothed orientation field turns by +180 or -180 degrees round a small loop.

The Poincare index (Kawagoe & Tojo 1984) sums the orientation changes, each folded into (-90, 90] degrees, round a
closed loop of 2 x 2 blocks: about +180 encloses a core, -180 a delta, 0 neither. The field is the doubled-angle
field averaged on blocks and smoothed widely, since singular points are features of the large-scale flow; indices
are only trusted inside the inner mask, and neighbouring detections are merged.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from station.biometrics.extraction import parameters as p
from station.biometrics.extraction.orientation_field import OrientationField
from station.biometrics.features import SingularKind, SingularPoint


def detect(field: OrientationField, inner: np.ndarray) -> tuple[SingularPoint, ...]:
    height, width = inner.shape
    block = p.SINGULAR_BLOCK_PX
    size = (max(2, width // block), max(2, height // block))
    sigma = p.SINGULAR_SMOOTH_SIGMA_PX / block
    cos2 = cv2.GaussianBlur(cv2.resize(field.cos2, size, interpolation=cv2.INTER_AREA), (0, 0), sigma)
    sin2 = cv2.GaussianBlur(cv2.resize(field.sin2, size, interpolation=cv2.INTER_AREA), (0, 0), sigma)
    doubled = np.arctan2(sin2, cos2)  # twice the ridge-normal angle, image axes
    # Loop round each 2x2 cell: (0,0) -> (0,1) -> (1,1) -> (1,0) -> (0,0), summing wrapped differences.
    corners = [doubled[:-1, :-1], doubled[:-1, 1:], doubled[1:, 1:], doubled[1:, :-1]]
    total = np.zeros_like(corners[0])
    for a, b in zip(corners, corners[1:] + corners[:1], strict=True):
        total += np.mod(b - a + np.pi, 2 * np.pi) - np.pi
    # The loop runs positively in image axes (x right, y down) and the angles are measured in the same axes, so the
    # sign is that of the y-up convention: +1 (a half turn of the ridges) encloses a core, -1 a delta.
    index = total / (2 * np.pi)
    cells_inside = cv2.resize(inner.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
    inside = cells_inside[:-1, :-1] & cells_inside[1:, 1:] & cells_inside[:-1, 1:] & cells_inside[1:, :-1]
    found: list[SingularPoint] = []
    for kind, sign in ((SingularKind.CORE, 1.0), (SingularKind.DELTA, -1.0)):
        rows, cols = np.nonzero((np.abs(index - sign) < 0.25) & inside.astype(bool))
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            x, y = (c + 1) * block * width / (size[0] * block), (r + 1) * block * height / (size[1] * block)
            if all(math.hypot(x - s.x, y - s.y) > p.SINGULAR_MERGE_DISTANCE_PX for s in found if s.kind == kind):
                found.append(SingularPoint(x=float(x), y=float(y), kind=kind))
    return tuple(found)
