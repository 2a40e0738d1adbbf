"""The simulated livescan scanner: rolls as frame sequences, slaps, faults on demand, LEDs and beeper.

Images come from synth's generator; these tests check what the scanner adds around it: staging, the fault plan and
the ground truth handed on in `extras`.
"""

from __future__ import annotations

import numpy as np
import pytest

from drivers.base import CaptureFailed, CaptureKind, CaptureResult, PreviewFrame, capture_image
from drivers.errors import FingerMoved, RolledTooFast, UnsupportedFeature
from drivers.registry import open_scanner
from drivers.simulated.driver import person_for_seed
from drivers.simulated.faults import parse_faults
from drivers.state import DeviceState

pytestmark = pytest.mark.timeout(60)
FAST = "sim://?seed=3&frame_interval=0.001&finger_delay=0.001"


async def test_a_roll_arrives_as_frames_and_ends_with_the_composed_print() -> None:
    scanner = await open_scanner(FAST)
    events = [event async for event in scanner.capture(CaptureKind.ROLLED, 2)]
    frames = [e for e in events if isinstance(e, PreviewFrame)]
    result = events[-1]
    assert isinstance(result, CaptureResult) and result.frames == len(frames) >= 5
    roll = person_for_seed(3).rolled_frames(2, 1)
    assert np.array_equal(result.image, roll.final)
    assert all(np.array_equal(f.image, g) for f, g in zip(frames, roll.frames, strict=True))
    assert result.extras["minutiae"] == tuple(roll.minutiae)


async def test_a_fast_roll_is_a_retry() -> None:
    scanner = await open_scanner(FAST + "&faults=fast_roll")
    events = [event async for event in scanner.capture(CaptureKind.ROLLED, 2)]
    assert isinstance(events[-1], CaptureFailed) and isinstance(events[-1].error, RolledTooFast)
    assert scanner.state is DeviceState.IDLE


async def test_a_thumb_slap_carries_a_box_per_thumb() -> None:
    scanner = await open_scanner(FAST)
    result = await capture_image(scanner, CaptureKind.SLAP, 15)
    boxes = result.extras["boxes"]
    assert set(boxes) == {1, 6}  # type: ignore[arg-type]
    h, w = result.image.shape
    assert all(0 <= b.x0 < b.x1 <= w and 0 <= b.y0 < b.y1 <= h for b in boxes.values())  # type: ignore[union-attr]


async def test_a_slap_is_previewed_as_the_generators_landing() -> None:
    scanner = await open_scanner(FAST)
    events = [event async for event in scanner.capture(CaptureKind.SLAP, 14)]
    previews, result = [e for e in events if isinstance(e, PreviewFrame)], events[-1]
    landing = person_for_seed(3).slap_frames("left", 1)
    assert isinstance(result, CaptureResult) and np.array_equal(result.image, landing.image)
    assert len(previews) == len(landing.frames) - 1 and result.frames == len(landing.frames)
    assert all(np.array_equal(p.image, f) for p, f in zip(previews, landing.frames, strict=False))
    assert result.extras["boxes"] == landing.boxes and result.extras["minutiae"] == landing.minutiae


async def test_flat_ground_truth_is_the_generators() -> None:
    scanner = await open_scanner(FAST)
    result = await capture_image(scanner, CaptureKind.FLAT, 2)
    impression = person_for_seed(3).flat_impression(2, 1)
    assert np.array_equal(result.image, impression.image)
    assert result.extras["minutiae"] == impression.minutiae and len(impression.minutiae) > 10


async def test_smudge_and_partial_spoil_the_image_but_still_deliver_it() -> None:
    clean = person_for_seed(3).flat_impression(2, 1).image.astype(np.float32)
    for fault in ("smudge", "partial"):
        scanner = await open_scanner(f"{FAST}&faults={fault}")
        spoilt = (await capture_image(scanner, CaptureKind.FLAT, 2)).image.astype(np.float32)
        assert not np.array_equal(spoilt, clean)
        if fault == "smudge":  # motion blur removes ridge detail
            assert np.abs(np.diff(spoilt, axis=1)).mean() < 0.8 * np.abs(np.diff(clean, axis=1)).mean()
        else:  # less finger on the platen: more bright background
            assert (spoilt < 128).sum() < 0.8 * (clean < 128).sum()


async def test_faults_can_be_limited_to_one_capture() -> None:
    scanner = await open_scanner(FAST + "&faults=moved:2")
    assert (await capture_image(scanner, CaptureKind.FLAT, 2)).image.size
    events = [event async for event in scanner.capture(CaptureKind.FLAT, 2)]
    assert isinstance(events[-1].error, FingerMoved)  # type: ignore[union-attr]
    assert (await capture_image(scanner, CaptureKind.FLAT, 2)).image.size
    plan = parse_faults("unplug:2,dust")
    assert plan.active(1) == {"dust"} and plan.active(2) == {"dust", "unplug"}


async def test_leds_and_beeper() -> None:
    scanner = await open_scanner(FAST)
    assert scanner.info.leds == ("green", "amber", "red") and scanner.info.beeper
    await scanner.set_led("green", True)
    await scanner.beep(200)
    assert scanner.leds["green"] and scanner.beeps == [200]  # type: ignore[attr-defined]
    with pytest.raises(UnsupportedFeature):
        await scanner.set_led("blue", True)
    await scanner.close()
    assert not scanner.leds["green"]  # type: ignore[attr-defined]
