"""Walking along skeleton ridges from a minutia: where a ridge leads and in which direction it leaves.

A walk starts at a minutia, steps from pixel to pixel along the skeleton and stops at the next minutia (an ending
or a junction), at a dead end, or after a maximum number of steps. The filter uses where walks stop to recognise
spurs, bridges and short ridges, and the first pixels of each walk to measure a minutia's direction. The skeleton is
held as a flat bytes object with a one-pixel frame, so each step is a handful of integer operations.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from station.biometrics.extraction.skeleton import NEIGHBOUR_OFFSETS


class WalkEnd(enum.Enum):
    ENDING = "ending"  # reached a ridge ending
    JUNCTION = "junction"  # reached a bifurcation (or crossing)
    OPEN = "open"  # walked the maximum number of steps without meeting anything
    LOOP = "loop"  # ran into pixels already walked


@dataclass(frozen=True)
class Walk:
    path: list[tuple[int, int]]  # (y, x) of each step, starting with the minutia's neighbour
    end: WalkEnd
    group: int  # junction group reached (JUNCTION only), else 0


class RidgeWalker:
    def __init__(self, skeleton: np.ndarray, crossing: np.ndarray, junction_groups: np.ndarray) -> None:
        _height, width = skeleton.shape
        self._stride = width + 2
        self._skeleton = np.pad(skeleton.astype(np.uint8), 1).tobytes()
        self._crossing = np.pad(np.minimum(crossing, 255).astype(np.uint8), 1).tobytes()
        self._groups = np.pad(junction_groups, 1).ravel()
        self._offsets = [dy * self._stride + dx for dy, dx in NEIGHBOUR_OFFSETS]

    def branches(self, y: int, x: int) -> list[int]:
        """First pixel (flat index) of each ridge leaving (y, x): one per run of set pixels round its ring."""
        centre = self._flat(y, x)
        ring = [self._skeleton[centre + o] for o in self._offsets]
        starts: list[int] = []
        for i in range(8):
            if ring[i] and not ring[i - 1]:  # a run begins at i
                run = [i]
                while ring[(run[-1] + 1) % 8] and len(run) < 8:
                    run.append((run[-1] + 1) % 8)
                best = next((j for j in run if j % 2 == 0), run[0])  # prefer the 4-neighbour
                starts.append(centre + self._offsets[best])
        if not starts and any(ring):  # the whole ring is set: a blob, not a ridge
            starts.append(centre + self._offsets[ring.index(1)])
        return starts

    def walk(self, y: int, x: int, first: int, max_steps: int, own_group: int = 0) -> Walk:
        """Walk from minutia (y, x) along the ridge that starts at flat index `first`; pixels of the minutia's own
        junction group (`own_group`) are walked through, not taken for another junction."""
        skeleton, crossing, offsets, stride, groups = (
            self._skeleton,
            self._crossing,
            self._offsets,
            self._stride,
            self._groups,
        )
        centre = self._flat(y, x)
        visited = {centre, *(centre + o for o in offsets if skeleton[centre + o])}
        current = first
        steps = [current]  # flat indices, turned into (y, x) once at the end
        while True:
            here = crossing[current]
            if here >= 3 and groups[current] != own_group:
                return self._walk(steps, WalkEnd.JUNCTION, int(groups[current]))
            if here == 1:
                return self._walk(steps, WalkEnd.ENDING, 0)
            if len(steps) >= max_steps:
                return self._walk(steps, WalkEnd.OPEN, 0)
            visited.add(current)
            options = [current + o for o in offsets if skeleton[current + o] and current + o not in visited]
            if not options:
                return self._walk(steps, WalkEnd.LOOP, 0)
            if len(options) == 1:  # the common case on a ridge: one way on
                nxt = options[0]
            else:
                nxt = -1
                for n in options:  # a junction pixel first, else a 4-neighbour, else the first in ring order
                    if crossing[n] >= 3:
                        nxt = n
                        break
                if nxt < 0:
                    straight = [n for n in options if abs(n - current) in (1, stride)]
                    nxt = straight[0] if straight else options[0]
                visited.update(options)
            visited.add(nxt)
            current = nxt
            steps.append(current)

    def _walk(self, steps: list[int], end: WalkEnd, group: int) -> Walk:
        """A Walk with its flat indices turned into (y, x) of the unframed skeleton."""
        stride = self._stride
        return Walk([(i // stride - 1, i % stride - 1) for i in steps], end, group)

    def _flat(self, y: int, x: int) -> int:
        return (y + 1) * self._stride + (x + 1)
