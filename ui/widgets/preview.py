"""Live preview of the scanner image in the terminal.

Two pixels per character cell with the upper half block: the foreground colour is the upper pixel, the background the
lower one, so a 60x20 cell area shows 60x40 pixels. Terminals without true or 256 colours (the Linux text console
has 8/16) get an ASCII grey ramp instead, one pixel per cell, which needs no extended glyphs.
"""

from __future__ import annotations

import cv2
import numpy as np
from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

ASCII_RAMP = "@%#*+=-:. "  # dark ridge .. light valley


def fit(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """The image scaled to fit width x height pixels, aspect kept, centred on white."""
    if width <= 0 or height <= 0:
        return np.zeros((0, 0), np.uint8)
    h, w = image.shape
    scale = min(width / w, height / h)
    new_w, new_h = max(1, int(w * scale)), max(1, int(h * scale))
    scaled = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA)
    canvas = np.full((height, width), 255, np.uint8)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = scaled
    return canvas


class GreyImage:
    """A Rich renderable of an 8-bit grey image, sized to the cells it is given."""

    def __init__(self, image: np.ndarray | None, width: int, height: int, ascii_only: bool) -> None:
        self.image, self.width, self.height, self.ascii_only = image, width, height, ascii_only

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width, height = min(self.width, options.max_width), self.height
        if self.image is None or width <= 0 or height <= 0:
            for _ in range(height):
                yield Segment(" " * width)
                yield Segment.line()
            return
        if self.ascii_only:
            # Character cells are about twice as tall as wide: sample one pixel per cell.
            pixels = fit(self.image, width, height)
            index = (pixels.astype(np.uint16) * (len(ASCII_RAMP) - 1) // 255).astype(np.uint8)
            for row in index:
                yield Segment("".join(ASCII_RAMP[i] for i in row))
                yield Segment.line()
            return
        pixels = fit(self.image, width, height * 2)
        cache: dict[tuple[int, int], Style] = {}
        for y in range(0, height * 2, 2):
            upper, lower = pixels[y], pixels[y + 1]
            for a, b in zip(upper.tolist(), lower.tolist(), strict=True):
                style = cache.get((a, b))
                if style is None:
                    style = cache[(a, b)] = Style(color=Color.from_rgb(a, a, a), bgcolor=Color.from_rgb(b, b, b))
                yield Segment("▀", style)
            yield Segment.line()


class Preview(Widget):
    """Shows the latest preview frame. Drawn line by line (Textual's line API): a frame is scaled once and its
    lines built once, however often the screen repaints."""

    DEFAULT_CSS = """
    Preview { width: 1fr; height: 1fr; min-height: 8; }
    """

    frames_shown: reactive[int] = reactive(0)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._image: np.ndarray | None = None
        self._lines: list[Strip] | None = None
        self.frames_painted = 0  # frames actually drawn (refreshes coalesce): what the benchmark counts

    def show(self, image: np.ndarray | None) -> None:
        self._image = image
        self._lines = None
        self.frames_shown += 1
        self.refresh()

    @property
    def image(self) -> np.ndarray | None:
        return self._image

    def on_resize(self) -> None:
        self._lines = None

    def _build(self) -> list[Strip]:
        width, height = self.size.width, self.size.height
        ascii_only = self.app.console.color_system in (None, "standard")
        renderable = GreyImage(self._image, width, height, ascii_only)
        lines = self.app.console.render_lines(renderable, self.app.console.options.update_width(width), pad=True)
        if self._image is not None:
            self.frames_painted += 1
        return [Strip(line, width) for line in lines]

    def render_line(self, y: int) -> Strip:
        if self._lines is None:
            self._lines = self._build()
        return self._lines[y] if y < len(self._lines) else Strip.blank(self.size.width)
