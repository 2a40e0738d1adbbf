"""U.are.U 4000 frames and the USB driver: decoding from hand-built frames, malformed and scrambled frames, the
units the driver refuses, and USB discovery noticing an unplug and a replug at a new address."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from drivers.base import CaptureFailed, CaptureKind, capture_image
from drivers.emulators.uru4000 import EmulatedReader, EmulatedUsbBackend, load_frames
from drivers.errors import DeviceNotFound, FingerNotRemoved, ProtocolError, UnsupportedDevice
from drivers.registry import DeviceWatcher, discover, open_scanner
from drivers.state import DeviceState
from drivers.uru4000.protocol import decode_frame, parse_irq

pytestmark = pytest.mark.timeout(60)


def hand_built_frame(lines: np.ndarray, blocks: list[tuple[int, int]], num_lines: int | None = None) -> bytes:
    """A frame built from the reference's layout: uint16 LE line count at 4, block table at 16, pixels at 64."""
    header = bytearray(64)
    struct.pack_into("<H", header, 4, len(lines) if num_lines is None else num_lines)
    for index, (flags, count) in enumerate(blocks):
        header[16 + 2 * index : 18 + 2 * index] = bytes([flags, count])
    return bytes(header) + lines.astype(np.uint8).tobytes()


@pytest.fixture
def wire_lines() -> np.ndarray:
    rng = np.random.default_rng(5)
    lines = rng.integers(0, 256, (289, 384), dtype=np.uint8)
    lines[:2] = 40  # a smooth start: the frame is read as plain
    return lines


def test_present_blocks_are_inverted_and_uncovered_lines_are_white(wire_lines: np.ndarray) -> None:
    image = decode_frame(hand_built_frame(wire_lines, [(0, 200), (0, 89)]), rotated=False)
    assert image.shape == (290, 384)
    assert np.array_equal(image[:289], 255 - wire_lines)
    assert (image[289] == 255).all()


def test_a_not_present_block_repeats_the_next_wire_line_without_consuming_it(wire_lines: np.ndarray) -> None:
    image = decode_frame(hand_built_frame(wire_lines, [(0, 100), (0x01, 1), (0, 189)]), rotated=False)
    assert np.array_equal(image[:100], 255 - wire_lines[:100])
    assert np.array_equal(image[100], 255 - wire_lines[100])
    assert np.array_equal(image[101:290], 255 - wire_lines[100:289])


def test_the_4000b_frame_is_turned_upright(wire_lines: np.ndarray) -> None:
    plain = decode_frame(hand_built_frame(wire_lines, [(0, 200), (0, 89)]), rotated=False)
    turned = decode_frame(hand_built_frame(wire_lines, [(0, 200), (0, 89)]), rotated=True)
    assert np.array_equal(turned, plain[::-1, ::-1])


@pytest.mark.parametrize(
    ("blocks", "num_lines", "cut", "message"),
    [
        ([(0, 200), (0, 89)], 290, 0, "fewer than 290"),
        ([(0, 200), (0, 89)], None, 1000, "short"),
        ([(0, 200), (0, 100)], None, 0, "more than 290"),
        ([(0, 250)], 100, 0, "header announces"),
    ],
)
def test_malformed_frames_are_protocol_errors(
    wire_lines: np.ndarray, blocks: list[tuple[int, int]], num_lines: int | None, cut: int, message: str
) -> None:
    frame = hand_built_frame(wire_lines, blocks, num_lines)
    with pytest.raises(ProtocolError, match=message):
        decode_frame(frame[: len(frame) - cut] if cut else frame, rotated=False)


def test_scrambled_frames_are_refused_with_a_clear_error(wire_lines: np.ndarray) -> None:
    with pytest.raises(UnsupportedDevice, match="scrambles"):
        decode_frame(hand_built_frame(wire_lines, [(0x02, 200), (0x02, 89)]), rotated=False)
    noisy = wire_lines.copy()
    noisy[:2] = np.random.default_rng(2).integers(0, 256, (2, 384))
    with pytest.raises(UnsupportedDevice):
        decode_frame(hand_built_frame(noisy, [(0, 200), (0, 89)]), rotated=False)


def test_interrupt_types_are_big_endian() -> None:
    assert parse_irq(bytes([0x56, 0xAA]) + bytes(62)) == 0x56AA
    assert parse_irq(bytes([0x02, 0x00])) == 0x0200
    with pytest.raises(ProtocolError):
        parse_irq(b"\x01")


# ---------------------------------------------------------------------- the driver on the emulated bus


@pytest.fixture
def frames(test_data: Path) -> list[np.ndarray]:
    return load_frames(test_data / "simulated_seed7", limit=2)


async def test_the_power_up_handshake_follows_the_register_sequence(frames: list[np.ndarray]) -> None:
    reader = EmulatedReader(frames)
    scanner = await open_scanner("uru4000://", usb_backend=EmulatedUsbBackend(reader))
    hwstat_writes = [data[0] for register, data in reader.writes if register == 0x07]
    assert hwstat_writes[:3] == [0x05, 0x81, 0x01]  # reboot (0x84 was set), power down, power up
    assert scanner.info.firmware == "0430.0102" and scanner.info.serial == "EMU-4000B-0001"
    await capture_image(scanner, CaptureKind.FLAT, 1)
    modes = [data[0] for register, data in reader.writes if register == 0x4E]
    assert modes[-3:] == [0x10, 0x20, 0x12]
    await scanner.close()
    assert [data[0] for register, data in reader.writes if register == 0x4E][-1] == 0x70
    assert reader.hwstat & 0x80  # left in low power


@pytest.mark.parametrize("fault", ["short", "bad_lines", "garbage"])
async def test_spoilt_frames_end_the_capture_with_our_error(frames: list[np.ndarray], fault: str) -> None:
    reader = EmulatedReader(frames)
    scanner = await open_scanner("uru4000://", usb_backend=EmulatedUsbBackend(reader))
    reader.frame_faults.append(fault)
    events = [event async for event in scanner.capture(CaptureKind.FLAT, 1)]
    assert isinstance(events[-1], CaptureFailed)
    assert isinstance(events[-1].error, ProtocolError | UnsupportedDevice)
    assert scanner.state is DeviceState.CLOSED


async def test_an_encrypting_unit_gets_a_clear_unsupported_error(frames: list[np.ndarray]) -> None:
    reader = EmulatedReader(frames, scrambled=True)
    scanner = await open_scanner("uru4000://", usb_backend=EmulatedUsbBackend(reader))
    events = [event async for event in scanner.capture(CaptureKind.FLAT, 1)]
    assert isinstance(events[-1].error, UnsupportedDevice)  # type: ignore[union-attr]
    assert "decryption is not supported" in str(events[-1].error)  # type: ignore[union-attr]


async def test_the_microsoft_v2_reader_is_refused_at_open(frames: list[np.ndarray]) -> None:
    reader = EmulatedReader(frames, vendor_id=0x045E, product_id=0x00CA)
    with pytest.raises(UnsupportedDevice, match="challenge"):
        await open_scanner("uru4000://", usb_backend=EmulatedUsbBackend(reader))


async def test_a_finger_left_on_the_platen_is_a_retry(frames: list[np.ndarray]) -> None:
    reader = EmulatedReader(frames, auto_finger=False)
    scanner = await open_scanner("uru4000://?finger_timeout=0.3", usb_backend=EmulatedUsbBackend(reader))
    reader.place_finger()
    await capture_image(scanner, CaptureKind.FLAT, 1)
    events = [event async for event in scanner.capture(CaptureKind.FLAT, 1)]  # the finger was never lifted
    assert isinstance(events[-1].error, FingerNotRemoved)  # type: ignore[union-attr]
    assert scanner.state is DeviceState.IDLE
    reader.lift_finger()
    reader.auto_finger = True  # the next finger lands as soon as the reader is armed
    assert (await capture_image(scanner, CaptureKind.FLAT, 1)).image.shape == (290, 384)


async def test_bus_address_uris_and_discovery_follow_a_replug(frames: list[np.ndarray]) -> None:
    reader = EmulatedReader(frames, address=7)
    backend = EmulatedUsbBackend(reader)
    watcher = DeviceWatcher(lambda: discover(usb_backend=backend, list_serial_bridges=False))
    assert [d.uri for d in watcher.poll().added] == ["uru4000://1:7"]
    scanner = await open_scanner("uru4000://1:7", usb_backend=backend)
    reader.unplug()
    changes = watcher.poll()
    assert [d.uri for d in changes.removed] == ["uru4000://1:7"] and not changes.added
    events = [event async for event in scanner.capture(CaptureKind.FLAT, 1)]
    assert events[-1].is_fault and scanner.state is DeviceState.CLOSED  # type: ignore[union-attr]
    reader.replug()
    changes = watcher.poll()
    assert [d.uri for d in changes.added] == ["uru4000://1:8"]
    with pytest.raises(DeviceNotFound):
        await open_scanner("uru4000://1:7", usb_backend=backend)  # the old address is gone
    again = await open_scanner(changes.added[0].uri, usb_backend=backend)
    assert (await capture_image(again, CaptureKind.FLAT, 1)).image.shape == (290, 384)
    await again.close()


async def test_a_unit_without_blank_frames_still_passes_its_self_test(frames: list[np.ndarray]) -> None:
    reader = EmulatedReader(frames)
    reader.serves_blank_frames = False
    scanner = await open_scanner("uru4000://", usb_backend=EmulatedUsbBackend(reader))
    report = await scanner.self_test()
    assert report.passed and report.blank is None
    assert scanner.state is DeviceState.IDLE
    assert (await capture_image(scanner, CaptureKind.FLAT, 1)).image.shape == (290, 384)
