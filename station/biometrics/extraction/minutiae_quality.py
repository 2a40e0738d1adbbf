"""Each minutia's reliability in [0, 1]: how clearly the ridges around it flow and how strong their contrast is.

A minutia in a clean, parallel, well-contrasted area is likely real and well placed; one in a smudge or a crease is
not. Coherence of the structure tensor (orientation_field) and the local RMS contrast (normalized_image), the latter
saturating at `QUALITY_FULL_CONTRAST`, are multiplied, so either weakness lowers the value.
"""

from __future__ import annotations

import numpy as np

from station.biometrics.extraction import parameters as p


def compute(xs: np.ndarray, ys: np.ndarray, coherence: np.ndarray, contrast: np.ndarray) -> np.ndarray:
    """float32 reliabilities of the minutiae at integer pixel positions (xs, ys)."""
    if len(xs) == 0:
        return np.zeros(0, np.float32)
    clarity = np.clip(coherence[ys, xs], 0.0, 1.0)
    strength = np.clip(contrast[ys, xs] / p.QUALITY_FULL_CONTRAST, 0.0, 1.0)
    return (clarity * strength).astype(np.float32)
