"""Driver for DigitalPersona U.are.U 4000 / 4000B / 4500 USB readers: flat single-finger captures.

Reads top to bottom like the device's life (discovery is `drivers.uru4000.discovery`): register I/O -> interrupts
-> initialisation (power-up handshake ending in the 0x56AA interrupt) -> capture (MODE 0x10, finger-on interrupt,
MODE 0x20 and one bulk frame, MODE 0x12 so the next capture first waits for the finger to lift) -> shutdown (MODE 0x70,
low power). pyusb calls are blocking, so they run in worker threads; every transfer has a timeout, and pyusb's
exceptions are translated in one place (`_usb_errors`): no device -> DeviceRemoved, timeout -> DeviceTimeout,
anything else -> DeviceIOError.

The pyusb backend can be injected (`usb_backend=`), which is how the emulator in `drivers.emulators.uru4000` runs
this exact code without hardware.

URI: `uru4000://` (first reader), `uru4000://BUS:ADDRESS`, `uru4000://?serial=...`, option `finger_timeout=30`;
`uru4000://?emulator=/path/to/images` runs the driver against an in-process emulated 4000B serving those images
(a pyusb backend cannot be shared between processes, so this is how `station emulate uru4000` is reached).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import numpy as np
import usb.core
import usb.util

from drivers.base import CaptureKind, CaptureResult, DeviceInfo, PreviewFrame, SelfTestCheck, platen_mm
from drivers.errors import (
    DeviceIOError,
    DeviceNotFound,
    DeviceRemoved,
    DeviceTimeout,
    FingerNotRemoved,
    InvalidDeviceUri,
    NoFinger,
    ProtocolError,
    UnsupportedDevice,
)
from drivers.image_scanner import DEFAULT_FINGER_TIMEOUT_S, ImageScanner
from drivers.uri import DeviceUri
from drivers.uru4000.constants import (
    CONTROL_TIMEOUT_MS,
    DEVICE_INFO_LENGTH,
    EP_DATA,
    EP_INTERRUPT,
    FRAME_BUFFER_LENGTH,
    FRAME_READ_TIMEOUT_MS,
    HWSTAT_LOW_POWER,
    HWSTAT_REBOOT_MASK,
    IMAGE_HEIGHT,
    IMAGE_PPI,
    IMAGE_WIDTH,
    INIT_ATTEMPTS,
    INTERFACE_CLASS,
    IRQ_LENGTH,
    POWER_ON_IRQ_TIMEOUT_S,
    POWER_POLL_INTERVAL_S,
    POWER_POLL_TRIES,
    REG_DEVICE_INFO,
    REG_HWSTAT,
    REG_MODE,
    REQUEST_TYPE_READ,
    REQUEST_TYPE_WRITE,
    VENDOR_REQUEST,
    Irq,
    Mode,
)
from drivers.uru4000.discovery import AttachedReader, find_readers
from drivers.uru4000.protocol import decode_frame, parse_irq

URU_OPTIONS = {"serial", "finger_timeout", "emulator"}
IRQ_POLL_MS = 100  # interrupt reads are short so that a cancelled capture stops promptly
BLANK_FRAME_TIMEOUT_MS = 1000  # a unit that sends no frame without a finger is not faulty: skip the blank check

# ---------------------------------------------------------------------- the driver


class Uru4000Scanner(ImageScanner):
    def __init__(
        self,
        uri: str,
        *,
        bus_address: tuple[int, int] | None = None,
        serial: str | None = None,
        usb_backend: object | None = None,
        finger_timeout_s: float = DEFAULT_FINGER_TIMEOUT_S,
    ) -> None:
        super().__init__(uri, finger_timeout_s=finger_timeout_s)
        self.bus_address = bus_address
        self.serial = serial
        self.usb_backend = usb_backend
        self._reader: AttachedReader | None = None
        self._interface = 0
        self._finger_on = False

    @classmethod
    def from_uri(cls, uri: DeviceUri, *, usb_backend: object | None = None) -> Uru4000Scanner:
        uri.reject_unknown(URU_OPTIONS)
        bus_address = None
        if uri.location:
            bus, _, address = uri.location.partition(":")
            if not (bus.isdigit() and address.isdigit()):
                raise InvalidDeviceUri(f"{uri.text}: {uri.location!r} is not BUS:ADDRESS", hint="e.g. uru4000://1:7")
            bus_address = (int(bus), int(address))
        emulated_images = uri.param("emulator")
        if emulated_images is not None and usb_backend is None:
            from drivers.emulators.uru4000 import emulated_bus

            try:
                usb_backend = emulated_bus(emulated_images)
            except OSError as exc:
                raise DeviceNotFound(f"{uri.text}: no emulator images: {exc}", hint="emulator=DIR of images") from exc
        return cls(
            uri.text,
            bus_address=bus_address,
            serial=uri.param("serial"),
            usb_backend=usb_backend,
            finger_timeout_s=uri.float_param("finger_timeout", DEFAULT_FINGER_TIMEOUT_S),
        )

    # ------------------------------------------------------------------ register I/O

    @contextlib.contextmanager
    def _usb_errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except usb.core.USBTimeoutError as exc:
            raise DeviceTimeout(f"U.are.U reader: {what} timed out") from exc
        except usb.core.USBError as exc:
            if exc.errno in (errno.ENODEV, errno.ENOENT) or exc.backend_error_code == -4 or not self._still_attached():
                raise DeviceRemoved(f"U.are.U reader disappeared during {what}") from exc
            raise DeviceIOError(f"U.are.U reader: {what} failed: {exc}") from exc

    def _still_attached(self) -> bool:
        """Whether our reader still enumerates at its bus address (a failed transfer may be the cable)."""
        reader = self._reader
        if reader is None:
            return False
        return any((r.bus, r.address) == (reader.bus, reader.address) for r in find_readers(self.usb_backend))

    def _device(self) -> Any:
        if self._reader is None:
            raise DeviceIOError("U.are.U reader is not open")
        return self._reader.device

    def _read_registers(self, register: int, length: int) -> bytes:
        with self._usb_errors(f"reading register 0x{register:02x}"):
            data = self._device().ctrl_transfer(
                REQUEST_TYPE_READ, VENDOR_REQUEST, register, 0, length, timeout=CONTROL_TIMEOUT_MS
            )
        self.traffic.record("rx", f"control read register 0x{register:02x}", bytes(data))
        if len(data) != length:
            raise ProtocolError(f"register 0x{register:02x}: {len(data)} bytes read, {length} expected")
        return bytes(data)

    def _write_registers(self, register: int, values: bytes) -> None:
        self.traffic.record("tx", f"control write register 0x{register:02x}", values)
        with self._usb_errors(f"writing register 0x{register:02x}"):
            written = self._device().ctrl_transfer(
                REQUEST_TYPE_WRITE, VENDOR_REQUEST, register, 0, values, timeout=CONTROL_TIMEOUT_MS
            )
        if written != len(values):
            raise ProtocolError(f"register 0x{register:02x}: {written} bytes written, {len(values)} sent")

    def _set_mode(self, mode: Mode) -> None:
        self._write_registers(REG_MODE, bytes([mode]))

    # ------------------------------------------------------------------ interrupts

    def _read_irq(self, timeout_ms: int) -> int | None:
        """One interrupt type, or None if none arrived in `timeout_ms`."""
        try:
            with self._usb_errors("reading an interrupt"):
                message = self._device().read(EP_INTERRUPT, IRQ_LENGTH, timeout=timeout_ms)
        except DeviceTimeout:
            return None
        self.traffic.record("rx", "interrupt", bytes(message))
        irq = parse_irq(bytes(message))
        if irq == Irq.DEATH:
            raise DeviceIOError("the U.are.U reader reported a fatal condition (interrupt 0x0800)")
        return irq

    def _wait_irq(self, wanted: int, timeout_s: float) -> bool:
        """Blocking: True once interrupt `wanted` arrives, False on time-out; other interrupts are noted."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 0:
                return False
            irq = self._read_irq(min(IRQ_POLL_MS, remaining_ms))
            if irq == Irq.FINGER_ON:
                self._finger_on = True
            elif irq == Irq.FINGER_OFF:
                self._finger_on = False
            if irq == wanted:
                return True

    # ------------------------------------------------------------------ initialisation

    async def _open_device(self) -> DeviceInfo:
        self._reader = await asyncio.to_thread(self._find)
        self._finger_on = False
        model = self._reader.model
        if model.needs_challenge:
            raise UnsupportedDevice(f"{model.name} needs a challenge/response handshake that is not supported")
        serial, product = await self._blocking(self._claim)
        device_info = await self._blocking(self._power_up)
        return DeviceInfo(
            uri=self.uri,
            driver="uru4000",
            vendor="DigitalPersona" if self._reader.vendor_id == 0x05BA else "Microsoft",
            model=product or model.name,
            serial=serial,
            firmware=f"{device_info[10]:02x}{device_info[11]:02x}.{device_info[4]:02x}{device_info[5]:02x}",
            resolution_ppi=IMAGE_PPI,
            image_size=(IMAGE_WIDTH, IMAGE_HEIGHT),
            capture_area_mm=platen_mm((IMAGE_WIDTH, IMAGE_HEIGHT), IMAGE_PPI),
            capabilities=frozenset({CaptureKind.FLAT}),
            transport=f"usb {self._reader.bus}:{self._reader.address}",
        )

    def _find(self) -> AttachedReader:
        readers = find_readers(self.usb_backend)
        for reader in readers:
            if self.bus_address and (reader.bus, reader.address) != self.bus_address:
                continue
            if self.serial and self._serial_of(reader) != self.serial:
                continue
            return reader
        where = f" at {self.bus_address[0]}:{self.bus_address[1]}" if self.bus_address else ""
        raise DeviceNotFound(f"no U.are.U 4000/4500 reader{where} on USB (found {len(readers)} of the family)")

    def _serial_of(self, reader: AttachedReader) -> str:
        with contextlib.suppress(Exception):
            return str(usb.util.get_string(reader.device, reader.device.iSerialNumber) or "")
        return ""

    def _claim(self) -> tuple[str, str]:
        device = self._device()
        with self._usb_errors("configuring the reader"):
            try:
                config = device.get_active_configuration()
            except usb.core.USBError:
                device.set_configuration()
                config = device.get_active_configuration()
            interface = usb.util.find_descriptor(
                config,
                custom_match=lambda i: (
                    (i.bInterfaceClass, i.bInterfaceSubClass, i.bInterfaceProtocol) == INTERFACE_CLASS
                ),
            )
            if interface is None:
                raise ProtocolError("the reader has no vendor-specific (ff/ff/ff) interface")
            self._interface = interface.bInterfaceNumber
            with contextlib.suppress(NotImplementedError, usb.core.USBError):
                if device.is_kernel_driver_active(self._interface):
                    device.detach_kernel_driver(self._interface)
            usb.util.claim_interface(device, self._interface)
            serial = self._serial_of(self._reader) if self._reader else ""
            product = ""
            with contextlib.suppress(Exception):
                product = str(usb.util.get_string(device, device.iProduct) or "")
        return serial, product

    def _power_up(self) -> bytes:
        """The power-up handshake (reference 3.3), retried as a whole; returns the 16-byte device info."""
        for _attempt in range(INIT_ATTEMPTS):
            hwstat = self._read_registers(REG_HWSTAT, 1)[0]
            if hwstat & HWSTAT_REBOOT_MASK == HWSTAT_REBOOT_MASK:
                self._write_registers(REG_HWSTAT, bytes([hwstat & 0x0F]))
                hwstat = self._poll_hwstat(lambda value: bool(value & 0x01), "reboot")
            if not hwstat & HWSTAT_LOW_POWER:
                self._write_registers(REG_HWSTAT, bytes([hwstat | HWSTAT_LOW_POWER]))
            self._write_registers(REG_HWSTAT, bytes([hwstat & 0x0F]))
            self._poll_hwstat(lambda value: not value & HWSTAT_LOW_POWER, "power-up")
            if self._wait_irq(Irq.SCANPWR_ON, POWER_ON_IRQ_TIMEOUT_S):
                return self._read_registers(REG_DEVICE_INFO, DEVICE_INFO_LENGTH)
        raise DeviceTimeout(f"the reader did not report scan power on after {INIT_ATTEMPTS} power-up attempts")

    def _poll_hwstat(self, done: Callable[[int], bool], step: str) -> int:
        for _try in range(POWER_POLL_TRIES):
            value = self._read_registers(REG_HWSTAT, 1)[0]
            if done(value):
                return value
            time.sleep(POWER_POLL_INTERVAL_S)
        raise DeviceTimeout(f"the reader's status register did not settle during {step}")

    # ------------------------------------------------------------------ capture

    async def _wait_for_finger(self, kind: CaptureKind, position: int) -> None:
        if self._finger_on:  # the last finger may still be on the platen
            await self._blocking(self._set_mode, Mode.AWAIT_FINGER_OFF)
            if not await self._blocking(self._wait_irq, Irq.FINGER_OFF, min(self.finger_timeout_s, 5.0)):
                raise FingerNotRemoved()
        await self._blocking(self._set_mode, Mode.AWAIT_FINGER_ON)
        if not await self._wait_in_slices(Irq.FINGER_ON, self.finger_timeout_s):
            raise NoFinger()

    async def _wait_in_slices(self, irq: int, timeout_s: float) -> bool:
        """Wait for an interrupt in short worker-thread slices, so cancelling the capture takes effect quickly."""
        deadline = time.monotonic() + timeout_s
        while (remaining := deadline - time.monotonic()) > 0:
            if await self._blocking(self._wait_irq, irq, min(0.5, remaining)):
                return True
        return False

    async def _acquire(self, kind: CaptureKind, position: int) -> AsyncIterator[PreviewFrame | CaptureResult]:
        image = await self._blocking(self._read_frame)
        yield CaptureResult(image=image, ppi=IMAGE_PPI, kind=kind, position=position, device_uri=self.uri)

    def _read_frame(self, timeout_ms: int = FRAME_READ_TIMEOUT_MS) -> np.ndarray:
        """Blocking: one frame in capture mode, then arm finger-off detection."""
        assert self._reader is not None
        self._set_mode(Mode.CAPTURE)
        with self._usb_errors("reading a frame"):
            frame = bytes(self._device().read(EP_DATA, FRAME_BUFFER_LENGTH, timeout=timeout_ms))
        self.traffic.record("rx", "bulk frame", length=len(frame), image=True)
        self._set_mode(Mode.AWAIT_FINGER_OFF)
        return decode_frame(frame, rotated=self._reader.model.rotated)

    async def _abort_capture(self) -> None:
        await self._blocking(self._set_mode, Mode.OFF)

    # ------------------------------------------------------------------ shutdown

    async def _close_device(self) -> None:
        reader, self._reader = self._reader, None
        if reader is None:
            return
        await asyncio.to_thread(self._shutdown, reader)

    def _shutdown(self, reader: AttachedReader) -> None:
        self._reader = reader
        try:
            with contextlib.suppress(Exception):
                self._set_mode(Mode.OFF)
                hwstat = self._read_registers(REG_HWSTAT, 1)[0]
                self._write_registers(REG_HWSTAT, bytes([hwstat | HWSTAT_LOW_POWER]))
            with contextlib.suppress(Exception):
                usb.util.release_interface(reader.device, self._interface)
            with contextlib.suppress(Exception):
                usb.util.dispose_resources(reader.device)
        finally:
            self._reader = None

    # ------------------------------------------------------------------ self-test

    async def _device_checks(self) -> list[SelfTestCheck]:
        hwstat = (await self._blocking(self._read_registers, REG_HWSTAT, 1))[0]
        return [
            SelfTestCheck("link", True, f"reader answers on {self.info.transport}"),
            SelfTestCheck(
                "status register",
                not hwstat & 0x04 and not hwstat & HWSTAT_LOW_POWER,
                f"HWSTAT 0x{hwstat:02x} ({'error bit set' if hwstat & 0x04 else 'no error'}, "
                f"{'low power' if hwstat & HWSTAT_LOW_POWER else 'powered'})",
            ),
        ]

    async def _blank_frame(self) -> np.ndarray | None:
        """A frame with nothing on the platen, or None if the unit sends no frame without a finger."""
        try:
            return await self._blocking(self._read_frame, BLANK_FRAME_TIMEOUT_MS)
        except DeviceTimeout:
            return None
        finally:
            await self._blocking(self._set_mode, Mode.OFF)
