"""The simulated livescan scanner: a synthetic person's ten fingers, flat, rolled and slap, with faults on demand.

It is the scanner of the demo and of most tests, so it behaves like a livescan device rather than an image server:
the finger lands over a few preview frames, a roll arrives as a frame sequence and is composed at the end, the
platen has a blank frame for the self-test, and faults (see `faults.py`) take the same paths as on hardware.
The fingerprints come from `drivers.simulated.synthesis` (engineer synth), and so do the capture conditions: a
fault asks the generator for a smudged, partial or slow capture (`flat_frames`/`flat_impression`, `slap_frames`,
`rolled_frames` with `smudge=`, `partial=`, `slow=`), previews of flats and slaps are its landing frames and the
self-test reads its `blank_platen`, so ground truth always matches the pixels. The scanner adds only what a device
adds: frame timing, the roll's length check, dust on the glass, and the errors.

URI: `sim://?seed=7&faults=unplug:2&finger_delay=0.1&frame_interval=0.03&finger_timeout=10&replug=0`.
After an `unplug` fault the device is back when it is reopened (`replug=0`), after that many seconds (`replug=5`),
or only when `replug()` is called (`replug=-1`, for tests of a station waiting for its scanner).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from types import MappingProxyType

import cv2
import numpy as np

from drivers.base import CaptureKind, CaptureResult, DeviceInfo, PreviewFrame, SelfTestCheck
from drivers.errors import DeviceNotFound, DeviceRemoved, FingerMoved, NoFinger, RolledTooFast
from drivers.image_scanner import ImageScanner
from drivers.simulated.faults import FaultPlan, parse_faults
from drivers.simulated.synthesis import SyntheticPerson, blank_platen
from drivers.uri import DeviceUri

SIM_PPI = 500.0
SIM_MIN_ROLL_FRAMES = 5  # fewer frames than this in a roll: rolled too fast
DUST_SPOTS_PER_MEGAPIXEL = 200  # 40 spots on a 400 x 500 flat window
SIM_LEDS = ("green", "amber", "red")
SIM_OPTIONS = {"seed", "faults", "finger_delay", "frame_interval", "finger_timeout", "replug"}
SLAP_HANDS = {13: "right", 14: "left", 15: "thumbs"}
PLAIN_THUMBS = {11: 1, 12: 6}


class SimulatedScanner(ImageScanner):
    """A livescan scanner whose subject is `SyntheticPerson(seed)`."""

    def __init__(
        self,
        uri: str = "sim://",
        *,
        seed: int = 1,
        faults: FaultPlan | None = None,
        finger_delay_s: float = 0.05,
        frame_interval_s: float = 0.02,
        finger_timeout_s: float = 10.0,
        replug_s: float = 0.0,
    ) -> None:
        super().__init__(uri, finger_timeout_s=finger_timeout_s)
        self.seed = seed
        self.faults = faults or FaultPlan()
        self.finger_delay_s = finger_delay_s
        self.frame_interval_s = frame_interval_s
        self.replug_s = replug_s
        self.captures_started = 0
        self.leds: dict[str, bool] = dict.fromkeys(SIM_LEDS, False)
        self.beeps: list[int] = []
        self._person: SyntheticPerson | None = None
        self._unplugged_at: float | None = None
        self._active: frozenset[str] = frozenset()

    @classmethod
    def from_uri(cls, uri: DeviceUri) -> SimulatedScanner:
        uri.reject_unknown(SIM_OPTIONS)
        return cls(
            uri.text,
            seed=uri.int_param("seed", 1),
            faults=parse_faults(uri.param("faults")),
            finger_delay_s=uri.float_param("finger_delay", 0.05),
            frame_interval_s=uri.float_param("frame_interval", 0.02),
            finger_timeout_s=uri.float_param("finger_timeout", 10.0),
            replug_s=uri.float_param("replug", 0.0),
        )

    # ------------------------------------------------------------------ plug state

    def unplug(self) -> None:
        """Pull the simulated cable: the running capture fails; see `replug_s` for when it comes back."""
        self._unplugged_at = time.monotonic()

    def replug(self) -> None:
        self._unplugged_at = None

    @property
    def plugged_in(self) -> bool:
        if self._unplugged_at is None:
            return True
        if self.replug_s > 0 and time.monotonic() >= self._unplugged_at + self.replug_s:
            self._unplugged_at = None
            return True
        return False

    # ------------------------------------------------------------------ open / close

    async def _open_device(self) -> DeviceInfo:
        if self.replug_s == 0:
            self.replug()  # replug=0: plugged back in by the time someone reopens it
        if not self.plugged_in:
            raise DeviceNotFound(f"{self.uri}: the simulated scanner is unplugged")
        self._person = person_for_seed(self.seed)
        return replace(SIM_INFO, uri=self.uri, serial=f"SIM-{self.seed:06d}")

    async def _close_device(self) -> None:
        self._person = None
        for led in self.leds:
            self.leds[led] = False

    async def set_led(self, led: str, on: bool) -> None:
        if led not in self.leds:
            await super().set_led(led, on)
        self.leds[led] = on

    async def beep(self, duration_ms: int = 100) -> None:
        self.beeps.append(duration_ms)

    # ------------------------------------------------------------------ capture

    async def _wait_for_finger(self, kind: CaptureKind, position: int) -> None:
        self.captures_started += 1
        self._active = self.faults.active(self.captures_started)
        if "no_finger" in self._active:
            await asyncio.sleep(self.finger_timeout_s)
            raise NoFinger()
        delay = self.finger_timeout_s / 2 if "slow_finger" in self._active else self.finger_delay_s
        await asyncio.sleep(min(delay, self.finger_timeout_s))

    async def _acquire(self, kind: CaptureKind, position: int) -> AsyncIterator[PreviewFrame | CaptureResult]:
        number = self.captures_started
        conditions = {name: True for name in ("smudge", "partial") if name in self._active}
        if "slow_finger" in self._active:
            conditions["slow"] = True
        if kind is CaptureKind.ROLLED:
            assert self._person is not None
            roll = await asyncio.to_thread(self._person.rolled_frames, position, number, **conditions)
            frames = [np.asarray(frame, dtype=np.uint8) for frame in roll.frames]
            if "fast_roll" in self._active:
                frames = [frames[0], frames[len(frames) // 2], frames[-1]]
            for index, frame in enumerate(frames):
                await self._tick(index)
                yield PreviewFrame(frame, SIM_PPI, index)
            if len(frames) < SIM_MIN_ROLL_FRAMES:
                raise RolledTooFast()
            image, count = np.asarray(roll.final, dtype=np.uint8), len(frames)
            extras: dict[str, object] = {"minutiae": tuple(roll.minutiae)}
        else:
            previews, image, extras = await asyncio.to_thread(self._render, kind, position, number, conditions)
            for index, preview in enumerate(previews):
                await self._tick(index)
                yield PreviewFrame(preview, SIM_PPI, index)
            count = len(previews) + 1
        if "moved" in self._active:
            raise FingerMoved()
        if self.faults.dusty:
            image = np.minimum(image, _dust_layer(image.shape, self.seed))
        yield CaptureResult(
            image=image,
            ppi=SIM_PPI,
            kind=kind,
            position=position,
            device_uri=self.uri,
            frames=count,
            extras=MappingProxyType(extras),
        )

    async def _tick(self, index: int) -> None:
        """One frame period; the cable is pulled after the second frame when the plan says so."""
        await asyncio.sleep(self.frame_interval_s)
        if index == 2 and "unplug" in self._active:
            self.unplug()
        if not self.plugged_in:
            raise DeviceRemoved(f"{self.uri}: the simulated scanner was unplugged during the capture")

    def _render(
        self, kind: CaptureKind, position: int, number: int, conditions: dict[str, bool]
    ) -> tuple[list[np.ndarray], np.ndarray, dict[str, object]]:
        """Preview frames, final image and ground truth of a flat or a slap."""
        assert self._person is not None
        if kind is CaptureKind.SLAP:
            slap = self._person.slap_frames(SLAP_HANDS[position], number, **conditions)  # the hand landing
            image = np.asarray(slap.image, dtype=np.uint8)
            return list(slap.frames[:-1]), image, {"boxes": slap.boxes, "minutiae": slap.minutiae}
        finger = PLAIN_THUMBS.get(position, position)
        landing = self._person.flat_landing(finger, number, **conditions)  # the finger landing, before the final
        impression = self._person.flat_impression(finger, number, **conditions)
        return landing, np.asarray(impression.image, dtype=np.uint8), {"minutiae": tuple(impression.minutiae)}

    # ------------------------------------------------------------------ self-test

    async def _device_checks(self) -> list[SelfTestCheck]:
        return [SelfTestCheck("link", self.plugged_in, "simulated scanner answers" if self.plugged_in else "unplugged")]

    async def _blank_frame(self) -> np.ndarray:
        await asyncio.sleep(self.frame_interval_s)
        if not self.plugged_in:
            raise DeviceRemoved(f"{self.uri}: the simulated scanner was unplugged")
        frame = blank_platen(self.seed, size=SIM_INFO.image_size)  # the whole slap platen, as the device reads it
        return np.minimum(frame, _dust_layer(frame.shape, self.seed)) if self.faults.dusty else frame


# ---------------------------------------------------------------------- image staging


@functools.lru_cache(maxsize=4)
def person_for_seed(seed: int) -> SyntheticPerson:
    """Persons are cached so that reopening after a fault does not rebuild ten master prints (seconds each)."""
    return SyntheticPerson(seed)


def _dust_layer(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Dark spots of dust on the glass, as dense on a slap-sized frame as on a flat-sized one."""
    rng = np.random.default_rng(seed + 7919)
    layer = np.full(shape, 255, np.uint8)
    h, w = shape
    for _ in range(max(1, round(DUST_SPOTS_PER_MEGAPIXEL * h * w / 1e6))):
        cy, cx, r = int(rng.integers(0, h)), int(rng.integers(0, w)), int(rng.integers(3, 9))
        cv2.circle(layer, (cx, cy), r, int(rng.integers(40, 110)), -1)
    return layer


SIM_INFO = DeviceInfo(
    uri="sim://",
    driver="simulated",
    vendor="Booking Station project",
    model="Simulated livescan (synthetic subject)",
    firmware="sim-1",
    resolution_ppi=SIM_PPI,
    image_size=(1600, 1500),
    capture_area_mm=(81.3, 76.2),  # 3.2 x 3.0 in: a four-finger slap platen
    capabilities=frozenset({CaptureKind.FLAT, CaptureKind.ROLLED, CaptureKind.SLAP}),
    preview=True,
    leds=SIM_LEDS,
    beeper=True,
    transport="memory",
)
"""What the simulated scanner says about itself (the URI and serial are filled in on open)."""
