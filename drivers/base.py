"""The one async interface every scanner presents: `Scanner`, what it says about itself, and what a capture yields.

The rest of the station (booking workflow, daemon, CLI) sees only this module. A capture is an async iterator of
events so that a UI can show live preview frames and prompts, and the final image arrives the same way:

    async with await open_scanner("sim://?seed=7") as scanner:           # drivers.registry
        async for event in scanner.capture(CaptureKind.FLAT, position=2):
            match event:
                case PreviewFrame():   show(event.image)
                case CaptureResult():  keep(event.image, event.ppi)
                case CaptureFailed():  prompt(event.error)  # ScanRetry: ask again; DriverFault: call a technician

A capture always ends with exactly one `CaptureResult` or `CaptureFailed`. A fault never raises out of `capture()`:
the driver reports it as `CaptureFailed(fault)`, closes itself (state CLOSED) and can be reopened. The shared flow
lives in `drivers.image_scanner.ImageScanner`; this module holds only the contract.
"""

from __future__ import annotations

import abc
import contextlib
import enum
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Self

import numpy as np

from drivers.errors import DriverFault, ScanRetry, UnsupportedFeature
from drivers.state import DeviceState


class CaptureKind(enum.Enum):
    FLAT = "flat"  # one plain (flat) finger
    ROLLED = "rolled"  # one finger rolled nail to nail, delivered as a frame sequence
    SLAP = "slap"  # four fingers of one hand, or both thumbs, in one image


# ANSI/NIST-ITL finger positions (FGP): 1-10 fingers (1 right thumb .. 10 left little), 11/12 plain thumbs,
# 13 right four fingers, 14 left four fingers, 15 both thumbs.
FINGER_POSITIONS = range(1, 11)
SLAP_POSITIONS = (13, 14, 15)


def check_position(kind: CaptureKind, position: int) -> None:
    """Raise ValueError if `position` is not a finger position that `kind` can capture."""
    allowed = SLAP_POSITIONS if kind is CaptureKind.SLAP else (*FINGER_POSITIONS, 11, 12)
    if position not in allowed:
        raise ValueError(f"position {position} is not valid for a {kind.value} capture (allowed: {list(allowed)})")


@dataclass(frozen=True)
class DeviceInfo:
    """What a scanner is and what it can do; filled in when the scanner is opened."""

    uri: str
    driver: str  # "simulated", "replay", "zfm", "uru4000"
    vendor: str
    model: str
    serial: str = ""
    firmware: str = ""
    resolution_ppi: float = 500.0
    image_size: tuple[int, int] = (0, 0)  # width, height in pixels of a final image
    capture_area_mm: tuple[float, float] = (0.0, 0.0)  # width, height of the platen
    capabilities: frozenset[CaptureKind] = frozenset({CaptureKind.FLAT})
    preview: bool = False  # live preview frames during a capture
    leds: tuple[str, ...] = ()  # names accepted by Scanner.set_led
    beeper: bool = False
    transport: str = ""  # "usb 1:7", "serial /dev/ttyUSB0 57600", "file", "memory"

    def supports(self, kind: CaptureKind) -> bool:
        return kind in self.capabilities


def platen_mm(image_size: tuple[int, int], ppi: float) -> tuple[float, float]:
    """The capture area (width, height in mm) that an image of `image_size` pixels covers at `ppi`."""
    return round(image_size[0] / ppi * 25.4, 1), round(image_size[1] / ppi * 25.4, 1)


@dataclass(frozen=True, eq=False)
class PreviewFrame:
    """A live frame during a capture (a rolled sequence is delivered as these)."""

    image: np.ndarray  # uint8, H x W, dark ridges on a light background
    ppi: float
    index: int
    finger_present: bool = True


@dataclass(frozen=True)
class StatusChanged:
    """The device moved to another state during a capture (e.g. AWAITING_FINGER: show "place finger")."""

    state: DeviceState


@dataclass(frozen=True, eq=False)
class CaptureResult:
    """The final image of a capture: 8-bit grey, dark ridges on a light background, with its resolution."""

    image: np.ndarray
    ppi: float
    kind: CaptureKind
    position: int
    device_uri: str
    frames: int = 1  # how many frames went into it (a rolled print: the whole sequence)
    captured_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    extras: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class CaptureFailed:
    """The capture ended without an image: a retry (ask the person again) or a fault (the driver is now closed)."""

    error: ScanRetry | DriverFault

    @property
    def is_fault(self) -> bool:
        return isinstance(self.error, DriverFault)


CaptureEvent = PreviewFrame | StatusChanged | CaptureResult | CaptureFailed


@dataclass(frozen=True)
class SelfTestCheck:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class BlankFrameStats:
    """What a frame of the empty platen says about the optics: brightness, evenness, dust and latent prints."""

    mean: float  # 0-255; a clean lit platen is bright
    uniformity: float  # 1 - (spread of block means / mean): 1.0 = perfectly even
    spots: int  # dark blobs (dust, scratches, latent prints)
    spot_area_fraction: float  # share of the platen they cover


@dataclass(frozen=True)
class SelfTestReport:
    uri: str
    checks: tuple[SelfTestCheck, ...]
    blank: BlankFrameStats | None = None

    @property
    def passed(self) -> bool:
        return all(check.ok for check in self.checks)


class Scanner(abc.ABC):
    """A fingerprint scanner. One operation at a time; all methods are coroutines except `capture`."""

    uri: str

    @property
    @abc.abstractmethod
    def state(self) -> DeviceState: ...

    @property
    @abc.abstractmethod
    def info(self) -> DeviceInfo:
        """Device information; raises ScannerNotOpen before the first successful open."""

    @abc.abstractmethod
    def subscribe(self, listener: Callable[[DeviceState, DeviceState], None]) -> Callable[[], None]:
        """Call `listener(previous, new)` on every state change; returns a function that unsubscribes."""

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect and initialise; raises a DriverFault (e.g. DeviceNotFound) if it cannot."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the device. Safe to call in any state, twice, and after a fault."""

    @abc.abstractmethod
    def capture(self, kind: CaptureKind, position: int) -> AsyncIterator[CaptureEvent]:
        """Yield status and preview events, then exactly one CaptureResult or CaptureFailed."""

    @abc.abstractmethod
    async def self_test(self) -> SelfTestReport:
        """Run the device's diagnostics (link, parameters, blank-platen frame where the device can take one)."""

    async def set_led(self, led: str, on: bool) -> None:
        raise UnsupportedFeature(f"{self.uri} has no controllable LED {led!r}")

    async def beep(self, duration_ms: int = 100) -> None:
        raise UnsupportedFeature(f"{self.uri} has no beeper")

    async def __aenter__(self) -> Self:
        if self.state is DeviceState.CLOSED:
            await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


async def capture_image(scanner: Scanner, kind: CaptureKind, position: int) -> CaptureResult:
    """Run one capture and return its final image, raising the ScanRetry or DriverFault it ended with."""
    result: CaptureResult | None = None
    async with contextlib.aclosing(scanner.capture(kind, position)) as events:
        async for event in events:
            if isinstance(event, CaptureFailed):
                raise event.error
            if isinstance(event, CaptureResult):
                result = event
    if result is None:
        raise DriverFault(f"{scanner.uri}: the capture ended without an image or an error")
    return result
