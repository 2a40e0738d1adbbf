"""The fingerprint viewer: a print fitted to its pane or at 1:1 with panning, with the quality map over it.

    viewer.show(image, ppi=500, quality_map=blocks)    # uint8 H x W; blocks: clarity x 100 per block, 255 = none

`z` switches between the whole print fitted to the pane and 1:1 (one image pixel per screen pixel of the renderer:
at 500 ppi ridges are about 9 columns apart in half-block cells), arrows or a mouse drag pan at 1:1, `m` shows or
hides the quality map. The renderer is chosen once per app from what the terminal answered (`graphics.detect`):
Kitty or Sixel graphics through `textual-image`, else half-block cells (`cells.py`). Frames are drawn line by line
(Textual's line API): a frame is cut and painted once, however often the screen repaints.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from ui.quality_bands import CLARITY_POOR
from ui.widgets.viewer import view
from ui.widgets.viewer.cells import NO_FINGER, CellPainter, tint
from ui.widgets.viewer.graphics import Graphics

FALLBACK_CELL_PX = (10, 20)
PAN_SHARE = 0.25  # an arrow key moves the window by a quarter of the pane


class FingerprintViewer(Widget, can_focus=True):
    HELP = "z: whole print / 1:1 (ridges at full resolution) - arrows or drag: move at 1:1 - m: quality map on/off"
    BINDINGS = [
        Binding("z", "toggle_zoom", "Zoom 1:1"),
        Binding("m", "toggle_map", "Quality map"),
        Binding("left", "pan(-1, 0)", "Pan", show=False),
        Binding("right", "pan(1, 0)", "Pan", show=False),
        Binding("up", "pan(0, -1)", "Pan", show=False),
        Binding("down", "pan(0, 1)", "Pan", show=False),
    ]

    zoom: reactive[str] = reactive("fit")
    map_on: reactive[bool] = reactive(True)

    def __init__(self, *, id: str | None = None, classes: str | None = None, title: str = "") -> None:
        super().__init__(id=id, classes=classes)
        self.title = title
        self._image: np.ndarray | None = None
        self._clarity: np.ndarray | None = None  # quality map stretched over the image
        self._scale = 1  # original pixels per pixel of `_image` (a preview is downscaled)
        self._ppi = 500.0
        self._origin = (0, 0)  # top-left image pixel of the 1:1 window
        self._lines: list[Strip] | None = None
        self._painter = CellPainter()
        self._picture: Widget | None = None  # the textual-image widget when the terminal has graphics
        self.frames_shown = 0
        self.frames_painted = 0  # frames actually drawn (refreshes coalesce): what the UI bench counts

    # -- what is shown ----------------------------------------------------------------------------------------------
    @property
    def graphics(self) -> Graphics:
        return getattr(self.app, "graphics", None) or Graphics()

    @property
    def image(self) -> np.ndarray | None:
        return self._image

    @property
    def showing_map(self) -> bool:
        """Whether the quality map is drawn over the image now."""
        return self.map_on and self._clarity is not None

    def show(
        self, image: np.ndarray | None, *, ppi: float = 500.0, scale: int = 1, quality_map: np.ndarray | None = None
    ) -> None:
        """Show a new image (a preview frame or a capture); the zoom and, for the same size, the window are kept."""
        first = self._image is None or image is None or self._image.shape != image.shape
        self._image, self._ppi, self._scale = image, ppi, max(1, int(scale))
        self._clarity = None if image is None or quality_map is None else view.expand_map(quality_map, image.shape)
        if first and image is not None and self.zoom == "1:1":
            self._centre()
        self.frames_shown += 1
        self._changed()

    def clear(self) -> None:
        self.show(None)

    def _changed(self) -> None:
        self._lines = None
        self._caption()
        if self._picture is not None:
            self._update_picture()
        self.refresh()

    def _caption(self) -> None:
        if self._image is None:
            self.border_subtitle = ""
            return
        zoom = "whole print" if self.zoom == "fit" else ("1:1" if self._scale == 1 else f"1:{self._scale} preview")
        shown = "on" if self.showing_map else "off"
        self.border_subtitle = f"{zoom} - z zoom - map {shown} (m)"
        self.border_title = self.title

    # -- geometry ---------------------------------------------------------------------------------------------------
    def pane_pixels(self) -> tuple[int, int]:
        """The pane in the renderer's pixels: half-block cells are 1 x 2, graphics the cell's screen pixels."""
        columns, rows = self.content_size.width, self.content_size.height
        if self.graphics.pixels:
            cw, ch = self.graphics.cell_px if all(self.graphics.cell_px) else FALLBACK_CELL_PX
            return columns * cw, rows * ch
        return columns, rows * 2

    def _centre(self) -> None:
        assert self._image is not None
        width, height = self.pane_pixels()
        cx, cy = view.centre_of_print(self._image)
        self._origin = view.clamp_origin(self._image.shape, width, height, (cx - width // 2, cy - height // 2))

    def view_pixels(self) -> tuple[np.ndarray, np.ndarray | None]:
        """The pane's pixels (grey) and the quality map over them (or None), for the zoom and window in force."""
        width, height = self.pane_pixels()
        assert self._image is not None
        clarity = self._clarity if self.map_on else None
        if self.zoom == "fit":
            grey = view.fit(self._image, width, height)
            return grey, None if clarity is None else view.fit(clarity, width, height, nearest=True)
        self._origin = view.clamp_origin(self._image.shape, width, height, self._origin)
        grey = view.window(self._image, width, height, self._origin)
        return grey, None if clarity is None else view.window(clarity, width, height, self._origin)

    # -- keys and mouse ---------------------------------------------------------------------------------------------
    def action_toggle_zoom(self) -> None:
        self.zoom = "1:1" if self.zoom == "fit" else "fit"

    def watch_zoom(self, zoom: str) -> None:
        if zoom == "1:1" and self._image is not None:
            self._centre()
        self._changed()

    def action_toggle_map(self) -> None:
        self.map_on = not self.map_on

    def watch_map_on(self) -> None:
        self._changed()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pan":
            return self.zoom == "1:1" and self._image is not None
        return True

    def action_pan(self, dx: int, dy: int) -> None:
        width, height = self.pane_pixels()
        x, y = self._origin
        self._move((x + round(dx * width * PAN_SHARE), y + round(dy * height * PAN_SHARE)))

    def _move(self, origin: tuple[int, int]) -> None:
        if self._image is None:
            return
        width, height = self.pane_pixels()
        self._origin = view.clamp_origin(self._image.shape, width, height, origin)
        self._changed()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if event.button == 1 and self.zoom == "1:1":
            per_row = 2 if not self.graphics.pixels else 1
            x, y = self._origin
            self._move((x - int(event.delta_x), y - int(event.delta_y) * per_row))

    def on_resize(self) -> None:
        self._lines = None
        if self._picture is not None:
            self._update_picture()

    # -- drawing ----------------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        if self.graphics.pixels:
            self._picture = _picture_widget(self.graphics)
            yield self._picture

    def _update_picture(self) -> None:
        from PIL import Image

        assert self._picture is not None
        if self._image is None or not self.content_size.area:
            self._picture.image = None  # type: ignore[attr-defined]
            return
        grey, clarity = self.view_pixels()
        pixels = grey if clarity is None else tint(grey, clarity)
        self._picture.image = Image.fromarray(pixels)  # type: ignore[attr-defined]
        self.frames_painted += 1

    def _build(self) -> list[Strip]:
        width, rows = self.content_size.width, self.content_size.height
        if self._image is None or width <= 0 or rows <= 0 or self._picture is not None:
            return [Strip.blank(width, self.rich_style)] * max(0, rows)
        grey, clarity = self.view_pixels()
        self.frames_painted += 1
        if self.graphics.renderer == "ascii":
            poor = None if clarity is None else (clarity < CLARITY_POOR * 100) & (clarity != NO_FINGER)
            return self._painter.ascii(grey, poor)
        return self._painter.half_blocks(grey if clarity is None else tint(grey, clarity))

    def render_line(self, y: int) -> Strip:
        if self._lines is None:
            self._lines = self._build()
        return self._lines[y] if y < len(self._lines) else Strip.blank(self.content_size.width)


def _picture_widget(graphics: Graphics) -> Any:
    """textual-image's widget for the protocol the terminal granted (imported only then: it asks the terminal)."""
    if graphics.protocol == "kitty":
        from textual_image.widget import TGPImage

        return TGPImage(classes="viewer-picture")
    from textual_image.widget import SixelImage

    return SixelImage(classes="viewer-picture")
