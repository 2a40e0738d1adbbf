"""Verification accuracy: FVC-style genuine/impostor pairs, EER and FNMR at a fixed FMR.

Pairs, for a set of F fingers x I impressions named `{finger}_{impression}.ext` (as in /work/shared/data):
- genuine: every unordered pair of impressions of the same finger, F * I*(I-1)/2 (10 x 28 = 280 per B set);
- impostor: every unordered pair of impressions of different fingers, C(F*I, 2) - genuine (3160 - 280 = 2,880).
Unordered pairs are enough because our matcher and Bozorth3 are symmetric; both are scored on the same pairs.

Scores are similarities (higher = more alike). With FMR(t) = share of impostor scores >= t and FNMR(t) = share of
genuine scores < t, the EER follows FVC's definition (Maio et al. 2002): t1 = the largest threshold with FNMR <= FMR,
t2 = the smallest with FNMR >= FMR; the EER is the middle of [FNMR(t1), FMR(t1)] or [FMR(t2), FNMR(t2)], whichever
interval is narrower. FNMR at FMR x is the FNMR at the lowest threshold whose FMR is <= x (FVC's FMR100 / FMR1000).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_FVC_NAME = re.compile(r"^(?P<finger>\d+)_(?P<impression>\d+)$")
IMAGE_SUFFIXES = (".tif", ".tiff", ".bmp", ".png", ".pgm", ".jpg", ".jpeg", ".wsq")


@dataclass(frozen=True)
class PairSets:
    """Index pairs into `items`: genuine (same finger) and impostor (different fingers)."""

    items: tuple[Path, ...]
    genuine: tuple[tuple[int, int], ...]
    impostor: tuple[tuple[int, int], ...]


def finger_of(path: Path) -> str:
    """The finger identity of an FVC file name `{finger}_{impression}.ext`."""
    match = _FVC_NAME.match(Path(path).stem)
    if match is None:
        raise ValueError(f"{path}: not an FVC file name of the form FINGER_IMPRESSION.ext")
    return match["finger"]


def fvc_pairs(paths: Iterable[Path]) -> PairSets:
    """Every genuine and every impostor unordered pair of an FVC-style folder listing (sorted for stable output)."""
    items = tuple(sorted((Path(p) for p in paths), key=lambda p: tuple(int(v) for v in p.stem.split("_"))))
    fingers = [finger_of(p) for p in items]
    genuine: list[tuple[int, int]] = []
    impostor: list[tuple[int, int]] = []
    for i, j in itertools.combinations(range(len(items)), 2):
        (genuine if fingers[i] == fingers[j] else impostor).append((i, j))
    return PairSets(items, tuple(genuine), tuple(impostor))


def fvc_images(folder: Path) -> list[Path]:
    """The FVC-named images of a folder."""
    return [p for p in sorted(Path(folder).iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES and _FVC_NAME.match(p.stem)]


def _rates(genuine: Sequence[float], impostor: Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thresholds (every distinct score, then +inf) with FMR(t) and FNMR(t) at each."""
    g = np.sort(np.asarray(genuine, dtype=np.float64))
    i = np.sort(np.asarray(impostor, dtype=np.float64))
    if g.size == 0 or i.size == 0:
        raise ValueError("need at least one genuine and one impostor score")
    thresholds = np.concatenate([np.unique(np.concatenate([g, i])), [np.inf]])
    fmr = (i.size - np.searchsorted(i, thresholds, side="left")) / i.size
    fnmr = np.searchsorted(g, thresholds, side="left") / g.size
    return thresholds, fmr, fnmr


def eer(genuine: Sequence[float], impostor: Sequence[float]) -> float:
    """Equal error rate (a fraction in [0, 1]) by FVC's interpolation."""
    _, fmr, fnmr = _rates(genuine, impostor)
    below = np.flatnonzero(fnmr <= fmr)
    above = np.flatnonzero(fnmr >= fmr)
    t1 = below[-1]  # threshold index: FNMR is 0 at the lowest threshold, so this exists
    t2 = above[0]  # FMR is 0 at +inf, so this exists
    if fnmr[t1] + fmr[t1] <= fmr[t2] + fnmr[t2]:
        low, high = fnmr[t1], fmr[t1]
    else:
        low, high = fmr[t2], fnmr[t2]
    return float((low + high) / 2.0)


def threshold_at_fmr(genuine: Sequence[float], impostor: Sequence[float], target_fmr: float) -> float:
    """The lowest score threshold (accept when score >= threshold) whose FMR is <= `target_fmr`."""
    thresholds, fmr, _ = _rates(genuine, impostor)
    return float(thresholds[np.flatnonzero(fmr <= target_fmr)[0]])


def fnmr_at_fmr(genuine: Sequence[float], impostor: Sequence[float], target_fmr: float) -> float:
    """The FNMR at the lowest threshold whose FMR is <= `target_fmr`."""
    _thresholds, fmr, fnmr = _rates(genuine, impostor)
    return float(fnmr[np.flatnonzero(fmr <= target_fmr)[0]])


@dataclass(frozen=True)
class Accuracy:
    """Summary of one score set, rates as fractions."""

    eer: float
    fnmr_at_fmr_1: float
    fnmr_at_fmr_01: float
    genuine: int
    impostor: int


def summarise(genuine: Sequence[float], impostor: Sequence[float]) -> Accuracy:
    """EER and FNMR at FMR 1% and 0.1% of one run."""
    return Accuracy(
        eer=eer(genuine, impostor),
        fnmr_at_fmr_1=fnmr_at_fmr(genuine, impostor, 0.01),
        fnmr_at_fmr_01=fnmr_at_fmr(genuine, impostor, 0.001),
        genuine=len(genuine),
        impostor=len(impostor),
    )
