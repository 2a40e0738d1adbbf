"""Ridges enhanced by a bank of oriented Gabor filters, each pixel taking the response tuned to its orientation.

Filters are built directly as transfer functions (two Gaussians at plus and minus the ridge frequency along the
ridge normal) and applied by one forward FFT and one inverse FFT per orientation, which on 500 ppi images is faster
than spatial convolution. Each pixel blends the responses of the two orientations nearest to its own (linear
interpolation), so there is no staircase where the orientation crosses a bank boundary. The envelope is longer along
the ridges than across them: breaks and pores are bridged, neighbouring ridges are not merged.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.fft

from station.biometrics.extraction import parameters as p
from station.biometrics.extraction.orientation_field import OrientationField

_PAD_PX = 16  # keeps the circular convolution from wrapping one border's ridges onto the other
_NEGLIGIBLE = 9.0  # a filter's gain below exp(-9) (about 1e-4 of its peak) is taken as zero: see _band


def apply(ridges: np.ndarray, field: OrientationField, period: float) -> np.ndarray:
    """The enhanced image (float32, ridges > 0), same shape as `ridges`."""
    height, width = ridges.shape
    shape = (scipy.fft.next_fast_len(height + 2 * _PAD_PX), scipy.fft.next_fast_len(width + 2 * _PAD_PX, real=True))
    padded = np.zeros(shape, np.float32)
    padded[_PAD_PX : _PAD_PX + height, _PAD_PX : _PAD_PX + width] = ridges
    spectrum = scipy.fft.rfft2(padded)
    period = round(period * 4) / 4
    rows, cols = _band(shape, period)
    bank = _bank(shape, period)
    count = len(bank)
    # Ridge-normal angle in image axes, in [0, pi), as a fractional index into the bank.
    normal = np.mod(0.5 * np.arctan2(field.sin2, field.cos2) if field.normal is None else field.normal, np.pi)
    position = normal * (count / np.pi)
    lower = np.floor(position).astype(np.intp)
    weight = (position - lower).astype(np.float32)
    lower %= count
    upper = (lower + 1) % count
    responses = np.empty((count, height, width), np.float32)
    # Each filter passes only a square of low frequencies (`_band`): the products are formed there, the inverse
    # transform down the columns runs on the band's columns only (the others are zero), and across the rows only
    # for the rows kept. The same sums as a whole irfft2, without the work on zeros.
    top, bottom = rows
    filtered = np.zeros((shape[0], cols), spectrum.dtype)
    band_top, band_bottom = spectrum[top, :cols], spectrum[bottom, :cols]
    half_spectrum = np.zeros((height, spectrum.shape[1]), spectrum.dtype)
    for index, (transfer_top, transfer_bottom) in enumerate(bank):
        filtered[top] = band_top * transfer_top
        filtered[bottom] = band_bottom * transfer_bottom
        half_spectrum[:, :cols] = scipy.fft.ifft(filtered, axis=0)[_PAD_PX : _PAD_PX + height]
        responses[index] = scipy.fft.irfft(half_spectrum, n=shape[1], axis=1)[:, _PAD_PX : _PAD_PX + width]
    # Gather each pixel's two responses by flat index (one `take` each: much cheaper than 3-axis fancy indexing).
    pixel = np.arange(height * width, dtype=np.intp).reshape(height, width)
    flat = responses.ravel()
    plane = height * width
    return (1.0 - weight) * flat.take(lower * plane + pixel) + weight * flat.take(upper * plane + pixel)


def _band(shape: tuple[int, int], period: float) -> tuple[tuple[slice, slice], int]:
    """The rows (two slices of fftfreq order: positive, then negative frequencies) and the number of leading
    columns (rfft) where some filter of the bank passes more than exp(-_NEGLIGIBLE) of its peak.

    Across the ridges a lobe is that small beyond sqrt(_NEGLIGIBLE / 2) / (pi * sigma_across) from the ridge
    frequency, along them beyond sqrt(_NEGLIGIBLE / 2) / (pi * sigma_along) from zero; every orientation's support
    lies within the radius that combines the two, so the bank is computed and applied inside that square only.
    """
    f0 = 1.0 / period
    reach = np.sqrt(_NEGLIGIBLE / 2) / np.pi
    across = f0 + reach / (p.ENHANCE_SIGMA_ACROSS_RATIO * period)
    along = reach / (p.ENHANCE_SIGMA_ALONG_RATIO * period)
    radius = float(np.hypot(across, along))
    height = shape[0]
    positive = min(height // 2 + 1, int(np.floor(radius * height)) + 1)  # fftfreq k / height for k < positive
    negative = min(height - positive, int(np.floor(radius * height)))  # and -k / height for k <= negative
    cols = min(shape[1] // 2 + 1, int(np.floor(radius * shape[1])) + 1)
    return (slice(0, positive), slice(height - negative, height)), cols


@functools.lru_cache(maxsize=16)
def _bank(shape: tuple[int, int], period: float) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Transfer functions of the Gabor filters for normals at k * pi / count, peak gain 1, on the `_band` of the
    rfft layout of `shape` (its positive-frequency rows, then its negative ones; elsewhere they are below
    exp(-_NEGLIGIBLE) and taken as zero)."""
    (top, bottom), cols = _band(shape, period)
    all_rows = np.fft.fftfreq(shape[0]).astype(np.float32)
    fy = np.concatenate((all_rows[top], all_rows[bottom]))[:, None]
    fx = np.fft.rfftfreq(shape[1]).astype(np.float32)[None, :cols]
    split = top.stop - top.start
    f0 = 1.0 / period
    su = p.ENHANCE_SIGMA_ACROSS_RATIO * period
    sv = p.ENHANCE_SIGMA_ALONG_RATIO * period
    bank = []
    for k in range(p.ENHANCE_ORIENTATIONS):
        phi = k * np.pi / p.ENHANCE_ORIENTATIONS
        across = fx * np.cos(phi) + fy * np.sin(phi)
        along = -fx * np.sin(phi) + fy * np.cos(phi)
        envelope = np.exp(-2 * np.pi**2 * (sv * along) ** 2)
        lobes = np.exp(-2 * np.pi**2 * (su * (across - f0)) ** 2) + np.exp(-2 * np.pi**2 * (su * (across + f0)) ** 2)
        transfer = (envelope * lobes).astype(np.float32)
        bank.append((transfer[:split], transfer[split:]))
    return tuple(bank)
