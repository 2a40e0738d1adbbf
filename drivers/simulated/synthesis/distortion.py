"""Placement and elastic skin distortion of one impression, with the exact inverse used for ground truth.

The warp maps every output (platen) pixel o to the master (skin surface) point it shows:

    m = R(phi) (o - o_c) + m_c + D(o)

R(phi) and the translation place the finger; D is the non-linear part modelled after Cappelli, Maio and Maltoni
(2001): the skin under the middle of the contact does not move, the skin outside it is dragged by a small rigid
motion (the finger pushed or twisted on the glass), with a smooth transition between the two, plus a few broad
Gaussian bumps of extra stretch. D is analytic, so ground-truth minutiae are moved by solving m = warp(o) for o by
fixed-point iteration rather than by sampling an image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from station.biometrics.features import Minutia

_MAP_STEP = 8  # pixels between exact evaluations of the smooth displacement in `Warp.maps`


@dataclass(frozen=True)
class Warp:
    """Output-to-master mapping of one impression (pixel coordinates, x right, y down)."""

    rotation: float  # radians, image angle of the finger on the platen relative to the master
    out_center: tuple[float, float]
    master_center: tuple[float, float]
    inner_radius: float = 80.0  # no distortion inside (output pixels from out_center)
    outer_radius: float = 220.0  # full drag outside
    drag: tuple[float, float] = (0.0, 0.0)  # translation of the outer skin (pixels)
    twist: float = 0.0  # rotation of the outer skin (radians)
    bumps: tuple[tuple[float, float, float, float, float], ...] = field(default=())  # (x, y, sigma, dx, dy)
    scale: float = 1.0  # master pixels per output pixel (1 for 500 ppi impressions)

    def _displacement(self, ox: np.ndarray, oy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cx, cy = self.out_center
        rx, ry = ox - cx, oy - cy
        r = np.hypot(rx, ry)
        t = np.clip((r - self.inner_radius) / max(self.outer_radius - self.inner_radius, 1.0), 0.0, 1.0)
        weight = t * t * (3 - 2 * t)
        cos_t, sin_t = math.cos(self.twist), math.sin(self.twist)
        dx = weight * (self.drag[0] + (cos_t - 1) * rx - sin_t * ry)
        dy = weight * (self.drag[1] + sin_t * rx + (cos_t - 1) * ry)
        for bx, by, sigma, ax, ay in self.bumps:
            g = np.exp(-((ox - bx) ** 2 + (oy - by) ** 2) / (2 * sigma * sigma))
            dx = dx + ax * g
            dy = dy + ay * g
        return dx, dy

    def source_of(self, ox: np.ndarray, oy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Master coordinates shown at output coordinates (vectorised)."""
        cx, cy = self.out_center
        mx0, my0 = self.master_center
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        rx, ry = ox - cx, oy - cy
        dx, dy = self._displacement(ox, oy)
        mx = mx0 + self.scale * (c * rx + s * ry) + dx
        my = my0 + self.scale * (-s * rx + c * ry) + dy
        return mx, my

    def maps(self, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
        """cv2.remap maps (float32) for an output image of the given size.

        The rigid part is exact per pixel; the smooth displacement is evaluated every `_MAP_STEP` pixels and
        interpolated (error far below 0.1 px), which keeps a slap's warps cheap.
        """
        cx, cy = self.out_center
        mx0, my0 = self.master_center
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        rx = (np.arange(width, dtype=np.float32) - cx)[None, :]
        ry = (np.arange(height, dtype=np.float32) - cy)[:, None]
        gx = np.arange(0, width + _MAP_STEP, _MAP_STEP, dtype=np.float64)
        gy = np.arange(0, height + _MAP_STEP, _MAP_STEP, dtype=np.float64)
        dx, dy = self._displacement(gx[None, :], gy[:, None])
        size = (len(gx) * _MAP_STEP, len(gy) * _MAP_STEP)
        dx = cv2.resize(dx.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
        dy = cv2.resize(dy.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
        # cv2.resize samples pixel centres: grid node k sits at (k + 0.5) * step - 0.5 in the resized image.
        shift = np.float32([[1, 0, -(_MAP_STEP - 1) / 2], [0, 1, -(_MAP_STEP - 1) / 2]])
        dx = cv2.warpAffine(dx, shift, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        dy = cv2.warpAffine(dy, shift, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        mapx = mx0 + self.scale * (c * rx + s * ry) + dx
        mapy = my0 + self.scale * (-s * rx + c * ry) + dy
        return mapx.astype(np.float32), mapy.astype(np.float32)

    def project(self, mx: np.ndarray, my: np.ndarray, iterations: int = 12) -> tuple[np.ndarray, np.ndarray]:
        """Output coordinates where master points (mx, my) appear: the inverse of `source_of`."""
        cx, cy = self.out_center
        mx0, my0 = self.master_center
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        mx = np.asarray(mx, dtype=np.float64)
        my = np.asarray(my, dtype=np.float64)
        ox, oy = np.full_like(mx, cx), np.full_like(my, cy)
        for _ in range(iterations):
            dx, dy = self._displacement(ox, oy)
            ux, uy = (mx - mx0 - dx) / self.scale, (my - my0 - dy) / self.scale
            ox, oy = cx + c * ux - s * uy, cy + s * ux + c * uy
        return ox, oy

    def transform_minutiae(self, minutiae: tuple[Minutia, ...]) -> list[Minutia]:
        """Master minutiae moved to output coordinates; directions follow the local Jacobian of the warp."""
        if not minutiae:
            return []
        mx = np.array([m.x for m in minutiae])
        my = np.array([m.y for m in minutiae])
        ang = np.array([m.angle for m in minutiae])
        step = 4.0
        ox, oy = self.project(mx, my)
        tx, ty = self.project(mx + step * np.cos(ang), my - step * np.sin(ang))
        new_angles = np.arctan2(-(ty - oy), tx - ox) % (2 * math.pi)
        return [
            Minutia(float(x), float(y), float(a), m.kind, m.quality)
            for x, y, a, m in zip(ox, oy, new_angles, minutiae, strict=True)
        ]


def random_warp(
    rng: np.random.Generator,
    out_center: tuple[float, float],
    master_center: tuple[float, float],
    rotation: float,
    strength: float,
    contact_radius: float,
) -> Warp:
    """A plausible impression warp; `strength` 0 is rigid, 1 is a typical livescan, 2 is a finger pushed hard."""
    bumps = []
    for _ in range(4):
        bumps.append(
            (
                out_center[0] + rng.normal(0, contact_radius * 0.6),
                out_center[1] + rng.normal(0, contact_radius * 0.6),
                rng.uniform(50, 110),
                rng.normal(0, 3.5 * strength),
                rng.normal(0, 3.5 * strength),
            )
        )
    return Warp(
        rotation=rotation,
        out_center=out_center,
        master_center=master_center,
        inner_radius=contact_radius * rng.uniform(0.25, 0.45),
        outer_radius=contact_radius * rng.uniform(1.0, 1.3),
        drag=(rng.normal(0, 8.0 * strength), rng.normal(0, 8.0 * strength)),
        twist=rng.normal(0, math.radians(4.0) * strength),
        bumps=tuple(bumps),
    )
