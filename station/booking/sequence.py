"""Sequence check: does each rolled print come from the finger its box says, judged against the slaps?

Every rolled print is compared with every flat finger cut from the slaps (and with every other rolled print), with
the biometric core's matcher. A rolled print agrees when it matches the flat segment of its own position. When it
does not, the pattern of the best matches names the classic desk errors:

- two fingers swapped: rolled i matches segment j and rolled j matches segment i;
- hands swapped: the rolled prints of one hand match the slap of the other hand, finger for finger;
- shifted by one: a run of rolled prints each matches the neighbouring finger's segment (one box skipped);
- the same finger captured twice: two rolled prints match each other (or the same segment).

Only the positions involved are flagged. A rolled print that matches nothing is reported as "no match" with its best
candidate (low quality prints, or a finger not in the slaps).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from station.booking.plan import finger_name


@dataclass(frozen=True)
class Comparator:
    """The matcher the check uses: template extraction, a similarity score, and the score that means "same finger"."""

    extract: Callable[[object], object]  # FingerImage -> template
    match: Callable[[object, object], float]
    threshold: float  # decision threshold (FMR 0.1 % or stricter is right for a desk check)
    name: str = "core"
    weak_threshold: float | None = None  # (FMR 1 %) enough when the pair is also each other's best match
    prepare: Callable[[object], object] | None = None  # builds the matcher's per-template state once (cached in it)
    # (FMR 10 %) enough when the pair is what the one-to-one assignment of the ten rolls to the ten segments
    # chooses and no rival segment or roll reaches `threshold`: the closed set is the evidence, not the pair alone.
    floor_threshold: float | None = None


def nbis_comparator(threshold: float = 40.0) -> Comparator:
    """NIST's MINDTCT + Bozorth3 (the project's baseline) at Bozorth3's customary "same finger" score."""
    from station.biometrics.reference_nbis import NbisReference

    reference = NbisReference()
    return Comparator(
        lambda image: reference.extract(image.pixels, image.ppi),  # type: ignore[attr-defined]
        NbisReference.bozorth3,
        threshold,
        "NBIS MINDTCT+Bozorth3",
        threshold / 2,
    )


def default_comparator() -> Comparator:
    """The core matcher when the biometric facade is installed, else the NBIS baseline (named in every report)."""
    try:
        return core_comparator()
    except ImportError:
        return nbis_comparator()


def core_comparator() -> Comparator:
    """The project's own extractor and matcher (station.biometrics.api), at its FMR 0.1 % threshold."""
    from station.biometrics import api
    from station.biometrics.matching import prepare

    return Comparator(
        api.extract,
        api.match,
        float(api.THRESHOLD_FMR_01),
        "station core",
        float(api.THRESHOLD_FMR_1),
        prepare,
        float(api.THRESHOLD_FMR_10),
    )


@dataclass(frozen=True)
class PositionVerdict:
    position: int
    verdict: str  # "ok", "mismatch", "no rolled", "no segment"
    score: float | None  # rolled vs its own segment
    best_segment: int | None = None  # the segment the rolled print matches best, when it is not its own
    best_score: float | None = None
    error: str | None = None  # the named error this position is part of

    def as_dict(self) -> dict[str, object]:
        return {
            "position": self.position,
            "finger": finger_name(self.position),
            "verdict": self.verdict,
            "score": None if self.score is None else round(self.score, 3),
            "best_segment": self.best_segment,
            "best_score": None if self.best_score is None else round(self.best_score, 3),
            "error": self.error,
        }


@dataclass(frozen=True)
class SequenceReport:
    verdicts: dict[int, PositionVerdict]
    errors: tuple[str, ...]  # each named error, in words
    duplicates: tuple[tuple[int, int], ...] = ()
    scores: np.ndarray = field(default_factory=lambda: np.zeros((10, 10)), repr=False)  # rolled x segment, 1-based-1

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def flagged(self) -> tuple[int, ...]:
        return tuple(sorted(p for p, v in self.verdicts.items() if v.verdict == "mismatch" or v.error))

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "errors": list(self.errors),
            "flagged": list(self.flagged),
            "duplicates": [list(d) for d in self.duplicates],
            "positions": [self.verdicts[p].as_dict() for p in sorted(self.verdicts)],
        }


def _hand(p: int) -> int:
    return 0 if p <= 5 else 1


def _assignment(S: np.ndarray) -> dict[int, int]:
    """Rolled position -> segment position of the one-to-one assignment with the largest total score (Hungarian),
    over the rows and columns that were compared."""
    rows = [i for i in range(10) if not np.all(np.isnan(S[i]))]
    cols = [j for j in range(10) if not np.all(np.isnan(S[:, j]))]
    if not rows or not cols:
        return {}
    sub = S[np.ix_(rows, cols)]
    cost = -np.nan_to_num(sub, nan=-1.0)
    r, c = linear_sum_assignment(cost)
    return {rows[a] + 1: cols[b] + 1 for a, b in zip(r, c, strict=True) if not np.isnan(sub[a, b])}


def check_sequence(
    rolled: Mapping[int, object],
    segments: Mapping[int, object],
    comparator: Comparator,
    *,
    templates: bool = False,
    cache: dict | None = None,
) -> SequenceReport:
    """Compare rolled prints (position -> image or template) with the slap segments of the same person.

    `cache` (optional, shared between calls) remembers scores by template identity, e.g. to re-check a permuted set.
    """
    ext = (lambda x: x) if templates else comparator.extract
    rt = {p: ext(img) for p, img in rolled.items()}
    st = {p: ext(img) for p, img in segments.items()}
    thr = comparator.threshold
    memo = cache if cache is not None else {}

    def score(a: object, b: object) -> float:
        key = (id(a), id(b))
        if key not in memo:
            memo[key] = float(comparator.match(a, b))
        return memo[key]

    # Lazily filled: the diagonal always; a rolled print's whole row and its segment's column only when the
    # diagonal is not conclusive. A clean booking costs 10 comparisons, a doubtful one up to 100 + 45.
    S = np.full((10, 10), np.nan)
    for p in rt:
        if p in st:
            S[p - 1, p - 1] = score(rt[p], st[p])
    doubtful = [p for p in rt if p not in st or S[p - 1, p - 1] < thr]
    for p in doubtful:
        for j in st:
            S[p - 1, j - 1] = score(rt[p], st[j])
        if p in st:
            for i in rt:
                S[i - 1, p - 1] = score(rt[i], st[p])
    for p in doubtful:  # a row's best candidate needs its column too (mutual best)
        row = S[p - 1]
        if not np.all(np.isnan(row)):
            j = int(np.nanargmax(row)) + 1
            for i in rt:
                S[i - 1, j - 1] = score(rt[i], st[j])
    R = np.full((10, 10), np.nan)
    for i in doubtful:  # a duplicate puts at least one print in the wrong box, so it is doubtful
        for k in rt:
            if k != i:
                R[i - 1, k - 1] = R[k - 1, i - 1] = score(rt[i], rt[k])

    own = {p: (float(S[p - 1, p - 1]) if p in st else None) for p in rt}
    best: dict[int, tuple[int, float]] = {}
    for p in rt:
        row = S[p - 1]
        if np.all(np.isnan(row)):
            continue
        j = int(np.nanargmax(row)) + 1
        best[p] = (j, float(row[j - 1]))
    weak = comparator.weak_threshold if comparator.weak_threshold is not None else thr

    def mutual_best(i: int, j: int) -> bool:
        """Segment j is rolled i's best match and rolled i is segment j's best match, both clearly."""
        value = S[i - 1, j - 1]
        row = np.delete(S[i - 1], j - 1)
        col = np.delete(S[:, j - 1], i - 1)
        return bool(
            value >= weak
            and np.all(np.nan_to_num(row, nan=-np.inf) < value)
            and np.all(np.nan_to_num(col, nan=-np.inf) < value)
        )

    assigned = _assignment(S)
    floor = comparator.floor_threshold

    def chosen_without_rival(i: int, j: int) -> bool:
        """The one-to-one assignment pairs rolled i with segment j, above the floor, and nothing else in its row or
        column is a strong match (a strong rival means a print in the wrong box or the same finger twice)."""
        if floor is None or assigned.get(i) != j or not S[i - 1, j - 1] >= floor:
            return False
        row = np.delete(S[i - 1], j - 1)
        col = np.delete(S[:, j - 1], i - 1)
        return bool(np.all(np.nan_to_num(row, nan=-np.inf) < thr) and np.all(np.nan_to_num(col, nan=-np.inf) < thr))

    def convincing(i: int, j: int) -> bool:
        return bool(S[i - 1, j - 1] >= thr or mutual_best(i, j) or chosen_without_rival(i, j))

    # Ten fingers of one person are compared at once: a pair that is each other's clear best match agrees at the
    # weaker (FMR 1 %) threshold; otherwise the strict one applies.
    bad = {p for p in rt if own[p] is not None and not convincing(p, p)}
    # Where does each bad rolled print belong? Its best segment, if that match is convincing.
    goes_to = {p: best[p][0] for p in bad if p in best and best[p][0] != p and convincing(p, best[p][0])}

    errors: list[str] = []
    named: dict[int, str] = {}

    def name(positions: list[int], text: str) -> None:
        errors.append(text)
        for q in positions:
            named.setdefault(q, text)

    # Hands swapped: most bad prints go to the same finger of the other hand.
    mirror = [p for p, j in goes_to.items() if j == (p + 5 if p <= 5 else p - 5)]
    for hand in (0, 1):
        hand_mirror = sorted(p for p in mirror if _hand(p) == hand)
        other = sorted(p for p in mirror if _hand(p) != hand)
        if len(hand_mirror) >= 2 and len(other) >= 2 and hand == 0:
            name(
                hand_mirror + other,
                "hands swapped: the right-hand rolled prints match the left slap and the "
                "left-hand rolled prints match the right slap",
            )
    # Two fingers swapped.
    for p, j in sorted(goes_to.items()):
        if p < j and goes_to.get(j) == p and p not in named:
            name(
                [p, j],
                f"{finger_name(p)} and {finger_name(j)} swapped: each rolled print matches the other's slap segment",
            )
    # Shifted by one: runs of consecutive prints that each match the neighbour in the same direction.
    for step in (1, -1):
        run = sorted(p for p, j in goes_to.items() if j == p + step and _hand(p) == _hand(j) and p not in named)
        if len(run) >= 2:
            direction = "next" if step == 1 else "previous"
            name(
                run,
                f"rolled prints shifted by one ({', '.join(finger_name(p) for p in run)} each match the "
                f"{direction} finger's slap segment): a box was skipped or taken twice",
            )
    # Same finger in two positions: two rolled prints that match each other.
    duplicates = []
    for i in rt:
        for k in rt:
            # One of a real duplicate pair sits in the wrong box, so it also fails its own segment: requiring that
            # keeps 45 impostor comparisons per booking from raising false alarms.
            if k > i and not np.isnan(R[i - 1, k - 1]) and R[i - 1, k - 1] >= thr and (i in bad or k in bad):
                duplicates.append((i, k))
                name([i, k], f"the same finger was captured as {finger_name(i)} and as {finger_name(k)}")
    # Whatever is left: single mismatches.
    for p in sorted(bad):
        if p in named:
            continue
        if p in goes_to:
            j = goes_to[p]
            name([p], f"{finger_name(p)} rolled print matches the {finger_name(j)} slap segment, not its own")
        else:
            name(
                [p],
                f"{finger_name(p)} rolled print does not match its slap segment (wrong finger, or too poor "
                "to compare): recapture it",
            )

    verdicts = {}
    for p in range(1, 11):
        if p not in rt:
            verdicts[p] = PositionVerdict(p, "no rolled", None)
            continue
        if p not in st:
            verdicts[p] = PositionVerdict(p, "no segment", None, *(best.get(p) or (None, None)), named.get(p))
            continue
        b = best.get(p)
        is_bad = p in bad
        verdicts[p] = PositionVerdict(
            p,
            "mismatch" if is_bad else "ok",
            own[p],
            b[0] if b and is_bad else None,
            b[1] if b and is_bad else None,
            named.get(p),
        )
    return SequenceReport(verdicts, tuple(dict.fromkeys(errors)), tuple(duplicates), S)
