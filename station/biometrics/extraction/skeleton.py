"""One-pixel-wide ridge skeleton by Zhang-Suen thinning, run with lookup tables over the whole image at once.

Each sub-iteration encodes every pixel's 8 neighbours as one byte with a single `filter2D` (weights 1..128 sum to
255, so uint8 arithmetic is exact) and looks the deletion decision up in a 256-entry table. A final pass removes
staircase corners (pixels whose two 4-neighbours at a right angle already connect them), so that crossing numbers
are not fooled into false bifurcations. `thin_reference` is the same algorithm pixel by pixel, for the tests.

Neighbour bit order (clockwise from north): N=1, NE=2, E=4, SE=8, S=16, SW=32, W=64, NW=128.
"""

from __future__ import annotations

import cv2
import numpy as np

NEIGHBOUR_OFFSETS = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))  # (dy, dx), bit i
_KERNEL = np.zeros((3, 3), np.float32)
for _bit, (_dy, _dx) in enumerate(NEIGHBOUR_OFFSETS):
    _KERNEL[1 + _dy, 1 + _dx] = float(1 << _bit)


def neighbour_codes(binary: np.ndarray) -> np.ndarray:
    """uint8 code of each pixel's 8 neighbours (bits as in the module docstring); outside the image counts as 0."""
    return cv2.filter2D(binary, -1, _KERNEL, borderType=cv2.BORDER_CONSTANT)


def _bits(code: int) -> list[int]:
    return [(code >> i) & 1 for i in range(8)]


def _transitions(bits: list[int]) -> int:
    """Number of 0 -> 1 transitions going once round the ring."""
    return sum(1 for i in range(8) if bits[i] == 0 and bits[(i + 1) % 8] == 1)


def _zhang_suen_deletes(code: int, first: bool) -> bool:
    n, _, e, _, s, _, w, _ = bits = _bits(code)
    if not 2 <= sum(bits) <= 6 or _transitions(bits) != 1:
        return False
    if first:
        return n * e * s == 0 and e * s * w == 0
    return n * e * w == 0 and n * s * w == 0


def crossing_number(code: int) -> int:
    """Half the number of value changes round the ring: 1 at an ending, 2 on a ridge, 3 at a bifurcation."""
    bits = _bits(code)
    return sum(abs(bits[i] - bits[(i + 1) % 8]) for i in range(8)) // 2


def _corner_deletes(code: int, corner: int) -> bool:
    """A staircase corner: 4-neighbours at a right angle (corner 0: N+E, 1: E+S, 2: S+W, 3: W+N) both set,
    the opposite 4-neighbours clear, and only one 8-connected run of neighbours (removal keeps connectivity)."""
    bits = _bits(code)
    a, b = 2 * corner, (2 * corner + 2) % 8
    opposite = ((2 * corner + 4) % 8, (2 * corner + 6) % 8)
    if not (bits[a] and bits[b]) or bits[opposite[0]] or bits[opposite[1]]:
        return False
    # 8-connectivity number (Yokoi): components of the neighbour ring, 4-neighbours at odd steps bridge diagonals.
    inv = [1 - v for v in bits]
    components = sum(inv[k] - inv[k] * inv[(k + 1) % 8] * inv[(k + 2) % 8] for k in (0, 2, 4, 6))
    return components == 1


_ZS_TABLES = tuple(np.array([_zhang_suen_deletes(c, f) for c in range(256)], np.uint8) for f in (True, False))
_CORNER_TABLES = tuple(np.array([_corner_deletes(c, k) for c in range(256)], np.uint8) for k in range(4))
CROSSING_NUMBERS = np.array([crossing_number(c) for c in range(256)], np.uint8)


def thin(binary: np.ndarray) -> np.ndarray:
    """The skeleton (uint8 0/1) of a uint8 0/1 ridge map."""
    image = (binary > 0).astype(np.uint8)
    changed = True
    while changed:
        changed = False
        for table in _ZS_TABLES:
            deletions = cv2.LUT(neighbour_codes(image), table) & image
            if deletions.any():
                image -= deletions
                changed = True
    for table in _CORNER_TABLES:
        image -= cv2.LUT(neighbour_codes(image), table) & image
    return image


def thin_reference(binary: np.ndarray) -> np.ndarray:
    """The same as `thin`, one pixel at a time in plain Python (slow; for tests on small images)."""
    image = (binary > 0).astype(np.uint8)
    height, width = image.shape

    def code_at(img: np.ndarray, y: int, x: int) -> int:
        code = 0
        for bit, (dy, dx) in enumerate(NEIGHBOUR_OFFSETS):
            yy, xx = y + dy, x + dx
            if 0 <= yy < height and 0 <= xx < width and img[yy, xx]:
                code |= 1 << bit
        return code

    def parallel_pass(decide: object) -> bool:
        marked = [
            (y, x)
            for y in range(height)
            for x in range(width)
            if image[y, x] and decide(code_at(image, y, x))  # type: ignore[operator]
        ]
        for y, x in marked:
            image[y, x] = 0
        return bool(marked)

    changed = True
    while changed:
        first = parallel_pass(lambda c: _zhang_suen_deletes(c, True))
        second = parallel_pass(lambda c: _zhang_suen_deletes(c, False))
        changed = first or second
    for corner in range(4):
        parallel_pass(lambda c, k=corner: _corner_deletes(c, k))
    return image
