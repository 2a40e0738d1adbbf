"""One conformance suite, run against every driver: simulated, replay, serial (ZFM over a real pty with pyserial)
and USB (U.are.U through pyusb on the emulated backend).

Each test states a rule of the scanner interface (`drivers/base.py`) and checks it on the outcome: events, states,
pixels. Where a rule cannot apply to a driver (a recording has no cable), the test says so in its skip reason.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from conformance_harnesses import HARNESSES, Harness

from drivers.base import (
    CaptureFailed,
    CaptureKind,
    CaptureResult,
    PreviewFrame,
    Scanner,
    StatusChanged,
    capture_image,
)
from drivers.errors import DeviceRemoved, DriverFault, NoFinger, ScannerBusy, ScannerNotOpen
from drivers.state import DeviceState

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=sorted(HARNESSES))
def harness(request: pytest.FixtureRequest, tmp_path: Path, test_data: Path) -> Harness:
    made = HARNESSES[request.param](tmp_path, test_data)
    yield made
    for step in made.cleanup:
        step()


@pytest.fixture
async def scanner(harness: Harness) -> AsyncIterator[Scanner]:
    opened = harness.make()
    await opened.open()
    yield opened
    await opened.close()


async def _events(scanner: Scanner, kind: CaptureKind = CaptureKind.FLAT, position: int = 2) -> list[object]:
    return [event async for event in scanner.capture(kind, position)]


async def test_open_reports_the_device_and_close_is_idempotent(harness: Harness) -> None:
    scanner = harness.make()
    assert scanner.state is DeviceState.CLOSED
    with pytest.raises(ScannerNotOpen):
        _ = scanner.info
    await scanner.open()
    info = scanner.info
    assert scanner.state is DeviceState.IDLE
    assert info.vendor and info.model and info.driver == harness.name
    assert info.resolution_ppi >= 500
    assert info.supports(CaptureKind.FLAT)
    assert min(info.image_size) > 0 or harness.name == "replay"
    await scanner.close()
    await scanner.close()
    assert scanner.state is DeviceState.CLOSED


async def test_a_flat_capture_ends_with_exactly_one_image(harness: Harness, scanner: Scanner) -> None:
    events = await _events(scanner)
    assert events[0] == StatusChanged(DeviceState.AWAITING_FINGER)
    assert StatusChanged(DeviceState.CAPTURING) in events
    finals = [e for e in events if isinstance(e, CaptureResult | CaptureFailed)]
    assert finals == [events[-1]]
    result = events[-1]
    assert isinstance(result, CaptureResult), result
    assert result.image.dtype == np.uint8 and result.image.ndim == 2
    assert result.ppi == pytest.approx(scanner.info.resolution_ppi, rel=0.05)
    assert (result.kind, result.position, result.device_uri) == (CaptureKind.FLAT, 2, scanner.uri)
    assert all(isinstance(e, PreviewFrame) for e in events if not isinstance(e, StatusChanged | CaptureResult))
    assert 40 < result.image.mean() < 250 and result.image.std() > 10, "a fingerprint, not a flat field"
    assert scanner.state is DeviceState.IDLE


async def test_the_image_is_pixel_identical_after_the_documented_conversion(harness: Harness, scanner: Scanner) -> None:
    result = await capture_image(scanner, CaptureKind.FLAT, 2)
    expected = harness.expected(result)
    assert expected is not None
    assert result.image.shape == expected.shape
    assert np.array_equal(result.image, expected)


async def test_no_finger_is_a_retry_and_the_scanner_stays_usable(harness: Harness, scanner: Scanner) -> None:
    if harness.empty_platen is None:
        pytest.skip("a recording always holds a finger until exhausted (tests/drivers/test_replay.py covers that)")
    harness.empty_platen(scanner)
    events = await _events(scanner)
    assert isinstance(events[-1], CaptureFailed)
    assert isinstance(events[-1].error, NoFinger) and not events[-1].is_fault
    assert scanner.state is DeviceState.IDLE
    harness.finger_back(scanner)
    assert (await capture_image(scanner, CaptureKind.FLAT, 2)).image.size


async def test_unplug_mid_capture_is_a_fault_that_closes_and_replug_works(harness: Harness, scanner: Scanner) -> None:
    if harness.unplug is None or harness.replug is None:
        pytest.skip("a recording has no cable to pull")
    events: list[object] = []
    async for event in scanner.capture(CaptureKind.FLAT, 2):
        events.append(event)
        if event == StatusChanged(DeviceState.CAPTURING):
            harness.unplug(scanner)
    final = events[-1]
    assert isinstance(final, CaptureFailed) and final.is_fault, final
    assert isinstance(final.error, DeviceRemoved), repr(final.error)
    assert scanner.state is DeviceState.CLOSED
    with pytest.raises(DriverFault):
        await scanner.open()  # still unplugged
    assert scanner.state is DeviceState.CLOSED
    harness.replug(scanner)
    await scanner.open()
    assert scanner.state is DeviceState.IDLE
    assert (await capture_image(scanner, CaptureKind.FLAT, 2)).image.size


async def test_an_abandoned_capture_leaves_the_scanner_idle(harness: Harness, scanner: Scanner) -> None:
    events = scanner.capture(CaptureKind.FLAT, 2)
    async with contextlib.aclosing(events):
        async for _event in events:
            break
    assert scanner.state is DeviceState.IDLE
    assert (await capture_image(scanner, CaptureKind.FLAT, 2)).image.size


async def test_one_operation_at_a_time(harness: Harness, scanner: Scanner) -> None:
    first = scanner.capture(CaptureKind.FLAT, 2)
    async with contextlib.aclosing(first):
        await anext(first)
        with pytest.raises(ScannerBusy):
            await anext(scanner.capture(CaptureKind.FLAT, 3))
    await scanner.close()
    with pytest.raises(ScannerNotOpen):
        await anext(scanner.capture(CaptureKind.FLAT, 2))


async def test_self_test_reports_checks(harness: Harness, scanner: Scanner) -> None:
    if harness.empty_platen is not None:
        harness.empty_platen(scanner)
    report = await scanner.self_test()
    assert report.checks and report.uri == scanner.uri
    assert report.passed, [check for check in report.checks if not check.ok]
    assert scanner.state is DeviceState.IDLE


async def test_a_cancelled_capture_task_leaves_the_scanner_usable(harness: Harness, scanner: Scanner) -> None:
    if harness.empty_platen is None:
        pytest.skip("a recording answers at once: nothing to cancel")
    harness.empty_platen(scanner)
    task = asyncio.create_task(_events(scanner))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert scanner.state is DeviceState.IDLE
    harness.finger_back(scanner)
    assert (await capture_image(scanner, CaptureKind.FLAT, 2)).image.size


async def test_observers_see_every_state_change_of_a_capture(harness: Harness, scanner: Scanner) -> None:
    seen: list[DeviceState] = []
    unsubscribe = scanner.subscribe(lambda _old, new: seen.append(new))
    await capture_image(scanner, CaptureKind.FLAT, 2)
    unsubscribe()
    await scanner.close()
    assert seen == [DeviceState.AWAITING_FINGER, DeviceState.CAPTURING, DeviceState.DONE, DeviceState.IDLE]


async def test_closing_during_a_capture_ends_it_with_a_fault(harness: Harness, scanner: Scanner) -> None:
    if harness.empty_platen is None:
        pytest.skip("a recording answers at once: nothing to interrupt")
    harness.empty_platen(scanner)
    task = asyncio.create_task(_events(scanner))
    await asyncio.sleep(0.1)
    await scanner.close()
    events = await asyncio.wait_for(task, timeout=5)
    assert isinstance(events[-1], CaptureFailed) and events[-1].is_fault
    assert scanner.state is DeviceState.CLOSED
    harness.finger_back(scanner)
    await scanner.open()
    assert (await capture_image(scanner, CaptureKind.FLAT, 2)).image.size
