"""Vectorised Zhang-Suen thinning of a binary ridge map to one-pixel-wide ridge lines (8-connected)."""

from __future__ import annotations

import numpy as np


def _neighbours(img: np.ndarray) -> list[np.ndarray]:
    """P2..P9 (clockwise from north) of every pixel, zero outside the image."""
    p = np.pad(img, 1)
    h, w = img.shape
    return [
        p[0:h, 1 : w + 1],  # P2 north
        p[0:h, 2 : w + 2],  # P3 north-east
        p[1 : h + 1, 2 : w + 2],  # P4 east
        p[2 : h + 2, 2 : w + 2],  # P5 south-east
        p[2 : h + 2, 1 : w + 1],  # P6 south
        p[2 : h + 2, 0:w],  # P7 south-west
        p[1 : h + 1, 0:w],  # P8 west
        p[0:h, 0:w],  # P9 north-west
    ]


def thin(binary: np.ndarray, max_iterations: int = 50) -> np.ndarray:
    """One-pixel-wide skeleton (bool) of `binary` (bool)."""
    img = binary.astype(np.uint8).copy()
    for _ in range(max_iterations):
        changed = False
        for step in (0, 1):
            n = _neighbours(img)
            count = sum(n)
            ring = [*n, n[0]]
            transitions = sum(((ring[i] == 0) & (ring[i + 1] == 1)).astype(np.uint8) for i in range(8))
            p2, _, p4, _, p6, _, p8, _ = n
            if step == 0:
                c1 = (p2 * p4 * p6) == 0
                c2 = (p4 * p6 * p8) == 0
            else:
                c1 = (p2 * p4 * p8) == 0
                c2 = (p2 * p6 * p8) == 0
            remove = (img == 1) & (count >= 2) & (count <= 6) & (transitions == 1) & c1 & c2
            if remove.any():
                img[remove] = 0
                changed = True
        if not changed:
            break
    return img.astype(bool)


def crossing_number(skeleton: np.ndarray) -> np.ndarray:
    """Rutovitz crossing number of every skeleton pixel (0 off the skeleton): 1 ending, 2 ridge, 3 bifurcation."""
    img = skeleton.astype(np.int16)
    n = _neighbours(img)
    ring = [*n, n[0]]
    cn = sum(np.abs(ring[i + 1] - ring[i]) for i in range(8)) // 2
    return np.where(skeleton, cn, 0).astype(np.int16)
