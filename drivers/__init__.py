"""Scanner drivers behind one async interface: simulated, replay, serial (UART modules) and USB (U.are.U),
plus device emulators that technicians, the demo and the tests use in place of hardware.

The public surface is below; everything else (protocol codecs, links, emulators) is reached by module path.
"""

from drivers.base import (
    BlankFrameStats,
    CaptureEvent,
    CaptureFailed,
    CaptureKind,
    CaptureResult,
    DeviceInfo,
    PreviewFrame,
    Scanner,
    SelfTestCheck,
    SelfTestReport,
    StatusChanged,
    capture_image,
)
from drivers.errors import DriverFault, ScanRetry
from drivers.registry import AttachedDevice, DeviceWatcher, discover, make_scanner, open_scanner
from drivers.state import DeviceState

__all__ = [
    "AttachedDevice",
    "BlankFrameStats",
    "CaptureEvent",
    "CaptureFailed",
    "CaptureKind",
    "CaptureResult",
    "DeviceInfo",
    "DeviceState",
    "DeviceWatcher",
    "DriverFault",
    "PreviewFrame",
    "ScanRetry",
    "Scanner",
    "SelfTestCheck",
    "SelfTestReport",
    "StatusChanged",
    "capture_image",
    "discover",
    "make_scanner",
    "open_scanner",
]
