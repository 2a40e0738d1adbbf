"""Scanner errors, split by who has to act: the person at the scanner (retry) or the technician (fault).

libfprint keeps "retry" (the user can fix it: finger moved, too short, centre your finger) apart from "error" (the
device or its link is broken). A booking station needs the same split: a retry becomes a prompt to the officer and
the capture is simply repeated; a fault goes to the diagnostics screen and the driver closes itself.

    StationError                          (station.errors)
    ├── ScanRetry                         the user can fix it; the device is fine and stays open
    │   ├── NoFinger                      nothing touched the platen before the time ran out
    │   ├── FingerMoved                   the finger slid during the capture (smudge)
    │   ├── RolledTooFast                 a roll ended before enough frames were taken
    │   ├── TooLittleContact              partial print: too little of the finger touched the platen
    │   └── FingerNotRemoved              the previous finger is still on the platen
    ├── DeviceError                       (station.errors) a scanner fault: the technician must act
    │   └── DriverFault
    │       ├── DeviceNotFound            nothing answers at the device URI
    │       ├── DeviceRemoved             unplugged (or lost power) while in use
    │       ├── DeviceIOError             the operating system reported an I/O error
    │       ├── DeviceTimeout             the device stopped answering in time
    │       ├── ProtocolError             bytes that break the device's protocol (checksum, framing, codes)
    │       └── UnsupportedDevice         a unit this driver cannot serve (e.g. an encrypting firmware)
    └── InputError                        (station.errors)
        └── InvalidDeviceUri              a device URI that cannot be parsed

Misuse by the calling code is not a StationError (it is a bug, not a condition to show an officer):
`ScannerBusy`, `ScannerNotOpen`, `UnsupportedFeature` subclass RuntimeError; `IllegalTransition` lives in
`drivers.state`.
"""

from __future__ import annotations

from station.errors import DeviceError, InputError, StationError


class ScanRetry(StationError):
    """A capture that failed for a reason the person at the scanner can fix; the scanner stays open."""

    #: A short prompt for the officer or the subject, shown as is.
    prompt = "Try again."

    def __init__(self, message: str | None = None, hint: str | None = None) -> None:
        super().__init__(message or self.prompt, hint)


class NoFinger(ScanRetry):
    prompt = "No finger was detected. Place the finger on the platen."


class FingerMoved(ScanRetry):
    prompt = "The finger moved during the capture. Hold it still and try again."


class RolledTooFast(ScanRetry):
    prompt = "The roll was too fast. Roll the finger slowly from nail edge to nail edge."


class TooLittleContact(ScanRetry):
    prompt = "Too little of the finger touched the platen. Press flat, centred on the platen."


class FingerNotRemoved(ScanRetry):
    prompt = "Lift the finger off the platen, then place it again."


class DriverFault(DeviceError):
    """A scanner fault a technician must look at. After a fault the driver is closed and can be reopened."""

    default_hint = "check the scanner's cable and power, then reopen it; run `station selftest --device URI`"

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint if hint is not None else self.default_hint)


class DeviceNotFound(DriverFault):
    default_hint = "check that the scanner is plugged in and the URI is right; `station devices` lists what is attached"


class DeviceRemoved(DriverFault):
    default_hint = "the scanner was unplugged or lost power: plug it back in; it will be picked up again"


class DeviceIOError(DriverFault):
    default_hint = "the link to the scanner failed: reseat the cable, try another port, then reopen the scanner"


class DeviceTimeout(DriverFault):
    default_hint = "the scanner stopped answering: power-cycle it and check the baud rate/cable"


class ProtocolError(DriverFault):
    default_hint = "the scanner sent bytes that break its protocol: check the baud rate, cable and model"


class UnsupportedDevice(DriverFault):
    default_hint = "this unit is not supported by the driver; use a supported model (see docs/drivers.md)"


class InvalidDeviceUri(InputError):
    """A device URI that cannot be parsed or names an unknown scheme."""


class ScannerBusy(RuntimeError):
    """A second operation was started while one is running on the same scanner (a bug in the caller)."""


class ScannerNotOpen(RuntimeError):
    """An operation that needs an open scanner was called on a closed one (a bug in the caller)."""


class UnsupportedFeature(RuntimeError):
    """The caller asked for something the device does not have (check `DeviceInfo` first)."""
