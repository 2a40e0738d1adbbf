"""The transport traffic log of a scanner: what went over the serial line or the USB bus, for the technician.

A bounded ring of records (time, direction, what, length, the first bytes in hex). Image payloads are never kept:
their records carry only the length, so the log holds no biometric data and can go into a diagnostic bundle.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

TRAFFIC_RECORDS = 500
HEAD_BYTES = 16


@dataclass(frozen=True)
class TrafficRecord:
    at: float
    direction: str  # "tx" host -> device, "rx" device -> host
    what: str
    length: int
    head: str  # hex of the first bytes, "" for image data

    def line(self) -> str:
        stamp = time.strftime("%H:%M:%S", time.gmtime(self.at)) + f".{int(self.at * 100) % 100:02d}"
        head = f"  {self.head}" if self.head else ""
        return f"{stamp} {self.direction} {self.what} ({self.length} B){head}"


class TrafficLog:
    def __init__(self, size: int = TRAFFIC_RECORDS) -> None:
        self._records: deque[TrafficRecord] = deque(maxlen=size)

    def record(
        self,
        direction: str,
        what: str,
        data: bytes | bytearray | None = None,
        *,
        image: bool = False,
        length: int | None = None,
    ) -> None:
        size = length if length is not None else len(data or b"")
        head = "" if image or not data else bytes(data[:HEAD_BYTES]).hex(" ")
        self._records.append(TrafficRecord(time.time(), direction, what, size, head))

    def lines(self, count: int = 100) -> list[str]:
        return [r.line() for r in list(self._records)[-count:]]

    def __len__(self) -> int:
        return len(self._records)
