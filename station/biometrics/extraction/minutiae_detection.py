"""Candidate minutiae on the skeleton by crossing number: 1 is a ridge ending, 3 or more a bifurcation.

Neighbouring junction pixels (a bifurcation drawn two pixels thick, or two branches leaving one spot) are one
bifurcation: each 8-connected group of junction pixels yields a single candidate, the pixel with the highest
crossing number (first in raster order on ties).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from station.biometrics.extraction.skeleton import CROSSING_NUMBERS, neighbour_codes
from station.biometrics.features import MinutiaKind


@dataclass(frozen=True)
class Candidates:
    ys: np.ndarray  # int
    xs: np.ndarray  # int
    kinds: np.ndarray  # MinutiaKind values
    crossing: np.ndarray  # uint8 (H, W): crossing number on the skeleton, 0 elsewhere
    junction_groups: np.ndarray  # int32 (H, W): label of each junction pixel's group, 0 elsewhere
    group_of_candidate: np.ndarray  # int: junction group of each candidate, 0 for endings


def detect(skeleton: np.ndarray) -> Candidates:
    crossing = cv2.LUT(neighbour_codes(skeleton), CROSSING_NUMBERS) * skeleton
    end_y, end_x = np.nonzero(crossing == 1)
    junctions = (crossing >= 3).astype(np.uint8)
    count, labels = cv2.connectedComponents(junctions, connectivity=8)
    jy, jx = np.nonzero(junctions)
    bif_y: list[int] = []
    bif_x: list[int] = []
    groups: list[int] = []
    if count > 1:
        group = labels[jy, jx]
        strength = crossing[jy, jx].astype(np.int64)
        order = np.lexsort((np.arange(len(jy)), -strength, group))  # by group, strongest first, then raster
        firsts = order[np.r_[True, group[order][1:] != group[order][:-1]]]
        bif_y, bif_x, groups = jy[firsts].tolist(), jx[firsts].tolist(), group[firsts].tolist()
    ys = np.concatenate([end_y, np.asarray(bif_y, dtype=end_y.dtype)])
    xs = np.concatenate([end_x, np.asarray(bif_x, dtype=end_x.dtype)])
    kinds = np.array([MinutiaKind.ENDING] * len(end_y) + [MinutiaKind.BIFURCATION] * len(bif_y), dtype=np.uint8)
    group_of_candidate = np.array([0] * len(end_y) + groups, dtype=np.int64)
    return Candidates(ys, xs, kinds, crossing, labels.astype(np.int32), group_of_candidate)
