"""One capture of the card as a tile: its print fitted small, its name on top, its NFIQ 2 band below.

A tile is a fingerprint viewer held at the whole-print zoom: `z` or Enter asks the screen to open the print large
(`ZoomScreen`) instead of zooming the thumbnail. The band's colour is on the tile's lower edge with the band's word
and the score beside it (`ui.quality_bands`), so it reads without colour too.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.message import Message

from ui.quality_bands import VERMILLION, nfiq2_band
from ui.widgets.finger_grid import short_label
from ui.widgets.viewer import FingerprintViewer


def step_caption(step: dict[str, Any]) -> tuple[str, str, str]:
    """(words, text colour, background) under a tile: band and score, the annotation, or what is missing."""
    if step.get("state") == "annotated":
        return f"{step.get('annotation') or 'annotated'}: no print", "#FFFFFF", "#555555"
    if step.get("state") != "accepted":
        return "NOT CAPTURED", "#FFFFFF", VERMILLION
    band = nfiq2_band(step.get("nfiq2"), step.get("gate"))
    score = "" if step.get("nfiq2") is None else f" {step['nfiq2']}"
    override = " override" if step.get("override") else ""
    return f"{band.word}{score}{override}", band.text, band.colour


class PrintTile(FingerprintViewer):
    BINDINGS = [
        Binding("enter", "open", "Zoom", show=False),
        Binding("z", "open", "Zoom"),
        Binding("m", "toggle_map", "Quality map", show=False),
    ]

    class Opened(Message):
        def __init__(self, tile: PrintTile) -> None:
            super().__init__()
            self.tile = tile

    def __init__(self, step: dict[str, Any], *, id: str | None = None) -> None:
        super().__init__(id=id, classes="print-tile", title=short_label(str(step.get("label", step["key"]))))
        self.map_on = False  # the thumbnail shows the print; the map is one key away in the zoomed view
        self.step = step
        self.flagged = False
        self.ppi = 500.0
        self.quality_map: Any = None
        self._caption()

    def set_step(self, step: dict[str, Any], flagged: bool) -> None:
        self.step, self.flagged = step, flagged
        self.styles.border = ("ascii", VERMILLION) if flagged else None
        self._caption()

    def _caption(self) -> None:
        step = getattr(self, "step", None)
        if step is None:
            return
        words, colour, background = step_caption(step)
        self.border_title = self.title + ("  ! sequence" if self.flagged else "")
        self.border_subtitle = words
        self.styles.border_subtitle_color = colour
        self.styles.border_subtitle_background = background

    def action_open(self) -> None:
        self.post_message(self.Opened(self))
