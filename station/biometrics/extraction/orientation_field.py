"""Ridge orientation and its coherence at every pixel, from the gradient structure tensor.

The tensor (Gxx, Gyy, Gxy) of Sobel gradients is averaged over a local window (Bazen & Gerez 2002): its dominant
eigenvector is the ridge normal and coherence (l1 - l2) / (l1 + l2) says how clearly the ridges flow one way (1 for
parallel ridges, ~0 for noise). For speed the averaging happens on a grid `ORIENT_GRID_STEP_PX` times coarser (area
average, then Gaussian), and the result is interpolated back as a doubled-angle vector field, which is continuous
where the angle itself wraps. Orientation is the ridge direction in radians in [0, pi), measured counter-clockwise
from +x with y up (the project's angle convention, features.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from station.biometrics.extraction import parameters as p


@dataclass(frozen=True)
class OrientationField:
    angle: np.ndarray  # float32 (H, W), ridge direction in [0, pi), from the widely smoothed field
    coherence: np.ndarray  # float32 (H, W) in [0, 1], at the local tensor scale
    cos2: np.ndarray  # float32 (H, W), cos of twice the smoothed ridge-normal angle (image axes)
    sin2: np.ndarray  # float32 (H, W)
    normal: np.ndarray | None = None  # float32 (H, W): 0.5 * atan2(sin2, cos2), kept for the enhancement


def compute(ridges: np.ndarray) -> OrientationField:
    height, width = ridges.shape
    step = p.ORIENT_GRID_STEP_PX
    smooth = cv2.GaussianBlur(ridges, (0, 0), p.ORIENT_GRADIENT_SIGMA_PX)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
    small = (max(1, width // step), max(1, height // step))
    # Doubled-angle tensor components: (Gxx - Gyy, 2 Gxy) and the energy Gxx + Gyy.
    c = cv2.resize(gx * gx - gy * gy, small, interpolation=cv2.INTER_AREA)
    s = cv2.resize(2.0 * gx * gy, small, interpolation=cv2.INTER_AREA)
    e = cv2.resize(gx * gx + gy * gy, small, interpolation=cv2.INTER_AREA)
    local = p.ORIENT_TENSOR_SIGMA_PX / step
    cl, sl, el = (cv2.GaussianBlur(a, (0, 0), local) for a in (c, s, e))
    coherence = np.sqrt(cl * cl + sl * sl) / np.maximum(el, 1e-6)
    wide = p.ORIENT_SMOOTH_SIGMA_PX / step
    cw, sw = cv2.GaussianBlur(cl, (0, 0), wide), cv2.GaussianBlur(sl, (0, 0), wide)
    size = (width, height)
    cos2 = cv2.resize(cw, size, interpolation=cv2.INTER_LINEAR)
    sin2 = cv2.resize(sw, size, interpolation=cv2.INTER_LINEAR)
    norm = np.sqrt(cos2 * cos2 + sin2 * sin2) + 1e-12
    cos2 /= norm
    sin2 /= norm
    # Gradient angle (normal) in image axes is atan2(sin2, cos2) / 2; the ridge runs at +90 degrees. Image y points
    # down, so the y-up angle of the ridge is minus that.
    normal = 0.5 * np.arctan2(sin2, cos2)
    angle = np.mod(-(normal + np.pi / 2), np.pi).astype(np.float32)
    full_coherence = cv2.resize(np.clip(coherence, 0, 1), size, interpolation=cv2.INTER_LINEAR)
    return OrientationField(angle=angle, coherence=full_coherence, cos2=cos2, sin2=sin2, normal=normal)
