"""The pyusb side of the emulated U.are.U 4000B: a custom `usb.backend.IBackend` whose bus holds `EmulatedReader`s.

It answers what pyusb asks of a bus (descriptors, the LANGID list and string descriptors, configuration, interface
claim) and turns control, interrupt and bulk transfers into calls on the reader (`drivers.emulators.uru4000`), which
is the device. A handle is valid only for the plug-in it was opened during, so an unplug is seen as libusb shows it.
"""

from __future__ import annotations

import errno
import time
from array import array
from collections.abc import Iterator
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, ClassVar

import usb.backend
import usb.core

from drivers.uru4000.constants import (
    EP_DATA,
    EP_INTERRUPT,
    VENDOR_REQUEST,
    Mode,
)

if TYPE_CHECKING:
    from drivers.emulators.uru4000 import EmulatedReader

_NO_DEVICE = (-4, errno.ENODEV)  # libusb LIBUSB_ERROR_NO_DEVICE and its errno


def _langid() -> bytes:
    return bytes([4, 3, 0x09, 0x04])


def _string_descriptor(text: str) -> bytes:
    encoded = text.encode("utf-16-le")
    return bytes([2 + len(encoded), 3]) + encoded


class EmulatedUsbBackend(usb.backend.IBackend):
    """A pyusb backend whose bus holds the given emulated readers."""

    STRINGS: ClassVar[dict[int, str]] = {1: "DigitalPersona, Inc.", 2: "U.are.U\u00ae 4000B Fingerprint Reader"}

    def __init__(self, *readers: EmulatedReader) -> None:
        self.readers = list(readers)
        self.calls: list[str] = []
        self._configuration: dict[int, int] = {}

    # ------------------------------------------------------------------ enumeration and descriptors

    def enumerate_devices(self) -> Iterator[EmulatedReader]:
        yield from (reader for reader in self.readers if reader.plugged_in)

    def get_parent(self, dev: EmulatedReader) -> None:
        return None

    def get_device_descriptor(self, dev: EmulatedReader) -> SimpleNamespace:
        return SimpleNamespace(
            bLength=18, bDescriptorType=1, bcdUSB=0x0200, bDeviceClass=0, bDeviceSubClass=0, bDeviceProtocol=0,
            bMaxPacketSize0=64, idVendor=dev.vendor_id, idProduct=dev.product_id, bcdDevice=0x0100,
            iManufacturer=1, iProduct=2, iSerialNumber=3, bNumConfigurations=1,
            bus=dev.bus, address=dev.address, port_number=1, port_numbers=(1,), speed=2,
        )  # fmt: skip

    def get_configuration_descriptor(self, dev: EmulatedReader, config: int) -> SimpleNamespace:
        if config != 0:
            raise IndexError(config)
        return SimpleNamespace(
            bLength=9, bDescriptorType=2, wTotalLength=32, bNumInterfaces=1, bConfigurationValue=1,
            iConfiguration=0, bmAttributes=0xA0, bMaxPower=50, extra_descriptors=b"",
        )  # fmt: skip

    def get_interface_descriptor(self, dev: EmulatedReader, intf: int, alt: int, config: int) -> SimpleNamespace:
        if intf != 0 or alt != 0 or config != 0:
            raise IndexError((intf, alt, config))
        return SimpleNamespace(
            bLength=9, bDescriptorType=4, bInterfaceNumber=0, bAlternateSetting=0, bNumEndpoints=2,
            bInterfaceClass=0xFF, bInterfaceSubClass=0xFF, bInterfaceProtocol=0xFF, iInterface=0,
            extra_descriptors=b"",
        )  # fmt: skip

    def get_endpoint_descriptor(self, dev: EmulatedReader, ep: int, intf: int, alt: int, config: int) -> Any:
        if intf != 0 or alt != 0 or config != 0 or ep not in (0, 1):
            raise IndexError((ep, intf, alt, config))
        address, attributes, interval = (EP_INTERRUPT, 0x03, 1) if ep == 0 else (EP_DATA, 0x02, 0)
        return SimpleNamespace(
            bLength=7, bDescriptorType=5, bEndpointAddress=address, bmAttributes=attributes, wMaxPacketSize=64,
            bInterval=interval, bRefresh=0, bSynchAddress=0, extra_descriptors=b"",
        )  # fmt: skip

    # ------------------------------------------------------------------ handles

    def open_device(self, dev: EmulatedReader) -> _Handle:
        if not dev.plugged_in:
            raise usb.core.USBError("No such device (it may have been disconnected)", *_NO_DEVICE)
        self.calls.append("open")
        return _Handle(dev, dev.generation)

    def close_device(self, dev_handle: _Handle) -> None:
        self.calls.append("close")

    def set_configuration(self, dev_handle: _Handle, config_value: int) -> None:
        self._alive(dev_handle)
        self._configuration[id(dev_handle)] = config_value

    def get_configuration(self, dev_handle: _Handle) -> int:
        self._alive(dev_handle)
        return self._configuration.get(id(dev_handle), 1)

    def set_interface_altsetting(self, dev_handle: _Handle, intf: int, altsetting: int) -> None:
        self._alive(dev_handle)

    def claim_interface(self, dev_handle: _Handle, intf: int) -> None:
        self._alive(dev_handle)
        self.calls.append(f"claim {intf}")

    def release_interface(self, dev_handle: _Handle, intf: int) -> None:
        self.calls.append(f"release {intf}")

    def is_kernel_driver_active(self, dev_handle: _Handle, intf: int) -> bool:
        return False

    def clear_halt(self, dev_handle: _Handle, ep: int) -> None:
        self._alive(dev_handle)

    # ------------------------------------------------------------------ transfers

    def ctrl_transfer(
        self, dev_handle: _Handle, bmRequestType: int, bRequest: int, wValue: int, wIndex: int, data: Any,
        timeout: int,
    ) -> int:  # fmt: skip
        self._alive(dev_handle)
        if bmRequestType == 0x80 and bRequest == 6 and wValue >> 8 == 3:  # GET_DESCRIPTOR(string)
            index = wValue & 0xFF
            strings = {**self.STRINGS, 3: dev_handle.reader.serial}
            if index != 0 and index not in strings:
                raise usb.core.USBError("Pipe error", -9, errno.EPIPE)
            payload = _langid() if index == 0 else _string_descriptor(strings[index])
            return self._fill(data, payload)
        if bRequest != VENDOR_REQUEST:
            raise usb.core.USBError("Pipe error (request not supported)", -9, errno.EPIPE)
        if bmRequestType == 0xC0:
            return self._fill(data, dev_handle.reader.read_register(wValue, len(data)))
        if bmRequestType == 0x40:
            dev_handle.reader.write_register(wValue, bytes(data))
            return len(data)
        raise usb.core.USBError("Pipe error (request type not supported)", -9, errno.EPIPE)

    def intr_read(self, dev_handle: _Handle, ep: int, intf: int, buff: array, timeout: int) -> int:
        self._alive(dev_handle)
        if ep != EP_INTERRUPT:
            raise usb.core.USBError("Pipe error (not an interrupt endpoint)", -9, errno.EPIPE)
        deadline = time.monotonic() + (timeout or 60_000) / 1000
        while True:
            irq = dev_handle.reader.next_irq(min(0.02, max(0.0, deadline - time.monotonic())))
            self._alive(dev_handle)
            if irq is not None:
                message = irq.to_bytes(2, "big") + bytes(62)
                return self._fill(buff, message)
            if time.monotonic() >= deadline:
                raise usb.core.USBTimeoutError("Operation timed out", -7, errno.ETIMEDOUT)

    def bulk_read(self, dev_handle: _Handle, ep: int, intf: int, buff: array, timeout: int) -> int:
        self._alive(dev_handle)
        if ep != EP_DATA:
            raise usb.core.USBError("Pipe error (not a bulk endpoint)", -9, errno.EPIPE)
        reader = dev_handle.reader
        if reader.mode != Mode.CAPTURE or not (reader.finger_present or reader.serves_blank_frames):
            time.sleep(min(timeout, 200) / 1000)
            raise usb.core.USBTimeoutError("Operation timed out", -7, errno.ETIMEDOUT)
        return self._fill(buff, dev_handle.reader.frame_bytes())

    def bulk_write(self, dev_handle: _Handle, ep: int, intf: int, data: Any, timeout: int) -> int:
        raise usb.core.USBError("Pipe error (the reader has no OUT endpoint)", -9, errno.EPIPE)

    intr_write = bulk_write

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _fill(buffer: array, payload: bytes) -> int:
        count = min(len(buffer), len(payload))
        buffer[:count] = array("B", payload[:count])
        return count

    @staticmethod
    def _alive(handle: _Handle) -> None:
        if not handle.reader.plugged_in or handle.generation != handle.reader.generation:
            raise usb.core.USBError("No such device (it may have been disconnected)", *_NO_DEVICE)


class _Handle:
    """An open device: valid only for the plug-in it was opened during."""

    def __init__(self, reader: EmulatedReader, generation: int) -> None:
        self.reader = reader
        self.generation = generation
