"""An emulated U.are.U 4000B presented to pyusb as a custom backend, serving real frames, with plug and unplug.

`EmulatedUsbBackend` subclasses `usb.backend.IBackend`; pass it as `usb_backend=` (or to `usb.core.find(backend=)`)
and the driver runs its real pyusb code: descriptors, string descriptors (with the LANGID list pyusb asks for first),
configuration, interface claim, vendor register reads and writes, interrupt reads on 0x81 and the bulk frame on 0x82.

`EmulatedReader` is the device: HWSTAT power states (bit 7 low power; powering up raises the 0x56AA interrupt),
the MODE register (0x10 arms finger-on, 0x12 finger-off, 0x20 makes the next bulk read a frame), the finger (placed
and lifted by the test, or automatically with `auto_finger=True`), and a transcript of every register write.

Frames (the documented conversion): an 8-bit image (ridges dark) is fitted to 384 x 290 (centre crop / white pad);
its first and last two lines are made white, so the start of every frame is smooth and a host's encryption test
reads it as plain; it is inverted and, for the 4000B, rotated by 180 degrees, and sent as 289 lines with the block
table [(0x00, 144), (0x01, 1), (0x00, 145)] -- the 1-line "not present" block makes the host repeat the next wire
line. `expected_image(i)` is what a correct host decodes from image i, so tests can check pixel identity.
`frame_faults` spoils the next frames ("short", "bad_lines", "garbage"); `scrambled=True` serves noise-scrambled
frames, as an encrypting unit would.
The pyusb backend itself is `drivers.emulators.uru4000_usb`.
FVC2004 DB2_B was captured with a U.are.U 4000: `load_frames(folder)` reads such a folder.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from drivers.emulators.images import fit_frame, load_folder
from drivers.emulators.uru4000_usb import EmulatedUsbBackend
from drivers.uru4000.constants import (
    BLOCK_NOT_PRESENT,
    FRAME_HEADER_LENGTH,
    IMAGE_HEIGHT,
    IMAGE_WIDTH,
    REG_DEVICE_INFO,
    REG_HWSTAT,
    REG_MODE,
    REG_SCRAMBLE_DATA_INDEX,
    REG_SCRAMBLE_DATA_KEY,
    Irq,
    Mode,
)
from drivers.uru4000.protocol import encode_frame_header

WIRE_BLOCKS = [(0x00, 144), (BLOCK_NOT_PRESENT, 1), (0x00, 145)]
WIRE_LINES = 289
SMOOTH_EDGE_LINES = 2


def fit_reader_frame(image: np.ndarray) -> np.ndarray:
    """Centre-crop or white-pad an 8-bit image to 384 x 290, with white top and bottom edge lines."""
    frame = fit_frame(image, IMAGE_WIDTH, IMAGE_HEIGHT)
    frame[:SMOOTH_EDGE_LINES] = 255
    frame[-SMOOTH_EDGE_LINES:] = 255
    return frame


def load_frames(folder: Path, limit: int | None = None) -> list[np.ndarray]:
    """The images of a folder in name order (fitted when the reader serves them)."""
    return load_folder(folder, limit)


def emulated_bus(images_folder: str | Path, limit: int = 80) -> EmulatedUsbBackend:
    """A bus holding one emulated 4000B that serves the images of a folder (for `uru4000://?emulator=DIR`)."""
    return EmulatedUsbBackend(EmulatedReader(load_frames(Path(images_folder), limit)))


class EmulatedReader:
    """The device behind the backend: registers, interrupts, finger and frames."""

    def __init__(
        self,
        images: Sequence[np.ndarray],
        *,
        product_id: int = 0x000A,
        vendor_id: int = 0x05BA,
        bus: int = 1,
        address: int = 5,
        serial: str = "EMU-4000B-0001",
        auto_finger: bool = True,
        scrambled: bool = False,
    ) -> None:
        if not images:
            raise ValueError("the emulator needs at least one image to serve")
        self.frames = [fit_reader_frame(np.asarray(img, dtype=np.uint8)) for img in images]
        self.vendor_id, self.product_id = vendor_id, product_id
        self.bus, self.address = bus, address
        self.serial = serial
        self.auto_finger = auto_finger
        self.scrambled = scrambled
        self.rotated = product_id == 0x000A
        self.plugged_in = True
        self.generation = 0
        self.hwstat = 0x84 | 0x01  # low power, error: the state after plugging in, which asks for a reboot
        self.mode = Mode.INIT
        self.finger_present = False
        self.served: list[int] = []
        self.writes: list[tuple[int, bytes]] = []
        self.serves_blank_frames = True  # False: like a unit that sends nothing in capture mode without a finger
        self.frame_faults: list[str] = []  # consumed one per frame: "short", "bad_lines", "garbage"
        self._irqs: queue.Queue[int] = queue.Queue()
        self._next_frame = 0
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ test controls

    def place_finger(self) -> None:
        with self._lock:
            self.finger_present = True
            if self.mode == Mode.AWAIT_FINGER_ON:
                self._irqs.put(Irq.FINGER_ON)

    def lift_finger(self) -> None:
        with self._lock:
            self.finger_present = False
            if self.mode == Mode.AWAIT_FINGER_OFF:
                self._irqs.put(Irq.FINGER_OFF)

    def unplug(self) -> None:
        with self._lock:
            self.plugged_in = False

    def replug(self) -> None:
        """Plug back in: a fresh device at the next USB address, in its power-on state."""
        with self._lock:
            self.plugged_in = True
            self.generation += 1  # handles opened before the unplug stay dead, as on a real bus
            self.address += 1
            self.hwstat, self.mode, self.finger_present = 0x85, Mode.INIT, False
            self._irqs = queue.Queue()

    def expected_image(self, index: int) -> np.ndarray:
        """What a correct host decodes from image `index` (after fitting, the repeated line, inversion, rotation)."""
        host = self.frames[index].copy()
        raw = 255 - (host[::-1, ::-1] if self.rotated else host)
        raw[144] = raw[145]  # the not-present block repeats the next wire line
        decoded = 255 - raw
        return np.ascontiguousarray(decoded[::-1, ::-1]) if self.rotated else decoded

    # ------------------------------------------------------------------ registers

    def read_register(self, register: int, length: int) -> bytes:
        if register == REG_HWSTAT:
            return bytes([self.hwstat])[:length].ljust(length, b"\0")
        if register == REG_MODE:
            return bytes([self.mode]).ljust(length, b"\0")
        if register == REG_DEVICE_INFO:
            return bytes([0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x04, 0x30, 0, 0, 0, 0])[:length]
        if register == REG_SCRAMBLE_DATA_KEY:
            return bytes(length)
        return bytes(length)

    def write_register(self, register: int, data: bytes) -> None:
        self.writes.append((register, bytes(data)))
        if register == REG_HWSTAT and data:
            self._write_hwstat(data[0])
        elif register == REG_MODE and data:
            self._write_mode(Mode(data[0]) if data[0] in Mode._value2member_map_ else data[0])
        elif register == REG_SCRAMBLE_DATA_INDEX:
            pass

    def _write_hwstat(self, value: int) -> None:
        was_low_power = bool(self.hwstat & 0x80)
        self.hwstat = value & 0x8F
        if was_low_power and not value & 0x80:  # powering up clears the error bit and reports scan power on
            self.hwstat &= ~0x04
            self._irqs.put(Irq.SCANPWR_ON)

    def _write_mode(self, mode: int) -> None:
        with self._lock:
            self.mode = mode
            if mode == Mode.AWAIT_FINGER_ON and (self.finger_present or self.auto_finger):
                self.finger_present = True
                self._irqs.put(Irq.FINGER_ON)
            elif mode == Mode.AWAIT_FINGER_OFF and self.auto_finger:
                self.finger_present = False
                self._irqs.put(Irq.FINGER_OFF)
            elif mode == Mode.AWAIT_FINGER_OFF and not self.finger_present:
                self._irqs.put(Irq.FINGER_OFF)

    # ------------------------------------------------------------------ endpoints

    def next_irq(self, timeout_s: float) -> int | None:
        try:
            return self._irqs.get(timeout=max(0.0, timeout_s))
        except queue.Empty:
            return None

    def frame_bytes(self) -> bytes:
        """The bulk transfer in capture mode: the next image with a finger on, a blank platen without."""
        if self.finger_present:
            index = self._next_frame
            self._next_frame = (index + 1) % len(self.frames)
            self.served.append(index)
            host = self.frames[index]
        else:
            host = _blank_platen()
        raw = 255 - (host[::-1, ::-1] if self.rotated else host)
        if self.scrambled:
            raw = raw ^ np.random.default_rng(7).integers(0, 256, raw.shape, dtype=np.uint8)
        wire = np.concatenate([raw[:144], raw[145:]])
        frame = encode_frame_header(WIRE_LINES, WIRE_BLOCKS) + np.ascontiguousarray(wire).tobytes()
        fault = self.frame_faults.pop(0) if self.frame_faults else None
        if fault == "short":
            return frame[: len(frame) // 2]
        if fault == "bad_lines":
            return encode_frame_header(400, WIRE_BLOCKS) + frame[FRAME_HEADER_LENGTH:]
        if fault == "garbage":
            return np.random.default_rng(len(self.served)).integers(0, 256, len(frame), dtype=np.uint8).tobytes()
        return frame


def _blank_platen() -> np.ndarray:
    rng = np.random.default_rng(11)
    yy, xx = np.mgrid[:IMAGE_HEIGHT, :IMAGE_WIDTH]
    shade = 228 - 10 * (((yy - 145) / 145) ** 2 + ((xx - 192) / 192) ** 2)
    frame = np.clip(shade + rng.normal(0, 1.5, shade.shape), 0, 255).astype(np.uint8)
    frame[:SMOOTH_EDGE_LINES] = 228
    frame[-SMOOTH_EDGE_LINES:] = 228
    return frame
