"""The system-use notice (CJIS AC-8): shown before every login until the user acknowledges it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Button, Static

from ui.screens.base import StationScreen


class BannerScreen(StationScreen):
    BINDINGS = [("enter", "acknowledge", "I understand")]

    def compose(self) -> ComposeResult:
        hello = self.station.link.hello
        with Vertical(id="banner-box"):
            yield Static("RESTRICTED SYSTEM", id="banner-title")
            yield Static(str(hello.get("banner", "")), id="banner-text", markup=False)
            yield Static(f"Station {hello.get('station_id', '?')}", id="banner-station")
            with Center():
                yield Button("I understand - continue to login", id="acknowledge", variant="primary")

    def on_mount(self) -> None:
        self.call_after_refresh(self._focus_button)

    def _focus_button(self) -> None:
        for button in self.query("#acknowledge").results(Button):
            button.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_acknowledge()

    def action_acknowledge(self) -> None:
        from ui.screens.login import LoginScreen

        self.app.switch_screen(LoginScreen())
