"""Ridge texture: a master print grown from sparse seeds by iterative space-variant oriented band-pass filtering.

Each iteration filters the current pattern with a bank of oriented band-pass filters (12 orientations x 2 ridge
periods, applied in the Fourier domain so one forward FFT serves the whole bank), picks for every pixel the
bilinear blend of the four filters nearest its own orientation and period, and squashes the result with a
saturating non-linearity. Started from a few random seeds, ridges grow outwards along the orientation field and
minutiae appear where growth fronts meet, as in SFinGe. The binary master is then cleaned (no ridge fragments or
valley lakes smaller than a sweat-pore-sized blob) so that its minutiae are exactly those of the ridges rendered.
"""

from __future__ import annotations

import cv2
import numpy as np
import scipy.fft as sfft

ORIENTATION_BINS = 12
PERIODS = (8.4, 11.0)
ITERATIONS = 10
GROWTH_SPACING = 1.45  # surface pixels between growth samples: still > 5 samples per ridge period
_MIN_BLOB = 60  # pixels; smaller ridge islands and valley lakes are removed from the master


def _filter_bank(shape: tuple[int, int], periods: tuple[float, ...]) -> np.ndarray:
    """Frequency responses (bins, periods, H, W//2+1) of the oriented band-pass filters."""
    h, w = shape
    fy = sfft.fftfreq(h).astype(np.float32)[:, None]
    fx = sfft.rfftfreq(w).astype(np.float32)[None, :]
    radius = np.hypot(fx, fy)
    phi = np.arctan2(fy, fx)
    bank = np.empty((ORIENTATION_BINS, len(periods), h, w // 2 + 1), dtype=np.float32)
    for k in range(ORIENTATION_BINS):
        normal = k * np.pi / ORIENTATION_BINS + np.pi / 2
        delta = (phi - normal + np.pi / 2) % np.pi - np.pi / 2
        angular = np.exp(-(delta**2) / (2 * 0.22**2))
        for j, period in enumerate(periods):
            f0 = 1.0 / period
            radial = np.exp(-((radius - f0) ** 2) / (2 * (0.016 * PERIODS[0] / periods[0]) ** 2))
            bank[k, j] = angular * radial
    return bank


def _blend_weights(
    doubled: np.ndarray, period: np.ndarray, periods: tuple[float, ...]
) -> list[tuple[int, int, np.ndarray]]:
    """Per-filter weight maps (only the filters some pixel uses) for bilinear orientation x period blending."""
    theta = (np.angle(doubled) / 2.0) % np.pi
    pos = theta / (np.pi / ORIENTATION_BINS)
    k0 = np.floor(pos).astype(np.int32) % ORIENTATION_BINS
    k1 = (k0 + 1) % ORIENTATION_BINS
    wk = (pos - np.floor(pos)).astype(np.float32)
    f = 1.0 / period
    f_lo, f_hi = 1.0 / periods[1], 1.0 / periods[0]
    wf = np.clip((f - f_lo) / (f_hi - f_lo), 0.0, 1.0).astype(np.float32)  # weight of periods[0]
    weights: list[tuple[int, int, np.ndarray]] = []
    for k in range(ORIENTATION_BINS):
        wo = np.where(k0 == k, 1.0 - wk, 0.0) + np.where(k1 == k, wk, 0.0)
        if not wo.any():
            continue
        weights.append((k, 0, (wo * wf).astype(np.float32)))
        weights.append((k, 1, (wo * (1.0 - wf)).astype(np.float32)))
    return weights


def grow_ridges(
    doubled: np.ndarray,
    period: np.ndarray,
    rng: np.random.Generator,
    size: tuple[int, int],
    spacing: float,
    seeds: int = 40,
) -> np.ndarray:
    """Continuous ridge pattern in [-1, 1] (ridges positive), `size` = (width, height) surface pixels.

    `doubled` (orientation) and `period` (surface pixels) are sampled every `spacing` surface pixels; ridges grow
    on that grid (FFT-friendly padded) and are upsampled to `size`.
    """
    full_w, full_h = size
    crop_h, crop_w = doubled.shape
    h, w = sfft.next_fast_len(crop_h, real=True), sfft.next_fast_len(crop_w, real=True)
    pad = ((0, h - crop_h), (0, w - crop_w))
    small = np.pad(doubled, pad, mode="edge")
    small_period = np.pad(period, pad, mode="edge") / spacing
    periods = tuple(p / spacing for p in PERIODS)
    bank = _filter_bank((h, w), periods)
    weights = _blend_weights(small, small_period, periods)
    pattern = np.zeros((h, w), dtype=np.float32)
    ys = rng.integers(0, h, seeds)
    xs = rng.integers(0, w, seeds)
    pattern[ys, xs] = rng.choice([-1.0, 1.0], seeds)
    pattern += 0.02 * rng.standard_normal((h, w)).astype(np.float32)
    for _ in range(ITERATIONS):
        spectrum = sfft.rfft2(pattern)
        out = np.zeros_like(pattern)
        for k, j, wmap in weights:
            out += wmap * sfft.irfft2(spectrum * bank[k, j], s=(h, w))
        rms = float(np.sqrt(np.mean(out**2))) or 1.0
        pattern = np.tanh(2.5 * out / rms).astype(np.float32)
    return cv2.resize(pattern[:crop_h, :crop_w], (full_w, full_h), interpolation=cv2.INTER_CUBIC)


def _remove_small(binary: np.ndarray, min_area: int) -> np.ndarray:
    _count, labels, stats, _ = cv2.connectedComponentsWithStats(binary.astype(np.uint8), connectivity=8)
    small = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] < min_area)
    small = small[small != 0]
    if small.size == 0:
        return binary
    return binary & ~np.isin(labels, small)


def clean_master(pattern: np.ndarray) -> np.ndarray:
    """Binary ridge map (True = ridge) without tiny ridge islands or valley lakes."""
    ridges = pattern > 0
    ridges = _remove_small(ridges, _MIN_BLOB)
    valleys = _remove_small(~ridges, _MIN_BLOB)
    return ~valleys


def soft_ridges(binary: np.ndarray) -> np.ndarray:
    """Ridge map with soft edges (float32 in [-1, 1]); thresholding it at t widens (t < 0) or thins ridges."""
    signed = np.where(binary, 1.0, -1.0).astype(np.float32)
    return cv2.GaussianBlur(signed, (0, 0), 1.3)
