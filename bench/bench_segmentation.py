"""Segmentation bench: every real slap of the shared data swept over rotation x noise x contrast x size, the NIST
card's check under each condition class, and the simulated scanner's slaps against their ground-truth boxes.

Real slaps (`bench.slap_sweep`): a finger is right when the segment given its position covers the centre of its
marked fingertip and is centred on it; a slap has a wrong count when the segmentation does not report exactly its
fingers (a missing finger or an extra blob). Printed per condition and per level of each axis; goal >= 99.5 % of
fingers right and no wrong count under every condition. The card's `tenprint check` (core matcher, no NFIQ 2) is
run with its four slap records presented under each condition of a smaller grid: it must pass under each.

Simulated: for each simulated person and seed, the right, left and two-thumb slaps against the generator's boxes (a
miss: the box covers less than half of the generator's).

Environment: SEG_ROTATIONS (default "-30,-15,0,15,30"), SEG_NOISE ("0,6,12"), SEG_CONTRAST ("normal,light,heavy"),
SEG_SIZES ("0.85,1,1.2,2x": hand size at the same resolution; "2x" = resampled to twice the ppi),
SEG_CARD (default 1: run the card checks), SEG_PERSONS (default 10), SEG_SEEDS (default "3,7").
Exit 1 when the goal is missed anywhere.
"""

from __future__ import annotations

import itertools
import os
import time
from collections import defaultdict

from bench.shared_images import data_dir
from bench.slap_sweep import Condition, real_slaps, score, transform
from station.biometrics.image import FingerImage
from station.booking.segmentation import segment_slap

GOAL = 0.995


def _floats(name: str, default: str) -> list[float]:
    return [float(v) for v in os.environ.get(name, default).split(",") if v]


def conditions() -> list[Condition]:
    sizes = []
    for v in os.environ.get("SEG_SIZES", "0.85,1,1.2,2x").split(","):
        sizes.append((1.0, float(v[:-1])) if v.endswith("x") else (float(v), 1.0))
    grid = itertools.product(
        _floats("SEG_ROTATIONS", "-30,-15,0,15,30"),
        _floats("SEG_NOISE", "0,6,12"),
        os.environ.get("SEG_CONTRAST", "normal,light,heavy").split(","),
        sizes,
    )
    out = [Condition(r, n, c, s, p) for r, n, c, (s, p) in grid]
    out += [Condition(r, 6.0, "normal", keep_frame=True) for r in (-8.0, 8.0)]  # corners cut off by the frame
    return out


def sweep_real() -> bool:
    slaps = list(real_slaps(data_dir()))
    per_axis: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0]))
    failures: list[str] = []
    worst = (1.0, "")
    fingers_all = right_all = wrong_all = runs = 0
    start = time.perf_counter()
    grid = conditions()
    print(f"real slaps: {len(slaps)} slaps, {sum(len(s.tips) for s in slaps)} fingers, {len(grid)} conditions")
    for c in grid:
        fingers = right = wrong = 0
        for slap in slaps:
            image, affine = transform(slap.image, c)
            seg = segment_slap(image, slap.hand)
            got = score(seg, slap.tips, affine)
            fingers += len(got)
            right += sum(got.values())
            bad_count = not seg.count_ok or len(seg.fingers) != len(slap.tips)
            wrong += bad_count
            if bad_count or not all(got.values()):
                failures.append(
                    f"  {c.name}: {slap.label}: found {[f.position for f in seg.fingers]}, "
                    f"wrong {sorted(p for p, ok in got.items() if not ok)}, missing {list(seg.missing)}, "
                    f"extra {seg.extra_blobs}"
                )
        runs += len(slaps)
        print(
            f"  {c.name:42} fingers right {right:3}/{fingers} = {100 * right / fingers:6.2f} %   wrong counts {wrong}"
        )
        fingers_all, right_all, wrong_all = fingers_all + fingers, right_all + right, wrong_all + wrong
        worst = min(worst, (right / fingers, c.name))
        axes = {
            "rotation": f"{c.rotation:+.0f} deg" + (" (frame kept)" if c.keep_frame else ""),
            "noise": f"sigma {c.noise:.0f}",
            "contrast": c.contrast,
            "size": f"{c.scale:.2f}" if c.ppi_factor == 1 else f"{c.ppi_factor:g}x ppi",
        }
        for axis, level in axes.items():
            tally = per_axis[axis][level]
            tally[0] += fingers
            tally[1] += right
            tally[2] += wrong
            tally[3] += len(slaps)
    elapsed = time.perf_counter() - start
    for axis, levels in per_axis.items():
        print(f"  by {axis}:")
        for level, (f, r, w, s) in levels.items():
            print(f"    {level:22} fingers right {r}/{f} = {100 * r / f:6.2f} %   wrong counts {w}/{s}")
    for line in failures[:40]:
        print(line)
    if len(failures) > 40:
        print(f"  ... and {len(failures) - 40} more")
    ok = right_all / max(fingers_all, 1) >= GOAL and worst[0] >= GOAL and wrong_all == 0
    print(
        f"real slaps overall: fingers right {right_all}/{fingers_all} = {100 * right_all / fingers_all:.2f} %, "
        f"worst condition {100 * worst[0]:.1f} % ({worst[1]}), wrong counts {wrong_all}/{runs}; "
        f"goal >= {100 * GOAL:.1f} % per condition, no wrong count: {'PASS' if ok else 'FAIL'}; "
        f"{elapsed / max(runs, 1):.2f} s per slap"
    )
    return ok


def card_checks() -> bool:
    """The NIST card's tenprint check with its slap records under each condition class (a hand size or resolution
    applies to the rolled records too: they are the same hand on the same scanner)."""
    from station.booking.sequence import core_comparator
    from station.booking.tenprint import load_tenprint, run_check

    data = (data_dir() / "nist_tenprint_eft" / "nist-type-14-tpcard.eft").read_bytes()
    grid = [Condition()]
    grid += [Condition(r, 6.0) for r in (-30.0, -15.0, 15.0, 30.0)]
    grid += [Condition(8.0, 6.0, keep_frame=True), Condition(-8.0, 6.0, keep_frame=True)]
    grid += [Condition(0.0, 12.0), Condition(0.0, 0.0, "light"), Condition(0.0, 0.0, "heavy")]
    grid += [Condition(10.0, 6.0, "normal", 0.85), Condition(-10.0, 6.0, "normal", 1.2)]
    grid += [Condition(10.0, 6.0, "light", 1.0, 2.0)]
    comparator = core_comparator()
    passed = 0
    for c in grid:
        check = load_tenprint(data, parallel=False)
        check.flats = {fgp: transform(image, c)[0] for fgp, image in check.flats.items()}
        if c.scale != 1.0 or c.ppi_factor != 1.0:  # one hand, one scanner: the rolled prints are as large
            whole = Condition(scale=c.scale, ppi_factor=c.ppi_factor)
            check.rolled = {p: transform(image, whole)[0] for p, image in check.rolled.items()}
        run_check(check, comparator, count_minutiae=False, parallel=False, quality=False)
        passed += check.ok
        flagged = check.report.flagged if check.report else ()
        verdict = "ok" if check.ok else f"FAIL flagged {list(flagged)}; {'; '.join(check.problems) or ''}"
        print(f"  card check, slaps at {c.name}: {verdict}")
    print(f"card check passes under {passed}/{len(grid)} conditions: {'PASS' if passed == len(grid) else 'FAIL'}")
    return passed == len(grid)


def _covers(box: tuple[int, int, int, int], truth: tuple[int, int, int, int]) -> bool:
    w = min(box[2], truth[2]) - max(box[0], truth[0])
    h = min(box[3], truth[3]) - max(box[1], truth[1])
    return w > 0 and h > 0 and w * h >= 0.5 * (truth[2] - truth[0]) * (truth[3] - truth[1])


def sweep_simulated() -> bool:
    from drivers.simulated.synthesis import SyntheticPerson

    persons = int(os.environ.get("SEG_PERSONS", "10"))
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
                        print(f"  miss: person {pid} seed {seed} {hand} finger {position}: {found.get(position)}")
                if len(seg.fingers) != len(slap.boxes):
                    wrong_count += 1
                    print(f"  count: person {pid} seed {seed} {hand}: {len(seg.fingers)} of {len(slap.boxes)}")
    elapsed = time.perf_counter() - start
    print(
        f"simulated: {persons} persons x {len(seeds)} seeds: {slaps} slaps, {fingers} fingers, {misses} missed "
        f"({100 * misses / max(fingers, 1):.1f} %), {wrong_count} slaps with a wrong count; "
        f"{elapsed / max(slaps, 1):.2f} s per slap"
    )
    return misses == 0 and wrong_count == 0


def main() -> int:
    ok = sweep_real()
    if os.environ.get("SEG_CARD", "1") != "0":
        ok = card_checks() and ok
    if int(os.environ.get("SEG_PERSONS", "10")) > 0:
        ok = sweep_simulated() and ok
    return 0 if ok else 1
