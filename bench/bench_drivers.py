"""Capture latency of each driver, as ratios to what bounds it in the same run.

- zfm: a paced emulator (real line rate) bounds a capture by the wire time of the image upload; the ratio is the
  driver's overhead over the wire (1.0 would be a driver that costs nothing).
- uru4000: one capture through pyusb and the emulated backend against decoding the same frame alone.
- simulated: one flat capture against synth's generator rendering the same impression alone.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from drivers.base import CaptureKind, capture_image
from drivers.emulators.uru4000 import EmulatedReader, EmulatedUsbBackend, load_frames
from drivers.emulators.zfm import ZfmEmulator, load_module_images
from drivers.registry import open_scanner
from drivers.simulated.driver import person_for_seed
from drivers.uru4000.protocol import decode_frame
from drivers.zfm.constants import IMAGE_BYTES_4BPP, PACKET_OVERHEAD

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BAUD = 115200


def _timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


async def _zfm() -> tuple[float, float]:
    with ZfmEmulator(load_module_images(DATA / "fvc2002_db3_b", limit=1)) as emulator:
        emulator.pace_baud = BAUD
        scanner = await open_scanner(f"zfm://{emulator.port}?baud={BAUD}")
        started = time.perf_counter()
        await capture_image(scanner, CaptureKind.FLAT, 1)
        elapsed = time.perf_counter() - started
        await scanner.close()
    packets = IMAGE_BYTES_4BPP // 128
    wire = (IMAGE_BYTES_4BPP + packets * PACKET_OVERHEAD + 3 * 12) * 10 / BAUD
    return elapsed, wire


async def _uru4000(repeat: int) -> tuple[float, float]:
    reader = EmulatedReader(load_frames(DATA / "fvc2004_db2_b", limit=4))
    scanner = await open_scanner("uru4000://", usb_backend=EmulatedUsbBackend(reader))
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await capture_image(scanner, CaptureKind.FLAT, 1)
        samples.append(time.perf_counter() - started)
    await scanner.close()
    reader.finger_present = True
    frame = reader.frame_bytes()
    return statistics.median(samples), _timed(lambda: decode_frame(frame, rotated=True), repeat)


async def _simulated(repeat: int) -> tuple[float, float]:
    person = person_for_seed(11)
    person.master(2)  # build the master print outside the timing
    scanner = await open_scanner("sim://?seed=11&finger_delay=0&frame_interval=0")
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await capture_image(scanner, CaptureKind.FLAT, 2)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), _timed(lambda: person.flat_impression(2, 1), repeat)


def main() -> int:
    zfm, wire = asyncio.run(_zfm())
    print(f"zfm        flat capture at {BAUD} baud: {zfm:.2f} s, wire time {wire:.2f} s, ratio {zfm / wire:.2f}")
    uru, decode = asyncio.run(_uru4000(10))
    print(f"uru4000    flat capture: {uru * 1000:.1f} ms, frame decode alone {decode * 1000:.2f} ms, "
          f"ratio {uru / decode:.1f}")  # fmt: skip
    sim, render = asyncio.run(_simulated(5))
    print(f"simulated  flat capture: {sim * 1000:.0f} ms, generator alone {render * 1000:.0f} ms, "
          f"ratio {sim / render:.2f}")  # fmt: skip
    return 0
