"""The print's ridge period, from the average power spectrum of windows inside the mask.

One period per image steers the Gabor bank: at 500 ppi periods vary little within a finger (7-13 px between people),
the filters' bandwidth covers the variation within one print, and a single value measured over many windows is far
more stable than per-block estimates on dry or wet prints.
"""

from __future__ import annotations

import numpy as np

from station.biometrics.extraction import parameters as p


def compute(ridges: np.ndarray, mask: np.ndarray) -> float:
    """The dominant ridge period in pixels, clipped to the plausible range."""
    size = p.FREQ_BLOCK_PX
    rows, cols = ridges.shape[0] // size, ridges.shape[1] // size
    if rows == 0 or cols == 0:
        return p.FREQ_DEFAULT_PERIOD_PX
    tiles = ridges[: rows * size, : cols * size].reshape(rows, size, cols, size).swapaxes(1, 2)
    inside = mask[: rows * size, : cols * size].reshape(rows, size, cols, size).swapaxes(1, 2).all(axis=(2, 3))
    if inside.sum() < 2:
        return p.FREQ_DEFAULT_PERIOD_PX
    window = np.outer(np.hanning(size), np.hanning(size)).astype(np.float32)
    chosen = tiles[inside] * window
    power = (np.abs(np.fft.rfft2(chosen)) ** 2).mean(axis=0)
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    radius = np.sqrt(fx * fx + fy * fy)
    band = (radius >= 1.0 / p.FREQ_MAX_PERIOD_PX) & (radius <= 1.0 / p.FREQ_MIN_PERIOD_PX)
    # Weighted mean frequency of the strongest part of the band (robust to the spectrum's discreteness).
    weights = np.where(band, power, 0.0)
    strong = weights >= 0.5 * weights.max()
    frequency = float((radius * weights * strong).sum() / max((weights * strong).sum(), 1e-12))
    if frequency <= 0:
        return p.FREQ_DEFAULT_PERIOD_PX
    return float(np.clip(1.0 / frequency, p.FREQ_MIN_PERIOD_PX, p.FREQ_MAX_PERIOD_PX))
