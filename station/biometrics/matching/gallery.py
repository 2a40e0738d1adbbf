"""1:N search: a gallery of templates packed into arrays, a fast first stage over all of it, then full 1:1 matching
of a short list.

First stage (every gallery entry): each cylinder is pooled into a coarse 4 x 4 spatial grid x N_D sections and
normalised to unit length, so the similarity of two cylinders is one dot product. For every probe minutia the best
dot product over an entry's minutiae is kept, and the entry's first-stage score is the mean of the n_P best of
those — the LSS idea on coarse descriptors, computed for a whole chunk of the gallery with one matrix product and
two reductions. Second stage: the SHORTLIST best entries (at least top_k) are re-scored with `matcher.match`, so the
scores returned are exactly the 1:1 scores.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from station.biometrics.matching import parameters as P
from station.biometrics.matching.blas import single_thread
from station.biometrics.matching.consolidation import pair_count
from station.biometrics.matching.cylinders import CELLS
from station.biometrics.matching.matcher import match, prepare, selected_minutiae
from station.biometrics.template import Template

_POOL_GRID = 4


def _pooling_matrix() -> np.ndarray:
    """(C, 16) 0/1 matrix sending each disc cell to its coarse spatial block."""
    step = 2.0 * P.RADIUS / _POOL_GRID
    bu = np.clip(((CELLS[:, 0] + P.RADIUS) // step).astype(int), 0, _POOL_GRID - 1)
    bv = np.clip(((CELLS[:, 1] + P.RADIUS) // step).astype(int), 0, _POOL_GRID - 1)
    pool = np.zeros((CELLS.shape[0], _POOL_GRID * _POOL_GRID), dtype=np.float32)
    pool[np.arange(CELLS.shape[0]), bu * _POOL_GRID + bv] = 1.0
    return pool


_POOL = _pooling_matrix()
COARSE_DIMENSION = _POOL.shape[1] * P.ANGULAR_SECTIONS


def coarse_descriptors(template: Template) -> np.ndarray:
    """(m, COARSE_DIMENSION) unit vectors of the template's usable cylinders, at most FIRST_STAGE_MINUTIAE of them
    (the best quality ones), at least one row (zero when none is usable)."""
    cylinders = prepare(template)
    n = len(cylinders)
    usable = np.flatnonzero(cylinders.usable)
    if usable.size > P.FIRST_STAGE_MINUTIAE:
        quality = template.quality[selected_minutiae(template)][usable]
        usable = np.sort(usable[np.argsort(-quality, kind="stable")[: P.FIRST_STAGE_MINUTIAE]])
    if usable.size == 0:
        return np.zeros((1, COARSE_DIMENSION), dtype=np.float32)
    values = cylinders.values.reshape(n, -1, P.ANGULAR_SECTIONS)[usable]
    pooled = np.einsum("ncK,cb->nbK", values, _POOL).reshape(usable.size, COARSE_DIMENSION)
    norm = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norm, 1e-12)).astype(np.float32)


@dataclass(frozen=True)
class Candidate:
    """One search hit: position in the gallery, the caller's id for it, and the 1:1 score."""

    index: int
    id: Hashable
    score: float


class Gallery:
    """Templates prepared for search: every entry's coarse descriptors stacked in one (total, D) array, with the row
    where each entry starts (`offsets`), so the first stage is one matrix product and one segmented maximum."""

    def __init__(self, templates: Sequence[Template], ids: Sequence[Hashable] | None = None) -> None:
        if ids is not None and len(ids) != len(templates):
            raise ValueError(f"{len(ids)} ids for {len(templates)} templates")
        self.templates = list(templates)
        self.ids = list(ids) if ids is not None else list(range(len(self.templates)))
        descriptors = [coarse_descriptors(t) for t in self.templates]
        counts = np.array([len(d) for d in descriptors], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self.descriptors = (
            np.concatenate(descriptors) if descriptors else np.zeros((0, COARSE_DIMENSION), dtype=np.float32)
        )

    def __len__(self) -> int:
        return len(self.templates)


def first_stage_scores(probe: Template, gallery: Gallery, chunk: int = 512) -> np.ndarray:
    """Coarse LSS score of the probe against every gallery entry (N,), higher = more alike."""
    probe_rows = coarse_descriptors(probe)
    p = len(probe_rows)
    scores = np.zeros(len(gallery), dtype=np.float32)
    if len(gallery) == 0:
        return scores
    k = min(pair_count(p, p), p)
    ends = np.append(gallery.offsets[1:], len(gallery.descriptors))
    for start in range(0, len(gallery), chunk):
        stop = min(start + chunk, len(gallery))
        first, last = gallery.offsets[start], ends[stop - 1]
        sims = probe_rows @ gallery.descriptors[first:last].T  # (p, rows of this chunk)
        best = np.maximum.reduceat(sims, gallery.offsets[start:stop] - first, axis=1)  # (p, entries)
        top = np.partition(best, p - k, axis=0)[p - k :]
        scores[start:stop] = top.mean(axis=0)
    return scores


def search(probe: Template, gallery: Gallery, top_k: int = 10) -> list[Candidate]:
    """The `top_k` gallery entries most like the probe, best first, with their 1:1 scores."""
    if top_k <= 0 or len(gallery) == 0:
        return []
    with single_thread():
        coarse = first_stage_scores(probe, gallery)
    shortlist_size = min(len(gallery), max(top_k, P.SEARCH_SHORTLIST))
    shortlist = np.argpartition(-coarse, shortlist_size - 1)[:shortlist_size]
    scored = [(match(probe, gallery.templates[i]), int(i)) for i in shortlist]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [Candidate(i, gallery.ids[i], s) for s, i in scored[:top_k]]
