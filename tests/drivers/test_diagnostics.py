"""Blank-platen analysis: a clean platen passes; a dim lamp, uneven light and dust each fail their own check."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.diagnostics import analyse_blank_frame, judge_blank_frame
from drivers.simulated.synthesis import blank_platen


def _failed(frame: np.ndarray) -> list[str]:
    return [check.name for check in judge_blank_frame(analyse_blank_frame(frame)) if not check.ok]


def test_a_clean_synthetic_platen_passes() -> None:
    assert _failed(blank_platen(3)) == []


def test_a_dim_lamp_fails_brightness() -> None:
    assert _failed((blank_platen(3) * 0.4).astype(np.uint8)) == ["platen brightness"]


def test_uneven_light_fails_uniformity() -> None:
    frame = blank_platen(3).astype(np.float32)
    frame *= np.linspace(0.55, 1.0, frame.shape[1])[None, :]
    assert "illumination uniformity" in _failed(frame.astype(np.uint8))


def test_dust_and_latents_fail_the_spot_check() -> None:
    frame = blank_platen(3).copy()
    rng = np.random.default_rng(0)
    for _ in range(60):
        y, x = rng.integers(10, 480), rng.integers(10, 380)
        frame[y : y + 6, x : x + 6] = 70
    stats = analyse_blank_frame(frame)
    assert stats.spots >= 50
    assert _failed(frame) == ["dust and latent prints"]


def test_a_frame_that_is_not_an_image_is_refused() -> None:
    with pytest.raises(ValueError):
        analyse_blank_frame(np.zeros((0, 5), np.uint8))
