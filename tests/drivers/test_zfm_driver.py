"""The ZFM driver against the module emulator on a real pty: faults on the line are survived or reported as ours."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from drivers.base import CaptureFailed, CaptureKind, capture_image
from drivers.emulators.zfm import ZfmEmulator, load_module_images
from drivers.errors import DeviceTimeout, DriverFault, InvalidDeviceUri, ProtocolError, UnsupportedFeature
from drivers.registry import make_scanner, open_scanner
from drivers.state import DeviceState

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def emulator(test_data: Path):
    with ZfmEmulator(load_module_images(test_data / "simulated_seed7", limit=2)) as running:
        yield running


def _uri(emulator: ZfmEmulator, extra: str = "") -> str:
    return f"zfm://{emulator.port}?timeout=0.3&poll=0.02&finger_timeout=1{extra}"


@pytest.mark.parametrize(
    "faults",
    [["bad_checksum"], ["garbage"], ["drop_bytes"], ["silence"], ["receive_error"], ["bad_checksum", "drop_bytes"]],
)
async def test_spoilt_replies_are_asked_for_again_and_pixels_survive(emulator: ZfmEmulator, faults: list[str]) -> None:
    scanner = await open_scanner(_uri(emulator))
    for fault in faults:
        emulator.inject(fault)
    result = await capture_image(scanner, CaptureKind.FLAT, 1)
    assert np.array_equal(result.image, (emulator.images[emulator.served[-1]] >> 4) * 17)
    await scanner.close()


async def test_a_module_that_keeps_cutting_replies_short_is_a_protocol_fault_in_bounded_time(
    emulator: ZfmEmulator,
) -> None:
    scanner = await open_scanner(_uri(emulator))
    emulator.inject("truncate", times=50)
    started = time.monotonic()
    events = [event async for event in scanner.capture(CaptureKind.FLAT, 1)]
    assert isinstance(events[-1], CaptureFailed) and isinstance(events[-1].error, ProtocolError)
    assert scanner.state is DeviceState.CLOSED
    assert time.monotonic() - started < 3 * 0.3 + 1.0  # three attempts of one reply time-out, plus slack


async def test_slow_replies_within_the_timeout_work_and_beyond_it_are_a_timeout_fault(emulator: ZfmEmulator) -> None:
    emulator.reply_delay_s = 0.1
    scanner = await open_scanner(_uri(emulator))
    assert (await capture_image(scanner, CaptureKind.FLAT, 1)).image.shape == (288, 256)
    emulator.reply_delay_s = 0.5
    events = [event async for event in scanner.capture(CaptureKind.FLAT, 1)]
    assert isinstance(events[-1].error, DeviceTimeout)  # type: ignore[union-attr]
    assert scanner.state is DeviceState.CLOSED


async def test_wrong_password_is_a_fault_naming_the_option(test_data: Path) -> None:
    images = load_module_images(test_data / "simulated_seed7", limit=1)
    with ZfmEmulator(images, password=0x1234) as emulator:
        with pytest.raises(DriverFault, match="password") as caught:
            await open_scanner(_uri(emulator))
        assert "password=" in str(caught.value)
        scanner = await open_scanner(_uri(emulator, "&password=0x1234"))
        assert (await capture_image(scanner, CaptureKind.FLAT, 1)).image.size
        await scanner.close()


async def test_baud_auto_finds_the_module_and_bad_bauds_are_refused(emulator: ZfmEmulator) -> None:
    scanner = await open_scanner(_uri(emulator, "&baud=auto"))
    assert scanner.info.transport.endswith("57600")
    await scanner.close()
    with pytest.raises(InvalidDeviceUri):
        make_scanner(f"zfm://{emulator.port}?baud=50000")


async def test_system_parameters_reach_the_device_info(test_data: Path) -> None:
    images = load_module_images(test_data / "simulated_seed7", limit=1)
    with ZfmEmulator(images, packet_size_code=1, capacity=300, address=0x0A0B0C0D) as emulator:
        scanner = await open_scanner(_uri(emulator, "&address=0x0A0B0C0D"))
        assert scanner.info.serial == "0A0B0C0D" and "300 templates" in scanner.info.model
        assert "64-byte packets" in scanner.info.firmware
        result = await capture_image(scanner, CaptureKind.FLAT, 1)  # 576 packets of 64 bytes
        assert np.array_equal(result.image, (emulator.images[0] >> 4) * 17)
        await scanner.close()


async def test_only_flat_captures_are_offered(emulator: ZfmEmulator) -> None:
    scanner = await open_scanner(_uri(emulator))
    with pytest.raises(UnsupportedFeature):
        await anext(scanner.capture(CaptureKind.ROLLED, 1))
    assert scanner.state is DeviceState.IDLE
    await scanner.close()


async def test_a_missing_port_is_device_not_found(tmp_path: Path) -> None:
    with pytest.raises(DriverFault, match="does not exist"):
        await open_scanner(f"zfm://{tmp_path}/ttyNothing")


async def test_a_port_in_use_is_refused_not_shared(emulator: ZfmEmulator) -> None:
    first = await open_scanner(_uri(emulator))
    with pytest.raises(DriverFault, match="cannot open serial port"):
        await open_scanner(_uri(emulator))
    assert first.state is DeviceState.IDLE
    assert (await capture_image(first, CaptureKind.FLAT, 1)).image.size
    await first.close()


async def test_a_stream_broken_while_still_arriving_is_drained_before_the_retry(emulator: ZfmEmulator) -> None:
    emulator.pace_baud = 500_000  # the rest of the spoilt stream is still on the line when the error is seen
    scanner = await open_scanner(_uri(emulator))
    emulator.inject("drop_bytes")
    result = await capture_image(scanner, CaptureKind.FLAT, 1)
    assert np.array_equal(result.image, (emulator.images[emulator.served[-1]] >> 4) * 17)
    assert emulator.commands[0x0A] == 2  # UpImage asked twice, and the second stream read cleanly
    await scanner.close()
