"""Local similarity of every cylinder of one print with every cylinder of another (the matrix Gamma of MCC).

For cylinders a and b, only cells valid in both count: with a|b and b|a the two vectors restricted to those cells,
similarity = 1 - ||a|b - b|a|| / (||a|b|| + ||b|a||); it is 0 when fewer than min_ME of the cells are matchable,
when either cylinder is unusable, or when the two minutiae directions differ by more than delta_theta.
`similarity_matrix` gets all restricted norms from four matrix products; `reference_similarity` does one pair
with explicit masks, for the tests.
"""

from __future__ import annotations

import numpy as np

from station.biometrics.matching import parameters as P
from station.biometrics.matching.cylinders import CELL_COUNT, Cylinders, wrap


def similarity_matrix(a: Cylinders, b: Cylinders) -> np.ndarray:
    """Gamma (len(a), len(b)) float32 in [0, 1]."""
    dot = a.values @ b.values.T
    norm_a = a.energy @ b.cell_valid.T  # ||a|b||^2
    norm_b = a.cell_valid @ b.energy.T  # ||b|a||^2
    matchable = a.cell_valid @ b.cell_valid.T
    diff = np.sqrt(np.maximum(norm_a + norm_b - 2.0 * dot, 0.0))
    denom = np.sqrt(norm_a) + np.sqrt(norm_b)
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = np.where(denom > 0, 1.0 - diff / denom, 0.0)
    turn = np.abs(wrap(a.theta[:, None] - b.theta[None, :]))
    keep = (matchable >= P.MIN_MATCHABLE_CELLS * CELL_COUNT) & (turn <= P.MAX_ROTATION)
    keep &= a.usable[:, None] & b.usable[None, :]
    return np.where(keep, sim, 0.0).astype(np.float32)


def reference_similarity(a: Cylinders, b: Cylinders, i: int, j: int) -> float:
    """Gamma[i, j] computed directly from the masked vectors (the tests' yardstick)."""
    if not (a.usable[i] and b.usable[j]):
        return 0.0
    turn = abs(wrap(a.theta[i] - b.theta[j]))
    both = (a.cell_valid[i] > 0) & (b.cell_valid[j] > 0)
    if turn > P.MAX_ROTATION or both.sum() < P.MIN_MATCHABLE_CELLS * CELL_COUNT:
        return 0.0
    va = a.values[i].reshape(CELL_COUNT, -1)[both].astype(np.float64).ravel()
    vb = b.values[j].reshape(CELL_COUNT, -1)[both].astype(np.float64).ravel()
    denom = np.linalg.norm(va) + np.linalg.norm(vb)
    return 0.0 if denom == 0 else float(1.0 - np.linalg.norm(va - vb) / denom)
