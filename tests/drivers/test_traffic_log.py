"""The technician's traffic log: serial and USB exchanges are recorded, image payloads only by their length."""

from __future__ import annotations

import numpy as np

from drivers.traffic import TrafficLog


def test_records_are_bounded_and_image_payloads_are_never_kept() -> None:
    log = TrafficLog(size=3)
    log.record("tx", "command 0x01", bytes.fromhex("ef01ffffffff010003010005"))
    log.record("rx", "bulk frame", length=111360, image=True)
    for index in range(3):
        log.record("rx", f"interrupt {index}", b"\x56\xaa")
    assert len(log) == 3
    lines = log.lines()
    assert lines[-1].endswith("rx interrupt 2 (2 B)  56 aa")
    log.record("rx", "bulk frame", np.arange(200, dtype=np.uint8).tobytes(), image=True)
    assert log.lines()[-1].endswith("rx bulk frame (200 B)")


async def test_a_serial_capture_shows_its_commands_and_replies_but_not_the_image(test_data) -> None:
    from drivers.base import CaptureKind, capture_image
    from drivers.emulators.zfm import ZfmEmulator, load_module_images
    from drivers.registry import open_scanner

    with ZfmEmulator(load_module_images(test_data / "simulated_seed7", limit=1)) as emulator:
        scanner = await open_scanner(f"zfm://{emulator.port}?timeout=0.3&poll=0.02&finger_timeout=1")
        result = await capture_image(scanner, CaptureKind.FLAT, 1)
        await scanner.close()
    lines = scanner.traffic.lines(1000)
    assert any(" tx command 0x01 " in line for line in lines)  # GenImg, the finger poll
    assert any(" rx packet PID 0x07 " in line for line in lines)  # acknowledgements
    data_lines = [line for line in lines if "PID 0x02" in line or "PID 0x08" in line]
    assert data_lines and all(line.endswith("B)") for line in data_lines)  # image packets: length only
    image_hex = result.image[0, :8].tobytes().hex(" ")
    assert not any(image_hex in line for line in lines)
