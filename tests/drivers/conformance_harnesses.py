"""One harness per driver for the conformance suite: how to build the scanner, pull its cable, empty its platen, and
which image a capture must return.

The serial harness runs the real ZFM driver through real pyserial on a real pty served by the module emulator; the
USB harness runs the real U.are.U driver through pyusb on the emulated backend; the replay harness reads real FVC
files; the simulated harness uses synth's generator.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from drivers.base import CaptureResult, Scanner
from drivers.emulators.uru4000 import EmulatedReader, EmulatedUsbBackend, load_frames
from drivers.emulators.zfm import ZfmEmulator, load_module_images
from drivers.registry import make_scanner
from drivers.simulated.driver import SimulatedScanner, person_for_seed


@dataclass
class Harness:
    name: str
    make: Callable[[], Scanner]
    expected: Callable[[CaptureResult], np.ndarray | None]
    unplug: Callable[[Scanner], None] | None = None
    replug: Callable[[Scanner], None] | None = None
    empty_platen: Callable[[Scanner], None] | None = None
    finger_back: Callable[[Scanner], None] = lambda _s: None
    cleanup: list[Callable[[], None]] = field(default_factory=list)


def simulated_harness(tmp_path: Path, test_data: Path) -> Harness:
    def make() -> Scanner:
        return make_scanner("sim://?seed=3&replug=-1&finger_timeout=0.5&frame_interval=0.005&finger_delay=0.01")

    def expected(result: CaptureResult) -> np.ndarray:
        # The first capture of a scanner is impression 1 of the person's finger, straight from the generator.
        return person_for_seed(3).flat_impression(result.position, 1).image

    def empty(scanner: Scanner) -> None:
        assert isinstance(scanner, SimulatedScanner)
        scanner.faults = type(scanner.faults)(always=frozenset({"no_finger"}))

    def back(scanner: Scanner) -> None:
        assert isinstance(scanner, SimulatedScanner)
        scanner.faults = type(scanner.faults)()

    return Harness(
        "simulated",
        make,
        expected,
        unplug=lambda s: s.unplug(),  # type: ignore[attr-defined]
        replug=lambda s: s.replug(),  # type: ignore[attr-defined]
        empty_platen=empty,
        finger_back=back,
    )


def replay_harness(tmp_path: Path, test_data: Path) -> Harness:
    folder = tmp_path / "replay"
    folder.mkdir()
    sources = sorted((test_data / "simulated_seed7").glob("[23]_1.png"))
    for index, source in enumerate(sources):
        shutil.copy(source, folder / f"{index:02d}_{source.name}")

    def expected(result: CaptureResult) -> np.ndarray:
        return np.asarray(Image.open(folder / str(result.extras["source"])).convert("L"))

    return Harness("replay", lambda: make_scanner(f"replay://{folder}"), expected)


def zfm_harness(tmp_path: Path, test_data: Path) -> Harness:
    images = load_module_images(test_data / "simulated_seed7", limit=3)
    emulator = ZfmEmulator(images, link=tmp_path / "ttyZFM0").start()

    def expected(result: CaptureResult) -> np.ndarray:
        return (emulator.images[emulator.served[-1]] >> 4) * 17

    def empty(_scanner: Scanner) -> None:
        emulator.finger_present = False

    def back(_scanner: Scanner) -> None:
        emulator.finger_present = True

    harness = Harness(
        "zfm",
        lambda: make_scanner(f"zfm://{emulator.port}?finger_timeout=0.5&poll=0.05&timeout=0.5"),
        expected,
        unplug=lambda _s: emulator.unplug(),
        replug=lambda _s: emulator.replug(),
        empty_platen=empty,
        finger_back=back,
    )
    harness.cleanup.append(emulator.stop)
    harness.emulator = emulator  # type: ignore[attr-defined]
    return harness


def uru4000_harness(tmp_path: Path, test_data: Path) -> Harness:
    reader = EmulatedReader(load_frames(test_data / "simulated_seed7", limit=3))
    backend = EmulatedUsbBackend(reader)

    def expected(result: CaptureResult) -> np.ndarray:
        return reader.expected_image(reader.served[-1])

    def empty(_scanner: Scanner) -> None:
        reader.auto_finger = False
        reader.finger_present = False

    def back(_scanner: Scanner) -> None:
        reader.auto_finger = True

    harness = Harness(
        "uru4000",
        lambda: make_scanner("uru4000://?finger_timeout=0.5", usb_backend=backend),
        expected,
        unplug=lambda _s: reader.unplug(),
        replug=lambda _s: reader.replug(),
        empty_platen=empty,
        finger_back=back,
    )
    harness.reader = reader  # type: ignore[attr-defined]
    return harness


HARNESSES = {
    "simulated": simulated_harness,
    "replay": replay_harness,
    "zfm": zfm_harness,
    "uru4000": uru4000_harness,
}
