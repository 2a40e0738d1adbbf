"""Rolled composition from frame sequences: a real rolled print rolled across a simulated platen, and the synth roll."""

from __future__ import annotations

import numpy as np
import pytest

from station.booking.rolled import compose_rolled
from station.booking.segmentation import crop_to_print

PLATEN = 245


@pytest.fixture(scope="module")
def real_rolled(card_images) -> np.ndarray:
    """The card's right thumb (a real inked rolled print), without its caption, on a 750 x 800 platen."""
    print_ = crop_to_print(card_images[1]).pixels
    platen = np.full((750, 800), PLATEN, np.uint8)
    h, w = print_.shape
    y0, x0 = (750 - h) // 2, (800 - w) // 2
    platen[y0 : y0 + h, x0 : x0 + w] = np.minimum(print_, PLATEN)
    return platen


def roll(
    pixels: np.ndarray,
    step: int = 20,
    band: int = 160,
    slip_from: int | None = None,
    slip: tuple[int, int] = (0, 6),
    lift_at: int | None = None,
) -> list[np.ndarray]:
    """Frames of a roll: a contact band of `band` px sweeping across, `step` px per frame."""
    cols = np.flatnonzero((pixels < 200).any(axis=0))
    frames = []
    for k, cx in enumerate(range(int(cols[0]) + band // 2, int(cols[-1]) - band // 2 + 1, step)):
        source = np.roll(pixels, slip, axis=(0, 1)) if slip_from is not None and k >= slip_from else pixels
        frame = np.full_like(pixels, PLATEN)
        frame[:, cx - band // 2 : cx + band // 2] = source[:, cx - band // 2 : cx + band // 2]
        if k == lift_at:
            frame[:] = PLATEN
        frames.append(frame)
    return frames


def test_a_clean_roll_is_composed_into_the_print(real_rolled: np.ndarray) -> None:
    result = compose_rolled(roll(real_rolled))
    assert result.ok and result.retry_reason is None
    ridges = real_rolled < 200
    diff = np.abs(result.image.pixels.astype(int) - real_rolled.astype(int))[ridges]
    assert diff.mean() < 6  # the mosaic reproduces the print where it has ridges
    assert min(result.agreements) > 0.6 and result.width_mm > 18


@pytest.mark.parametrize("slip", [(0, 6), (5, 0), (4, -4)])
def test_a_slip_mid_roll_is_a_retry_with_the_reason(real_rolled: np.ndarray, slip) -> None:
    result = compose_rolled(roll(real_rolled, slip_from=6, slip=slip))
    assert not result.ok and result.image is None
    assert "slip or smear" in result.retry_reason and "frames 5 and 6" in result.retry_reason


def test_other_bad_rolls_are_retries(real_rolled: np.ndarray) -> None:
    assert "lifted" in compose_rolled(roll(real_rolled, lift_at=5)).retry_reason
    assert "too fast" in compose_rolled(roll(real_rolled, step=120)).retry_reason
    assert "too few frames" in compose_rolled(roll(real_rolled)[:2]).retry_reason
    back = roll(real_rolled)
    assert "back on itself" in compose_rolled(back[:8] + back[3:5]).retry_reason
    assert "no finger" in compose_rolled([np.full((750, 800), PLATEN, np.uint8)] * 5).retry_reason


def test_the_simulated_scanners_roll_composes(sim_person) -> None:
    capture = sim_person.rolled_frames(3, seed=1)
    result = compose_rolled(list(capture.frames), float(capture.ppi))
    assert result.ok, result.retry_reason
    ink = capture.final < 200
    ours = result.image.pixels < 200
    assert (ink & ours).sum() / ink.sum() > 0.8
