"""The ridge map: enhanced ridges above zero inside the mask, with specks removed and pores filled.

After Gabor enhancement the sign of the response separates ridges from valleys without a threshold to tune.
Connected ridge fragments and valley holes smaller than a few ridge periods are artefacts (dust, pores, sweat
drops); removing them before thinning spares the minutiae filter most islands and lakes.
"""

from __future__ import annotations

import cv2
import numpy as np

from station.biometrics.extraction import parameters as p


def compute(enhanced: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """uint8 (H, W): 1 on ridges inside the mask, 0 elsewhere."""
    ridges = ((enhanced > 0) & mask).astype(np.uint8)
    ridges = _drop_small(ridges, p.BINARY_MIN_RIDGE_AREA_PX, connectivity=8)
    valleys = _drop_small((1 - ridges) & mask.astype(np.uint8), p.BINARY_MIN_VALLEY_AREA_PX, connectivity=4)
    return ((1 - valleys) & mask.astype(np.uint8)).astype(np.uint8)


def _drop_small(binary: np.ndarray, min_area: int, connectivity: int) -> np.ndarray:
    _count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=connectivity)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False
    return keep[labels].astype(np.uint8)
