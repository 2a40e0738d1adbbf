"""Which driver serves a device URI, and which scanners are attached right now.

`make_scanner(uri)` builds an unopened scanner; `open_scanner(uri)` also opens it. `discover()` lists what is
attached: U.are.U readers on USB by vendor/product id (pyusb), UART modules on the serial ports named in the
configuration (they cannot be told apart from other serial devices without talking to them), and USB-serial
bridges that pyserial's port list shows as candidates. `DeviceWatcher.poll()` compares one discovery with the last,
so a daemon that polls it sees a scanner unplugged and plugged back in (at a new USB address) without restarting.
"""

from __future__ import annotations

import asyncio
import glob
import os
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from drivers.base import Scanner
from drivers.uri import DeviceUri, parse_device_uri

USB_SERIAL_BRIDGES: dict[tuple[int, int], str] = {
    (0x10C4, 0xEA60): "Silicon Labs CP210x",
    (0x1A86, 0x7523): "WCH CH340",
    (0x0403, 0x6001): "FTDI FT232R",
    (0x0403, 0x6015): "FTDI FT231X",
    (0x067B, 0x2303): "Prolific PL2303",
}
"""USB-serial bridges that UART fingerprint modules are commonly wired through (candidates, not proof)."""

UDEV_SERIAL_GLOB = "/dev/livescan/serial-*"
"""Stable names our udev rules (systemd/70-booking-station.rules) give those bridges."""


def make_scanner(uri: str, **options: Any) -> Scanner:
    """An unopened scanner for `uri`. Options are passed to the driver (e.g. `usb_backend=` for uru4000)."""
    parsed = parse_device_uri(uri)
    factory = _FACTORIES[parsed.scheme]
    return factory(parsed, **options)


async def open_scanner(uri: str, **options: Any) -> Scanner:
    """An opened scanner for `uri`; raises a DriverFault (e.g. DeviceNotFound) if it cannot be opened."""
    scanner = make_scanner(uri, **options)
    await scanner.open()
    return scanner


def _simulated(uri: DeviceUri, **options: Any) -> Scanner:
    from drivers.simulated.driver import SimulatedScanner

    return SimulatedScanner.from_uri(uri, **options)


def _replay(uri: DeviceUri, **options: Any) -> Scanner:
    from drivers.replay.driver import ReplayScanner

    return ReplayScanner.from_uri(uri, **options)


def _zfm(uri: DeviceUri, **options: Any) -> Scanner:
    from drivers.zfm.driver import ZfmScanner

    return ZfmScanner.from_uri(uri, **options)


def _uru4000(uri: DeviceUri, **options: Any) -> Scanner:
    from drivers.uru4000.driver import Uru4000Scanner

    return Uru4000Scanner.from_uri(uri, **options)


_FACTORIES: dict[str, Callable[..., Scanner]] = {
    "sim": _simulated,
    "replay": _replay,
    "zfm": _zfm,
    "uru4000": _uru4000,
}


# ---------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class AttachedDevice:
    uri: str
    driver: str
    description: str
    confirmed: bool = True  # False: a candidate (a serial bridge) that may or may not be a scanner


def discover(
    serial_ports: Sequence[str] = (),
    *,
    usb_backend: object | None = None,
    list_serial_bridges: bool = True,
) -> list[AttachedDevice]:
    """What is attached now: U.are.U readers on USB, configured serial ports, candidate serial bridges."""
    found = _discover_usb(usb_backend)
    configured = set()
    for port in serial_ports:
        uri = parse_device_uri(port) if "://" in port else parse_device_uri(f"zfm://{port}")
        configured.add(uri.location)
        if os.path.exists(uri.location):
            found.append(AttachedDevice(uri.text, "zfm", f"UART fingerprint module on {uri.location} (configured)"))
    if list_serial_bridges:
        for candidate in [*_discover_udev_serial(), *_discover_serial_bridges()]:
            port = candidate.uri.split("?")[0][len("zfm://") :]
            if port not in configured and os.path.realpath(port) not in {os.path.realpath(p) for p in configured}:
                configured.add(port)
                found.append(candidate)
    return found


def _discover_udev_serial() -> list[AttachedDevice]:
    return [
        AttachedDevice(f"zfm://{path}", "zfm", f"serial bridge {path} (udev rule, not probed)", confirmed=False)
        for path in sorted(glob.glob(UDEV_SERIAL_GLOB))
    ]


def _discover_usb(backend: object | None) -> list[AttachedDevice]:
    from drivers.uru4000.discovery import find_readers  # pyusb; a missing libusb yields no readers

    return [
        AttachedDevice(f"uru4000://{reader.bus}:{reader.address}", "uru4000", reader.description)
        for reader in find_readers(backend)
    ]


def _discover_serial_bridges() -> list[AttachedDevice]:
    try:
        from serial.tools import list_ports
    except ImportError:  # pragma: no cover - pyserial is a dependency
        return []
    found = []
    for port in list_ports.comports():
        name = USB_SERIAL_BRIDGES.get((port.vid or 0, port.pid or 0))
        if name:
            description = f"{name} serial bridge on {port.device} (not probed)"
            found.append(AttachedDevice(f"zfm://{port.device}", "zfm", description, confirmed=False))
    return found


@dataclass(frozen=True)
class DeviceChanges:
    added: tuple[AttachedDevice, ...]
    removed: tuple[AttachedDevice, ...]


class DeviceWatcher:
    """Poll `discover()` and report what appeared and disappeared since the last poll."""

    def __init__(self, discover_fn: Callable[[], Iterable[AttachedDevice]] = discover) -> None:
        self._discover = discover_fn
        self._known: dict[str, AttachedDevice] = {}

    def poll(self) -> DeviceChanges:
        current = {device.uri: device for device in self._discover()}
        added = tuple(d for uri, d in current.items() if uri not in self._known)
        removed = tuple(d for uri, d in self._known.items() if uri not in current)
        self._known = current
        return DeviceChanges(added, removed)

    async def watch(self, interval_s: float = 1.0) -> AsyncIterator[DeviceChanges]:
        """Async iterator of non-empty changes, polling every `interval_s` seconds in a worker thread."""
        while True:
            changes = await asyncio.to_thread(self.poll)
            if changes.added or changes.removed:
                yield changes
            await asyncio.sleep(interval_s)
