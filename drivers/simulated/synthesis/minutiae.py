"""Ground-truth minutiae of a binary master print: thinning, crossing number, spur clean-up and exact directions.

Directions follow `station.biometrics.features`: radians counter-clockwise from +x with y up, pointing along the
ridge body for an ending and into the fork (between the two branches) for a bifurcation. The axis comes from the
ridge orientation around the minutia; which way it points comes from the skeleton connected to the minutia (the
ridge body of an ending, the two branches of a fork outweigh the one stem).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from drivers.simulated.synthesis.skeleton import crossing_number, thin
from station.biometrics.features import Minutia, MinutiaKind

_WINDOW = 11  # half size of the local window used for directions
_SPUR = 9  # an ending this close to a bifurcation is a thinning spur, not a minutia
_MERGE = 4  # crossing-number hits closer than this are one minutia


def _orientation_tensor(binary: np.ndarray) -> np.ndarray:
    """Doubled-angle ridge orientation (complex) of the binary master, smoothed over about two ridges."""
    img = binary.astype(np.float32)
    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)
    gxx = cv2.GaussianBlur(gx * gx, (0, 0), 6)
    gyy = cv2.GaussianBlur(gy * gy, (0, 0), 6)
    gxy = cv2.GaussianBlur(gx * gy, (0, 0), 6)
    # Gradient doubled angle points across ridges; the ridge tangent is perpendicular (multiply by -1).
    return -((gxx - gyy) + 2j * gxy)


def _dedupe(points: np.ndarray) -> np.ndarray:
    keep: list[np.ndarray] = []
    for p in points:
        if all(np.hypot(*(p - q)) >= _MERGE for q in keep):
            keep.append(p)
    return np.array(keep, dtype=np.int64).reshape(-1, 2)


def _direction(skeleton: np.ndarray, x: int, y: int, tangent: float) -> float:
    """Project-convention angle of the minutia at (x, y) whose ridge axis has image angle `tangent`."""
    h, w = skeleton.shape
    x0, y0 = max(0, x - _WINDOW), max(0, y - _WINDOW)
    window = skeleton[y0 : min(h, y + _WINDOW + 1), x0 : min(w, x + _WINDOW + 1)].astype(np.uint8)
    _, labels = cv2.connectedComponents(window, connectivity=8)
    ys, xs = np.nonzero(labels == labels[y - y0, x - x0])
    dx, dy = xs + x0 - x, ys + y0 - y
    near = np.hypot(dx, dy) <= _WINDOW
    axis = np.array([math.cos(tangent), math.sin(tangent)])
    side = float(np.sum(dx[near] * axis[0] + dy[near] * axis[1]))
    vx, vy = (axis if side >= 0 else -axis).tolist()
    return (math.atan2(-vy, vx)) % (2 * math.pi)


def detect_minutiae(binary: np.ndarray, border: int = 12) -> tuple[Minutia, ...]:
    """Minutiae of a clean binary ridge map (True = ridge), excluding a `border` strip at the edges."""
    skeleton = thin(binary)
    cn = crossing_number(skeleton)
    h, w = binary.shape
    inside = np.zeros_like(skeleton)
    inside[border : h - border, border : w - border] = True
    endings = _dedupe(np.argwhere((cn == 1) & inside)[:, ::-1])
    forks = _dedupe(np.argwhere((cn >= 3) & inside)[:, ::-1])
    if len(endings) and len(forks):
        dist = np.hypot(endings[:, None, 0] - forks[None, :, 0], endings[:, None, 1] - forks[None, :, 1])
        spur_e = dist.min(axis=1) < _SPUR
        spur_f = dist.min(axis=0) < _SPUR
        endings, forks = endings[~spur_e], forks[~spur_f]
    if len(endings) > 1:  # two endings facing each other across a tiny gap: drop both
        dist = np.hypot(endings[:, None, 0] - endings[None, :, 0], endings[:, None, 1] - endings[None, :, 1])
        np.fill_diagonal(dist, np.inf)
        endings = endings[dist.min(axis=1) >= _MERGE + 2]
    tensor = _orientation_tensor(binary)
    found: list[Minutia] = []
    for kind, points in ((MinutiaKind.ENDING, endings), (MinutiaKind.BIFURCATION, forks)):
        for x, y in points.tolist():
            tangent = float(np.angle(tensor[y, x])) / 2.0
            angle = _direction(skeleton, x, y, tangent)
            found.append(Minutia(float(x), float(y), angle, kind))
    found.sort(key=lambda m: (m.y, m.x))
    return tuple(found)
