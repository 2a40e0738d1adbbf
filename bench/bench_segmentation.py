"""Segmentation bench: slap segmentation against the simulated scanner's ground-truth finger boxes.

For each simulated person and seed, the right, left and two-thumb slaps are segmented; a finger is a miss when its box
covers less than half of the generator's box for the position it was given (wrong finger, a lower phalanx, a merged
pair), and a slap with the wrong count is reported. Prints the misses and the miss rate; exit 1 when any finger missed.
Environment: SEG_PERSONS (default 20), SEG_SEEDS (default "3,7").
"""

from __future__ import annotations

import os
import time

from drivers.simulated.synthesis import SyntheticPerson
from station.biometrics.image import FingerImage
from station.booking.segmentation import segment_slap


def _covers(box: tuple[int, int, int, int], truth: tuple[int, int, int, int]) -> bool:
    w = min(box[2], truth[2]) - max(box[0], truth[0])
    h = min(box[3], truth[3]) - max(box[1], truth[1])
    return w > 0 and h > 0 and w * h >= 0.5 * (truth[2] - truth[0]) * (truth[3] - truth[1])


def main() -> int:
    persons = int(os.environ.get("SEG_PERSONS", "20"))
    seeds = [int(s) for s in os.environ.get("SEG_SEEDS", "3,7").split(",")]
    fingers = misses = wrong_count = slaps = 0
    start = time.perf_counter()
    for pid in range(1, persons + 1):
        person = SyntheticPerson(pid)
        for seed in seeds:
            for hand in ("right", "left", "thumbs"):
                slap = person.slap(hand, seed=seed)
                seg = segment_slap(FingerImage(slap.image, float(slap.ppi)), hand)
                slaps += 1
                fingers += len(slap.boxes)
                found = {f.position: f.box for f in seg.fingers}
                for position, b in slap.boxes.items():
                    truth = (b.x0, b.y0, b.x1, b.y1)
                    if position not in found or not _covers(found[position], truth):
                        misses += 1
                        print(
                            f"miss: person {pid} seed {seed} {hand} finger {position}: "
                            f"found {found.get(position)}, truth {truth}"
                        )
                if len(seg.fingers) != len(slap.boxes):
                    wrong_count += 1
                    print(f"count: person {pid} seed {seed} {hand}: {len(seg.fingers)} of {len(slap.boxes)}")
    elapsed = time.perf_counter() - start
    print(
        f"{persons} persons x {len(seeds)} seeds: {slaps} slaps, {fingers} fingers, {misses} missed "
        f"({100 * misses / max(fingers, 1):.1f} %), {wrong_count} slaps with a wrong count; "
        f"{elapsed / max(slaps, 1):.2f} s per slap"
    )
    return 1 if misses else 0
