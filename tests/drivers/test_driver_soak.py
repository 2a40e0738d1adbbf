"""Soak: many unplug/replug cycles and captures leave no file descriptors or threads behind (run by `make soak`)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from drivers.base import CaptureKind, capture_image
from drivers.emulators.uru4000 import EmulatedReader, EmulatedUsbBackend, load_frames
from drivers.emulators.zfm import ZfmEmulator, load_module_images
from drivers.errors import DriverFault
from drivers.registry import open_scanner

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
CYCLES = 200


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _own_threads() -> int:
    """Threads other than the event loop's worker pool (which keeps idle workers by design)."""
    return sum(1 for thread in threading.enumerate() if not thread.name.startswith("asyncio_"))


async def test_zfm_survives_many_replugs_without_leaking(tmp_path: Path, test_data: Path) -> None:
    images = load_module_images(test_data / "simulated_seed7", limit=3)
    with ZfmEmulator(images, link=tmp_path / "tty") as emulator:
        uri = f"zfm://{tmp_path / 'tty'}?timeout=0.3&poll=0.02"
        scanner = await open_scanner(uri)
        await capture_image(scanner, CaptureKind.FLAT, 1)
        fds, threads = _open_fds(), _own_threads()
        for cycle in range(CYCLES):
            emulator.unplug()
            with pytest.raises(DriverFault):
                await capture_image(scanner, CaptureKind.FLAT, 1)
            emulator.replug()
            await scanner.open()
            await capture_image(scanner, CaptureKind.FLAT, 1 + cycle % 10)
        assert _open_fds() <= fds and _own_threads() <= threads
        await scanner.close()


async def test_uru4000_survives_many_replugs(test_data: Path) -> None:
    reader = EmulatedReader(load_frames(test_data / "simulated_seed7", limit=3))
    backend = EmulatedUsbBackend(reader)
    scanner = await open_scanner("uru4000://", usb_backend=backend)
    for _cycle in range(CYCLES):
        reader.unplug()
        with pytest.raises(DriverFault):
            await capture_image(scanner, CaptureKind.FLAT, 1)
        reader.replug()
        await scanner.open()
        assert (await capture_image(scanner, CaptureKind.FLAT, 1)).image.shape == (290, 384)
    await scanner.close()
    assert backend.calls.count("open") == backend.calls.count("close") == CYCLES + 1
