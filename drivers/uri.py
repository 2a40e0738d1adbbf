"""Device URIs: one string that names any scanner in a config file or on the command line.

    sim://?seed=7&faults=unplug:2          simulated scanner (a synthetic person), optional faults
    replay:///srv/cases/0042               images from a folder, or from an ANSI/NIST file, in capture order
    zfm:///dev/ttyUSB0?baud=57600          UART module (ZFM-20 / R30x / AS608) on a serial port
    uru4000://                             the first U.are.U 4000/4000B/4500 on USB
    uru4000://1:7                          the one at USB bus 1, address 7 (`station devices` lists them)

Query parameters are driver options; unknown ones are rejected by the driver so that typos do not pass silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

from drivers.errors import InvalidDeviceUri

SCHEMES = ("sim", "replay", "zfm", "uru4000")
N = TypeVar("N", int, float)


@dataclass(frozen=True)
class DeviceUri:
    scheme: str
    location: str  # host part ("1:7") or path ("/dev/ttyUSB0"), whichever the scheme uses
    params: dict[str, str] = field(default_factory=dict)
    text: str = ""

    def param(self, name: str, default: str | None = None) -> str | None:
        return self.params.get(name, default)

    def int_param(self, name: str, default: int) -> int:
        return self._number_param(name, default, lambda text: int(text, 0), "a whole number")

    def float_param(self, name: str, default: float) -> float:
        return self._number_param(name, default, float, "a number")

    def _number_param(self, name: str, default: N, parse: Callable[[str], N], what: str) -> N:
        value = self.params.get(name)
        if value is None:
            return default
        try:
            return parse(value)
        except ValueError:
            raise InvalidDeviceUri(f"{self.text}: {name}={value!r} is not {what}") from None

    def reject_unknown(self, known: set[str]) -> None:
        unknown = sorted(set(self.params) - known)
        if unknown:
            raise InvalidDeviceUri(
                f"{self.text}: unknown option(s) {', '.join(unknown)}",
                hint=f"{self.scheme}:// accepts {', '.join(sorted(known)) or 'no options'}",
            )


def parse_device_uri(text: str) -> DeviceUri:
    """Split a device URI into scheme, location and options; raise InvalidDeviceUri with a usable hint."""
    parts = urlsplit(text.strip())
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise InvalidDeviceUri(
            f"{text!r} is not a device URI",
            hint="use sim://?seed=N, replay:///path, zfm:///dev/ttyUSB0?baud=57600 or uru4000://[bus:address]",
        )
    params: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in params:
            raise InvalidDeviceUri(f"{text}: option {key} given twice")
        params[key] = value
    location = unquote(parts.path) if parts.path else unquote(parts.netloc)
    if parts.netloc and parts.path:
        raise InvalidDeviceUri(f"{text}: use three slashes before a path ({scheme}:///path)")
    return DeviceUri(scheme=scheme, location=location, params=params, text=text)
