"""One print large: the whole print fitted to the screen, `z` for 1:1 with panning, `m` for the quality map."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Static

from ui.screens.base import StationModal
from ui.widgets.print_tile import step_caption
from ui.widgets.viewer import FingerprintViewer


class ZoomScreen(StationModal):
    HELP = (
        "z: whole print or 1:1 (ridges at full resolution); arrows or a mouse drag move the print at 1:1; "
        "m: quality map on/off; Esc closes."
    )
    BINDINGS = [Binding("escape", "close", "Close"), Binding("q", "close", show=False)]

    def __init__(self, label: str, step: dict[str, Any], image: tuple[Any, Any] | None, ppi: float = 500.0) -> None:
        super().__init__()
        self.label, self.step, self.image, self.ppi = label, step, image, ppi

    def compose(self) -> ComposeResult:
        with Vertical(id="zoom-box"):
            words, _, _ = step_caption(self.step)
            yield Static(f"{self.label}: {words}", classes="screen-title")
            yield FingerprintViewer(id="zoom-viewer", title=self.label)
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        viewer = self.query_one(FingerprintViewer)
        viewer.focus()
        if self.image is not None:
            image, quality_map = self.image
            viewer.show(image, ppi=self.ppi, quality_map=quality_map)

    def action_close(self) -> None:
        self.dismiss(None)
