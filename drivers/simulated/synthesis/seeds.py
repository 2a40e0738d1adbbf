"""Deterministic random streams: every stage of every finger of every person draws from its own named stream.

A stream is keyed by integers (person seed, finger position, impression seed, ...) and a stage name, so adding a
random draw to one stage never changes the pixels another stage produces.
"""

from __future__ import annotations

import zlib

import cv2
import numpy as np


def stream(stage: str, *keys: int) -> np.random.Generator:
    """A generator for `stage` keyed by non-negative integers (negative keys are folded in, not rejected)."""
    low = [int(k) & 0xFFFFFFFF for k in keys]
    high = [(int(k) >> 32) & 0xFFFFFFFF for k in keys]
    words = [zlib.crc32(stage.encode()), *low, *high]
    return np.random.default_rng(np.random.SeedSequence(words))


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cell: float) -> np.ndarray:
    """Zero-mean, unit-variance random field varying over about `cell` pixels (bicubic-upsampled grid)."""
    h, w = shape
    gh, gw = max(2, int(np.ceil(h / cell)) + 2), max(2, int(np.ceil(w / cell)) + 2)
    grid = rng.standard_normal((gh, gw)).astype(np.float32)
    field = cv2.resize(grid, (int(gw * cell), int(gh * cell)), interpolation=cv2.INTER_CUBIC)
    oy, ox = int(cell), int(cell)
    field = field[oy : oy + h, ox : ox + w]
    std = float(field.std()) or 1.0
    return ((field - field.mean()) / std).astype(np.float32)
