"""Fault plans for the simulated scanner: which capture goes wrong, and how.

`faults=` in a sim:// URI is a comma-separated list of fault names, each optionally limited to one capture
(counted from 1 since the scanner was created) with `:N`:

    sim://?seed=7&faults=no_finger            every capture times out waiting for a finger
    sim://?seed=7&faults=unplug:2,smudge:3    the 2nd capture loses the device, the 3rd is smudged

| name        | effect                                                                  | seen by the station as      |
|-------------|-------------------------------------------------------------------------|-----------------------------|
| no_finger   | no finger arrives before the finger time-out                            | ScanRetry NoFinger          |
| smudge      | the finger slides while the image is taken: a smeared image             | an image that fails quality |
| moved       | the finger slides and the scanner notices                               | ScanRetry FingerMoved       |
| partial     | only part of the finger touches the platen                              | an image with little area   |
| slow_finger | the finger arrives late (half the finger time-out); a roll takes longer | a slow but good capture     |
| fast_roll   | the roll is over in too few frames                                      | ScanRetry RolledTooFast     |
| unplug      | the cable is pulled after the first preview frames                      | DriverFault DeviceRemoved   |
| dust        | dark spots on the platen (self-test and images)                         | a failing self-test         |
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.errors import InvalidDeviceUri

FAULT_NAMES = frozenset({"no_finger", "smudge", "moved", "partial", "slow_finger", "fast_roll", "unplug", "dust"})


@dataclass(frozen=True)
class FaultPlan:
    always: frozenset[str] = frozenset()
    on_capture: tuple[tuple[int, str], ...] = ()

    def active(self, capture_number: int) -> frozenset[str]:
        """The faults that apply to the capture with this 1-based number."""
        once = {name for number, name in self.on_capture if number == capture_number}
        return self.always | once

    @property
    def dusty(self) -> bool:
        return "dust" in self.always or any(name == "dust" for _n, name in self.on_capture)


def parse_faults(spec: str | None) -> FaultPlan:
    if not spec:
        return FaultPlan()
    always: set[str] = set()
    once: list[tuple[int, str]] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        name, _, number = item.partition(":")
        if name not in FAULT_NAMES:
            raise InvalidDeviceUri(f"unknown simulated fault {name!r}", hint=f"known: {', '.join(sorted(FAULT_NAMES))}")
        if number:
            if not number.isdigit() or int(number) < 1:
                raise InvalidDeviceUri(f"fault {item!r}: the capture number after ':' must be 1 or more")
            once.append((int(number), name))
        else:
            always.add(name)
    return FaultPlan(frozenset(always), tuple(once))
