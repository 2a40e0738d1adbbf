"""Fingerprint pixels as character cells: half blocks where the terminal has 256 colours or more, ASCII otherwise.

Half blocks: each cell is the upper half block with the upper pixel as its foreground and the lower pixel as its
background, so a cell holds one column and two rows, about square on screen. Greys are sent as 24-bit colours;
a 256-colour terminal gets them reduced to its grey ramp by Rich, a true-colour one shows all 256. The Linux text
console (8/16 colours, a font that may lack block glyphs) gets an ASCII ramp, a cell per column and pair of rows.

The quality map is drawn into the pixels before they become cells: blocks the live feedback found unclear are
blended towards their band's colour, so the ridges stay visible under the colour.
"""

from __future__ import annotations

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from ui.quality_bands import CLARITY_FAIR, CLARITY_POOR, VERMILLION, YELLOW

UPPER_HALF = "\u2580"
ASCII_RAMP = "@%#*+=-:. "  # dark ridge .. light valley
NO_FINGER = 255  # quality-map value of a block without ridges (others are clarity x 100)
TINT_ALPHA = 0.45
STYLE_CACHE_MAX = 50_000


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], np.float32)


def tint(grey: np.ndarray, clarity: np.ndarray) -> np.ndarray:
    """RGB pixels: `grey` with poor blocks blended to vermillion and fair ones to yellow (`clarity` per pixel)."""
    out = np.repeat(grey[..., None], 3, axis=2).astype(np.float32)
    finger = clarity != NO_FINGER
    for colour, where in (
        (VERMILLION, finger & (clarity < CLARITY_POOR * 100)),
        (YELLOW, finger & (clarity >= CLARITY_POOR * 100) & (clarity < CLARITY_FAIR * 100)),
    ):
        out[where] = out[where] * (1.0 - TINT_ALPHA) + _rgb(colour) * TINT_ALPHA
    return out.astype(np.uint8)


class CellPainter:
    """Turns pixel arrays into lines of cells; keeps the styles it made (a frame repeats most of them)."""

    def __init__(self) -> None:
        self._styles: dict[tuple[int, ...], Style] = {}

    def _style(self, key: tuple[int, ...]) -> Style:
        style = self._styles.get(key)
        if style is None:
            if len(self._styles) > STYLE_CACHE_MAX:
                self._styles.clear()
            if len(key) == 2:
                upper, lower = Color.from_rgb(key[0], key[0], key[0]), Color.from_rgb(key[1], key[1], key[1])
            else:
                upper, lower = Color.from_rgb(*key[:3]), Color.from_rgb(*key[3:])
            style = self._styles[key] = Style(color=upper, bgcolor=lower)
        return style

    def half_blocks(self, pixels: np.ndarray) -> list[Strip]:
        """Cells of a (2*rows) x columns grey or RGB image: one line per pair of pixel rows."""
        rows, columns = pixels.shape[0] // 2, pixels.shape[1]
        lines = []
        for y in range(rows):
            upper, lower = pixels[2 * y], pixels[2 * y + 1]
            if pixels.ndim == 2:
                keys = list(zip(upper.tolist(), lower.tolist(), strict=True))
            else:
                keys = [(*a, *b) for a, b in zip(upper.tolist(), lower.tolist(), strict=True)]
            segments: list[Segment] = []
            run_key, run = keys[0] if keys else None, 0
            for key in keys:  # neighbours of the same colour share one segment
                if key == run_key:
                    run += 1
                    continue
                segments.append(Segment(UPPER_HALF * run, self._style(run_key)))  # type: ignore[arg-type]
                run_key, run = key, 1
            if run:
                segments.append(Segment(UPPER_HALF * run, self._style(run_key)))  # type: ignore[arg-type]
            lines.append(Strip(segments, columns))
        return lines

    def ascii(self, pixels: np.ndarray, poor: np.ndarray | None = None) -> list[Strip]:
        """Cells of a (2*rows) x columns grey image as an ASCII ramp; `poor` (same shape, bool) is drawn bold."""
        rows = pixels.shape[0] // 2
        pairs = pixels[: 2 * rows].reshape(rows, 2, -1).mean(axis=1)
        index = (pairs * (len(ASCII_RAMP) - 1) / 255.0).round().astype(np.uint8)
        marked = None if poor is None else poor[: 2 * rows].reshape(rows, 2, -1).any(axis=1)
        lines = []
        for y, row in enumerate(index):
            text = "".join(ASCII_RAMP[i] for i in row.tolist())
            if marked is None or not marked[y].any():
                lines.append(Strip([Segment(text)], len(text)))
                continue
            segments = [
                Segment(char, Style(bold=True, color="red") if flag else None)
                for char, flag in zip(text, marked[y].tolist(), strict=True)
            ]
            lines.append(Strip(Segment.simplify(segments), len(text)))
        return lines
