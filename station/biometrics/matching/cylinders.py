"""Minutia Cylinder-Code descriptors: for each minutia, a 3-D histogram of its neighbours' positions and directions
in the minutia's own frame, so it is invariant to translation and rotation (Cappelli et al. 2010).

Base cells outside the radius R are dropped once and for all (they are never valid), so a cylinder is a vector of
C x N_D values (C ~ 200 disc cells x 6 sections) plus a validity flag per disc cell. `build_cylinders` is the
vectorised path used everywhere; `reference_cylinder` computes one cylinder cell by cell, straight from the paper's
formulas, and the tests check that both agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from scipy.special import erf

from station.biometrics.matching import parameters as P


def wrap(angle: np.ndarray) -> np.ndarray:
    """Angles folded into [-pi, pi)."""
    return (angle + np.pi) % (2.0 * np.pi) - np.pi


def _cell_grid() -> np.ndarray:
    """Centres (u, v) of the base cells inside the disc, in the minutia frame (u along its direction)."""
    step = 2.0 * P.RADIUS / P.SPATIAL_CELLS
    offsets = (np.arange(P.SPATIAL_CELLS) - (P.SPATIAL_CELLS - 1) / 2.0) * step
    u, v = np.meshgrid(offsets, offsets, indexing="ij")
    keep = np.hypot(u, v) <= P.RADIUS
    return np.stack([u[keep], v[keep]], axis=1).astype(np.float64)


CELLS = _cell_grid()  # (C, 2)
SECTION_CENTRES = -np.pi + (np.arange(P.ANGULAR_SECTIONS) + 0.5) * (2.0 * np.pi / P.ANGULAR_SECTIONS)
CELL_COUNT = CELLS.shape[0]
_HULL_GRID_PX = 2.0
DIMENSION = CELL_COUNT * P.ANGULAR_SECTIONS


@dataclass(frozen=True)
class Cylinders:
    """The cylinders of one template's minutiae, in the math frame (X right, Y up).

    `values` (n, C*N_D) float32 with invalid cells zeroed; `cell_valid` (n, C) float32 0/1; `usable` (n,) bool;
    `xy` (n, 2) positions, `theta` (n,) directions, `distance` (n, n), `relative` (n, n) = theta_j - theta_i and
    `radial` (n, n) = theta_i - direction of the segment i->j: the pair geometry the relaxation compares.
    """

    values: np.ndarray
    cell_valid: np.ndarray
    energy: np.ndarray  # (n, C) sum over sections of values**2
    usable: np.ndarray
    xy: np.ndarray
    theta: np.ndarray
    distance: np.ndarray
    relative: np.ndarray
    radial: np.ndarray

    def __len__(self) -> int:
        return int(self.xy.shape[0])


def _psi(v: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-P.SIGMOID_TAU * (v - P.SIGMOID_MU)))


def _directional(alpha: np.ndarray) -> np.ndarray:
    """Area of the N(0, sigma_D) density over a section of width 2*pi/N_D centred alpha away from the direction."""
    half = math.pi / P.ANGULAR_SECTIONS
    scale = P.SIGMA_DIRECTIONAL * math.sqrt(2.0)
    return 0.5 * (erf((alpha + half) / scale) - erf((alpha - half) / scale))


def _hull(xy: np.ndarray) -> np.ndarray | None:
    """Vertices of the convex hull of the points, or None when they span no area."""
    if len(xy) < 3:
        return None
    hull = cv2.convexHull(xy.astype(np.float32)).reshape(-1, 2).astype(np.float64)
    return hull if len(hull) >= 3 else None


def _inside_hull(points: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Whether each point lies inside the convex hull of `xy` grown by HULL_MARGIN: the hull is drawn on a 2 px grid
    and grown with a distance transform, then each point is looked up (within ~2 px of `_inside_hull_exact`)."""
    hull = _hull(xy)
    if hull is None:
        return np.zeros(points.shape[:-1], dtype=bool)
    step = _HULL_GRID_PX
    origin = xy.min(axis=0) - P.HULL_MARGIN - 2 * step
    extent = np.ceil((xy.max(axis=0) + P.HULL_MARGIN + 2 * step - origin) / step).astype(int) + 1
    canvas = np.ones((extent[1], extent[0]), dtype=np.uint8)
    cv2.fillConvexPoly(canvas, np.round((hull - origin) / step).astype(np.int32), 0)
    distance = cv2.distanceTransform(canvas, cv2.DIST_L2, cv2.DIST_MASK_PRECISE) * step
    cell = np.round((points - origin) / step).astype(np.int64)
    inside = (cell[..., 0] >= 0) & (cell[..., 0] < extent[0]) & (cell[..., 1] >= 0) & (cell[..., 1] < extent[1])
    cx = np.clip(cell[..., 0], 0, extent[0] - 1)
    cy = np.clip(cell[..., 1], 0, extent[1] - 1)
    return inside & (distance[cy, cx] <= P.HULL_MARGIN)


def _inside_hull_exact(points: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Whether each point lies inside the convex hull of `xy` grown by HULL_MARGIN (exact geometry, slow)."""
    hull = _hull(xy)
    if hull is None:
        return np.zeros(points.shape[:-1], dtype=bool)
    a = hull
    b = np.roll(hull, -1, axis=0)
    edge = b - a  # (E, 2)
    flat = points.reshape(-1, 1, 2)
    rel = flat - a[None]  # (M, E, 2)
    cross = edge[None, :, 0] * rel[..., 1] - edge[None, :, 1] * rel[..., 0]
    inside = np.all(cross >= 0, axis=1) | np.all(cross <= 0, axis=1)
    t = np.clip(np.sum(rel * edge[None], axis=2) / np.maximum(np.sum(edge * edge, axis=1), 1e-9)[None], 0.0, 1.0)
    nearest = a[None] + t[..., None] * edge[None]
    dist = np.min(np.hypot(*(flat - nearest).transpose(2, 0, 1)), axis=1)
    return (inside | (dist <= P.HULL_MARGIN)).reshape(points.shape[:-1])


def build_cylinders(x: np.ndarray, y: np.ndarray, angle: np.ndarray) -> Cylinders:
    """Cylinders of minutiae at image coordinates (x right, y down) with features.py angles."""
    xy = np.stack([np.asarray(x, np.float64), -np.asarray(y, np.float64)], axis=1)
    theta = np.asarray(angle, np.float64) % (2.0 * np.pi)
    n = len(xy)
    cos, sin = np.cos(theta), np.sin(theta)
    delta = xy[None, :, :] - xy[:, None, :]  # (i, t, 2): t relative to i
    distance = np.hypot(delta[..., 0], delta[..., 1])
    u = delta[..., 0] * cos[:, None] + delta[..., 1] * sin[:, None]
    v = -delta[..., 0] * sin[:, None] + delta[..., 1] * cos[:, None]
    relative = wrap(theta[None, :] - theta[:, None])
    radial = wrap(theta[:, None] - np.arctan2(delta[..., 1], delta[..., 0]))
    neighbour = (distance <= P.RADIUS + 3.0 * P.SIGMA_SPATIAL) & ~np.eye(n, dtype=bool)

    # Only the K nearest minutiae can be neighbours (K = the largest neighbour count): gather them, (i, K)
    width = max(int(neighbour.sum(axis=1).max(initial=0)), 1)
    near = np.argsort(np.where(neighbour, distance, np.inf), axis=1, kind="stable")[:, :width]
    rows = np.arange(n)[:, None]
    near_ok = neighbour[rows, near]
    nu, nv, nrel = u[rows, near], v[rows, near], relative[rows, near]
    # spatial contribution of neighbour t to cell c of minutia i: (i, t, C)
    du = nu[..., None] - CELLS[None, None, :, 0]
    dv = nv[..., None] - CELLS[None, None, :, 1]
    norm = 1.0 / (P.SIGMA_SPATIAL * math.sqrt(2.0 * math.pi))
    spatial = norm * np.exp(-(du * du + dv * dv) / (2.0 * P.SIGMA_SPATIAL**2)) * near_ok[..., None]
    # directional contribution to each section: (i, t, N_D)
    directional = _directional(wrap(SECTION_CENTRES[None, None, :] - nrel[..., None]))
    total = np.matmul(spatial.transpose(0, 2, 1), directional)  # (i, C, N_D)
    values = _psi(total)

    # validity: cell inside the grown convex hull of all minutiae
    cell_xy = (
        xy[:, None, :]
        + CELLS[None, :, 0:1] * np.stack([cos, sin], 1)[:, None, :]
        + CELLS[None, :, 1:2] * np.stack([-sin, cos], 1)[:, None, :]
    )
    cell_valid = _inside_hull(cell_xy, xy)
    usable = (cell_valid.sum(axis=1) >= P.MIN_VALID_CELLS * CELL_COUNT) & (neighbour.sum(axis=1) >= P.MIN_NEIGHBOURS)
    values = values * cell_valid[..., None]
    values32 = values.reshape(n, DIMENSION).astype(np.float32)
    return Cylinders(
        values=values32,
        cell_valid=cell_valid.astype(np.float32),
        energy=(values * values).sum(axis=2).astype(np.float32),
        usable=usable,
        xy=xy,
        theta=theta,
        distance=distance,
        relative=relative,
        radial=radial,
    )


def reference_cylinder(x: np.ndarray, y: np.ndarray, angle: np.ndarray, index: int) -> tuple[np.ndarray, np.ndarray]:
    """One minutia's cylinder, cell by cell with plain loops (slow; the tests' yardstick for `build_cylinders`).

    Returns (values (C, N_D) with invalid cells zero, cell validity (C,) bool).
    """
    xs, ys = [float(v) for v in x], [-float(v) for v in y]
    th = [float(a) % (2 * math.pi) for a in angle]
    xi, yi, ti = xs[index], ys[index], th[index]
    hull_ok = _inside_hull_exact(
        np.array(
            [
                [xi + cu * math.cos(ti) - cv * math.sin(ti), yi + cu * math.sin(ti) + cv * math.cos(ti)]
                for cu, cv in CELLS
            ]
        ),
        np.stack([xs, ys], axis=1),
    )
    out = np.zeros((CELL_COUNT, P.ANGULAR_SECTIONS))
    for c, (cu, cv) in enumerate(CELLS):
        px = xi + cu * math.cos(ti) - cv * math.sin(ti)
        py = yi + cu * math.sin(ti) + cv * math.cos(ti)
        for k, phi in enumerate(SECTION_CENTRES):
            total = 0.0
            for t in range(len(xs)):
                if t == index or math.hypot(xs[t] - xi, ys[t] - yi) > P.RADIUS + 3 * P.SIGMA_SPATIAL:
                    continue
                d = math.hypot(xs[t] - px, ys[t] - py)
                gs = math.exp(-d * d / (2 * P.SIGMA_SPATIAL**2)) / (P.SIGMA_SPATIAL * math.sqrt(2 * math.pi))
                rel = (th[t] - ti + math.pi) % (2 * math.pi) - math.pi
                alpha = (phi - rel + math.pi) % (2 * math.pi) - math.pi
                gd = float(_directional(np.array(alpha)))
                total += gs * gd
            out[c, k] = 1.0 / (1.0 + math.exp(-P.SIGMOID_TAU * (total - P.SIGMOID_MU))) if hull_ok[c] else 0.0
    return out, hull_ok
