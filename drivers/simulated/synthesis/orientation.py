"""Ridge orientation map: the Sherlock-Monro zero-pole model around the singular points, plus smooth corrections.

Orientations are kept in the doubled-angle representation `exp(2i*theta)` (theta = direction of the ridge tangent
in image coordinates, x right, y down), which has no wrap-around problem. In the zero-pole model every core adds
half the argument of `z - core` and every delta subtracts half the argument of `z - delta`, so the field turns by
+pi around a core and -pi around a delta, as ridges do. Two corrections make it look like a finger: an arch term that
bends the ridges of the upper fingertip along its outline (and carries the whole pattern of a plain arch), and a
smooth random rotation field, faded near singular points so their topology is kept.
"""

from __future__ import annotations

import numpy as np

from drivers.simulated.synthesis.pattern import PatternClass, SingularLayout
from drivers.simulated.synthesis.seeds import smooth_noise


def zero_pole(layout: SingularLayout, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Doubled-angle field (complex, unit modulus) of the zero-pole model."""
    z = (xs + 1j * ys).astype(np.complex64)
    field = np.ones_like(z)
    for x, y in layout.cores:
        d = z - complex(x, y)
        field *= d / np.maximum(np.abs(d), 1e-6)
    for x, y in layout.deltas:
        d = z - complex(x, y)
        field *= np.conj(d) / np.maximum(np.abs(d), 1e-6)
    return field


def arch_angle(xs: np.ndarray, ys: np.ndarray, cx: float, top: float, amplitude: float, spread: float) -> np.ndarray:
    """Tangent angle of ridges shaped like bumps `y = c - h(y) * exp(-((x - cx) / spread)**2)`."""
    bump = np.exp(-(((xs - cx) / spread) ** 2))
    height = amplitude * np.exp(-(((ys - top) / (2.2 * spread)) ** 2))
    slope = height * 2.0 * (xs - cx) / spread**2 * bump
    return np.arctan(slope)


def _grid(width: int, height: int, spacing: float) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Sample coordinates (surface pixels) of a grid with `spacing` pixels between samples, and its shape."""
    rows, cols = round(height / spacing), round(width / spacing)
    ys, xs = np.mgrid[0:rows, 0:cols].astype(np.float32)
    return xs * np.float32(spacing), ys * np.float32(spacing), (rows, cols)


def orientation_field(
    layout: SingularLayout, width: int, height: int, rng: np.random.Generator, spacing: float = 1.0
) -> np.ndarray:
    """Doubled-angle orientation map (complex64) of one master print, sampled every `spacing` pixels."""
    xs, ys, shape = _grid(width, height, spacing)
    cx = width / 2 + rng.normal(0, 0.02 * width)
    if layout.pattern is PatternClass.ARCH:
        amp = rng.uniform(55, 95)
        theta = arch_angle(xs, ys, cx, height * rng.uniform(0.42, 0.55), amp, width * rng.uniform(0.20, 0.28))
    else:
        theta = arch_angle(xs, ys, cx, height * 0.12, rng.uniform(30, 55), width * 0.33)
    field = np.exp(2j * theta) * zero_pole(layout, xs, ys)
    # Smooth random rotation, weaker near singular points.
    wobble = 0.16 * smooth_noise(rng, shape, 170.0 / spacing) + 0.07 * smooth_noise(rng, shape, 70.0 / spacing)
    fade = np.ones(shape, np.float32)
    for x, y in layout.cores + layout.deltas:
        fade *= 1.0 - np.exp(-((xs - x) ** 2 + (ys - y) ** 2) / (2 * 35.0**2))
    field *= np.exp(2j * wobble * fade)
    return field.astype(np.complex64)


def ridge_period_map(
    width: int, height: int, base: float, rng: np.random.Generator, spacing: float = 1.0
) -> np.ndarray:
    """Ridge period (surface pixels) varying smoothly around `base`: finer at the tip, coarser low down."""
    _, ys, shape = _grid(width, height, spacing)
    period = base + 0.9 * (ys / height - 0.5) + 0.35 * smooth_noise(rng, shape, 180.0 / spacing)
    return np.clip(period, 7.8, 11.8).astype(np.float32)
