"""The replay scanner: recorded impressions served in capture order through the scanner interface.

For integration with real data (the demo, the booking workflow's tests) and for technicians reproducing a field
problem from the images a station kept. Asked for a kind and finger position, it serves the first unserved image
labelled with them; otherwise the next unserved image in order. When all are served it starts over (`loop=1`, the
default) or reports no finger (`loop=0`), like a scanner nobody touches.

URI: `replay:///path/to/folder-or-file?ppi=500&loop=1&finger_delay=0`
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np

from drivers.base import CaptureKind, CaptureResult, DeviceInfo, PreviewFrame, SelfTestCheck
from drivers.errors import DeviceNotFound, NoFinger
from drivers.image_scanner import ImageScanner
from drivers.replay.source import RecordedImpression, Recording, load_recording_isolated
from drivers.uri import DeviceUri

REPLAY_OPTIONS = {"ppi", "loop", "finger_delay"}


class ReplayScanner(ImageScanner):
    def __init__(self, uri: str, path: Path, *, ppi: float = 500.0, loop: bool = True, finger_delay_s: float = 0.0):
        super().__init__(uri, finger_timeout_s=0.0)
        self.path = path
        self.default_ppi = ppi
        self.loop = loop
        self.finger_delay_s = finger_delay_s
        self._recording: Recording | None = None
        self._served: set[int] = set()
        self._next: RecordedImpression | None = None

    @classmethod
    def from_uri(cls, uri: DeviceUri) -> ReplayScanner:
        uri.reject_unknown(REPLAY_OPTIONS)
        if not uri.location:
            raise DeviceNotFound(f"{uri.text}: no path", hint="replay:///absolute/path/to/folder-or-file")
        return cls(
            uri.text,
            Path(uri.location),
            ppi=uri.float_param("ppi", 500.0),
            loop=uri.int_param("loop", 1) != 0,
            finger_delay_s=uri.float_param("finger_delay", 0.0),
        )

    async def _open_device(self) -> DeviceInfo:
        self._recording = await asyncio.to_thread(load_recording_isolated, self.path, self.default_ppi)
        self._served.clear()
        first = self._recording.impressions[0]
        kinds = {imp.kind for imp in self._recording.impressions if imp.kind is not None}
        return DeviceInfo(
            uri=self.uri,
            driver="replay",
            vendor="Booking Station project",
            model="Replay of recorded impressions",
            serial=self.path.name,
            resolution_ppi=first.ppi,
            image_size=(first.image.shape[1], first.image.shape[0]),
            capabilities=frozenset(kinds) if kinds else frozenset(CaptureKind),
            transport=f"file {self.path}",
        )

    async def _close_device(self) -> None:
        self._recording = None

    async def _wait_for_finger(self, kind: CaptureKind, position: int) -> None:
        self._next = self._pick(kind, position)
        if self._next is None:
            raise NoFinger(f"all {len(self._served)} recorded impressions have been served")
        await asyncio.sleep(self.finger_delay_s)

    async def _acquire(self, kind: CaptureKind, position: int) -> AsyncIterator[PreviewFrame | CaptureResult]:
        impression = self._next
        assert impression is not None  # set by _wait_for_finger
        yield CaptureResult(
            image=impression.image.copy(),
            ppi=impression.ppi,
            kind=kind,
            position=position,
            device_uri=self.uri,
            extras={"source": impression.name},
        )

    def _pick(self, kind: CaptureKind, position: int) -> RecordedImpression | None:
        assert self._recording is not None
        impressions = self._recording.impressions
        if len(self._served) == len(impressions) and self.loop:
            self._served.clear()
        unserved = [i for i in range(len(impressions)) if i not in self._served]
        labelled = [i for i in unserved if impressions[i].kind is kind and impressions[i].position == position]
        choice = (labelled or [i for i in unserved if impressions[i].kind in (None, kind)] or [None])[0]
        if choice is None:
            return None
        self._served.add(choice)
        return impressions[choice]

    async def _device_checks(self) -> list[SelfTestCheck]:
        assert self._recording is not None
        count = len(self._recording.impressions)
        return [SelfTestCheck("recording", count > 0, f"{count} impressions readable in {self.path}")]

    async def _blank_frame(self) -> np.ndarray | None:
        return None if self._recording is None else self._recording.blank
