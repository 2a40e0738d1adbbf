"""True minutiae from skeleton candidates: false ones removed, directions measured along the ridges.

Thinning turns every flaw of the ridge map into a minutia, so most candidates are false. Each candidate's ridges are
walked (ridge_tracing) and the classic structures are recognised (Maltoni et al., Handbook, sec. 3.8; MINDTCT's
removal steps, algorithms.md 4.1):
- spur: an ending joined to a bifurcation by a short ridge (both go);
- fragment: a short ridge with an ending at each end (both go);
- bridge or lake: two bifurcations joined by a short ridge (both go);
- break: two endings close together, facing each other along the ridge flow (both go);
- cluster: any two survivors too close together to both be real (both go);
- border: outside the inner mask, where ridges are cut by the edge of the print, or an ending whose ridge,
  continued, leaves the print soon after (the edge cut it; a wider margin in the one direction that matters).
Directions follow ISO/IEC 19794-2 (features.py): an ending points up its ridge, a bifurcation away from its stem
into the valley between its branches. The traced direction picks the sense; the smoothed orientation field, when
it agrees, gives the precise angle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from station.biometrics.extraction import parameters as p
from station.biometrics.extraction.minutiae_detection import Candidates
from station.biometrics.extraction.ridge_tracing import RidgeWalker, Walk, WalkEnd
from station.biometrics.features import MinutiaKind


@dataclass(frozen=True)
class RawMinutia:
    x: int
    y: int
    angle: float  # radians, features.py convention
    kind: MinutiaKind


def select(
    candidates: Candidates, skeleton: np.ndarray, ridge_angle: np.ndarray, mask: np.ndarray, inner: np.ndarray
) -> list[RawMinutia]:
    walker = RidgeWalker(skeleton, candidates.crossing, candidates.junction_groups)
    by_group = {int(g): i for i, g in enumerate(candidates.group_of_candidate) if g}
    removed: set[int] = set()
    kept: list[tuple[int, float]] = []  # (candidate index, traced angle)
    for index in range(len(candidates.ys)):
        y, x = int(candidates.ys[index]), int(candidates.xs[index])
        group = int(candidates.group_of_candidate[index])
        walks = [walker.walk(y, x, first, p.TRACE_MAX_STEPS, own_group=group) for first in walker.branches(y, x)]
        partners = _false_partners(candidates.kinds[index], walks, by_group)
        if partners is not None:
            removed.add(index)
            removed.update(partners)
            continue
        angle = _traced_angle(y, x, candidates.kinds[index], walks)
        if angle is not None:
            kept.append((index, angle))
    survivors = []
    for index, traced in kept:
        y, x = int(candidates.ys[index]), int(candidates.xs[index])
        if index in removed or not inner[y, x]:
            continue
        angle = _settle_angle(traced, float(ridge_angle[y, x]))
        if candidates.kinds[index] == MinutiaKind.ENDING and _cut_by_border(x, y, angle, mask):
            continue
        survivors.append(RawMinutia(x=x, y=y, angle=angle, kind=MinutiaKind(int(candidates.kinds[index]))))
    survivors = _remove_breaks(survivors)
    return _remove_clusters(survivors)


def _false_partners(kind: int, walks: list[Walk], by_group: dict[int, int]) -> set[int] | None:
    """Indices of the other candidates that make this one false (possibly none), or None if it looks real."""
    partners: set[int] = set()
    false = False
    for walk in walks:
        length = len(walk.path)
        if walk.end is WalkEnd.JUNCTION:
            limit = p.FILTER_SPUR_LENGTH_PX if kind == MinutiaKind.ENDING else p.FILTER_BRIDGE_LENGTH_PX
            if length < limit:
                false = True
                if walk.group in by_group:
                    partners.add(by_group[walk.group])
        elif walk.end is WalkEnd.ENDING:
            limit = p.FILTER_SHORT_RIDGE_LENGTH_PX if kind == MinutiaKind.ENDING else p.FILTER_SPUR_LENGTH_PX
            if length < limit:
                false = True  # the ending at the other end finds this one by its own walk
        elif walk.end is WalkEnd.LOOP and length < p.FILTER_BRIDGE_LENGTH_PX:
            false = True
    return partners if false else None


def _direction(y: int, x: int, walk: Walk) -> tuple[float, float]:
    """Unit vector (dx, dy in image axes) from the minutia to the walk's point at the direction distance."""
    ty, tx = walk.path[min(p.TRACE_DIRECTION_STEPS, len(walk.path)) - 1]
    dx, dy = tx - x, ty - y
    norm = math.hypot(dx, dy) or 1.0
    return dx / norm, dy / norm


def _traced_angle(y: int, x: int, kind: int, walks: list[Walk]) -> float | None:
    if kind == MinutiaKind.ENDING:
        if len(walks) != 1:
            return None
        dx, dy = _direction(y, x, walks[0])
    else:
        if len(walks) != 3:
            return None
        vectors = [_direction(y, x, w) for w in walks]
        # The two branches closest in direction are the fork; the third is the stem.
        pairs = [(0, 1, 2), (0, 2, 1), (1, 2, 0)]
        a, b, stem = max(pairs, key=lambda t: vectors[t[0]][0] * vectors[t[1]][0] + vectors[t[0]][1] * vectors[t[1]][1])
        dx = vectors[a][0] + vectors[b][0] - vectors[stem][0]
        dy = vectors[a][1] + vectors[b][1] - vectors[stem][1]
    return math.atan2(-dy, dx) % (2 * math.pi)


def _settle_angle(traced: float, ridge_angle: float) -> float:
    """The field's ridge angle in the traced sense when the two agree, else the traced angle."""
    for candidate in (ridge_angle, ridge_angle + math.pi):
        difference = abs((candidate - traced + math.pi) % (2 * math.pi) - math.pi)
        if difference <= p.DIRECTION_FIELD_AGREEMENT_RAD:
            return candidate % (2 * math.pi)
    return traced


def _cut_by_border(x: int, y: int, angle: float, mask: np.ndarray) -> bool:
    """True when the ridge of this ending, continued beyond it, leaves the print within the look-ahead distance:
    the print's edge (or the sensor's) cut the ridge, it did not end."""
    height, width = mask.shape
    dx, dy = -math.cos(angle), math.sin(angle)  # away from the ridge body, in image axes
    step = p.FILTER_BORDER_LOOKAHEAD_PX / 4
    for k in range(1, 5):
        px, py = round(x + k * step * dx), round(y + k * step * dy)
        if not (0 <= px < width and 0 <= py < height) or not mask[py, px]:
            return True
    return False


def _angle_between(a: float, b: float) -> float:
    return abs((a - b + math.pi) % (2 * math.pi) - math.pi)


def _remove_breaks(minutiae: list[RawMinutia]) -> list[RawMinutia]:
    endings = [i for i, m in enumerate(minutiae) if m.kind == MinutiaKind.ENDING]
    gone: set[int] = set()
    tolerance = p.FILTER_BREAK_ANGLE_TOLERANCE_RAD
    for n, i in enumerate(endings):
        a = minutiae[i]
        for j in endings[n + 1 :]:
            b = minutiae[j]
            distance = math.hypot(b.x - a.x, b.y - a.y)
            if distance > p.FILTER_BREAK_DISTANCE_PX or distance == 0:
                continue
            if _angle_between(a.angle, b.angle + math.pi) > tolerance:
                continue
            # a points up its own ridge, away from the gap: the gap lies at a.angle + pi from a.
            towards_b = math.atan2(-(b.y - a.y), b.x - a.x)
            if _angle_between(towards_b, a.angle + math.pi) <= tolerance:
                gone.update((i, j))
    return [m for i, m in enumerate(minutiae) if i not in gone]


def _remove_clusters(minutiae: list[RawMinutia]) -> list[RawMinutia]:
    if len(minutiae) < 2:
        return minutiae
    xy = np.array([(m.x, m.y) for m in minutiae], dtype=np.float32)
    distance = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    np.fill_diagonal(distance, np.inf)
    crowded = (distance < p.FILTER_CLUSTER_DISTANCE_PX).any(axis=1)
    return [m for m, bad in zip(minutiae, crowded, strict=True) if not bad]
