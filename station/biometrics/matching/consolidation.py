"""From local similarities to one score: Local Similarity Assignment with Relaxation (LSA-R, Cappelli et al. 2010).

A one-to-one assignment of cylinders maximising the total local similarity (Hungarian algorithm, scipy) gives the
candidate pairs, of which the n_R = min(n_A, n_B) most similar are kept; relaxation then raises the similarity of
pairs that are geometrically consistent with many other strong pairs (same inter-minutia distance, within a
tolerance that grows with the distance as skin stretches; same relative direction, same radial angle) and lets the
others fade. The score is the mean relaxed similarity of the n_P pairs whose similarity held up best (highest
efficiency), n_P growing from 4 to 12 with the minutia count. It lies in [0, 1].
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.special import expit

from station.biometrics.matching import parameters as P
from station.biometrics.matching.cylinders import Cylinders, wrap


def _sigmoid(v: np.ndarray, mu: float, tau: float) -> np.ndarray:
    return expit(tau * (v - mu))


def pair_count(n_a: int, n_b: int) -> int:
    """n_P: how many pairs the score averages."""
    n = min(n_a, n_b)
    share = 1.0 / (1.0 + np.exp(-P.PAIRS_TAU * (n - P.PAIRS_MU)))
    return int(P.MIN_PAIRS + round(float(share) * (P.MAX_PAIRS - P.MIN_PAIRS)))


def compatibility(a: Cylinders, b: Cylinders, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """rho (n, n): how well pair t = (rows[t], cols[t]) and pair k agree geometrically (1 = perfectly), diagonal 0."""
    da, db = a.distance[np.ix_(rows, rows)], b.distance[np.ix_(cols, cols)]
    d1 = np.abs(da - db) / (1.0 + P.RHO_DISTANCE_GROWTH * 0.5 * (da + db))
    d2 = np.abs(wrap(a.relative[np.ix_(rows, rows)] - b.relative[np.ix_(cols, cols)]))
    d3 = np.abs(wrap(a.radial[np.ix_(rows, rows)] - b.radial[np.ix_(cols, cols)]))
    rho = (
        _sigmoid(d1, P.RHO_DISTANCE_MU, P.RHO_DISTANCE_TAU)
        * _sigmoid(d2, P.RHO_ANGLE_MU, P.RHO_ANGLE_TAU)
        * _sigmoid(d3, P.RHO_RADIAL_MU, P.RHO_RADIAL_TAU)
    )
    np.fill_diagonal(rho, 0.0)
    return rho


def lsa_r(gamma: np.ndarray, a: Cylinders, b: Cylinders) -> float:
    """The LSA-R score of two prints given their local similarity matrix."""
    n_a = int(a.usable.sum())
    n_b = int(b.usable.sum())
    n_r = min(n_a, n_b)
    if n_r < 2:
        return 0.0
    rows, cols = linear_sum_assignment(gamma, maximize=True)
    initial = gamma[rows, cols].astype(np.float64)
    order = np.argsort(-initial, kind="stable")[:n_r]
    order = order[initial[order] > 0]
    if order.size < 2:
        return 0.0
    rows, cols, initial = rows[order], cols[order], initial[order]
    rho = compatibility(a, b, rows, cols) / (order.size - 1)
    lam = initial
    for _ in range(P.RELAXATION_ITERATIONS):
        lam = P.RELAXATION_WEIGHT * lam + (1.0 - P.RELAXATION_WEIGHT) * (rho @ lam)
    efficiency = lam / initial
    n_p = min(pair_count(n_a, n_b), order.size)
    best = np.argpartition(efficiency, -n_p)[-n_p:]
    return float(lam[best].mean())
