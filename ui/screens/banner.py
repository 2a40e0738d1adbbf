"""The system-use notice (CJIS AC-8): shown before every login until the user acknowledges it.

The banner is laid over a login screen that is already composed, with its user name field focused: acknowledging
takes the banner away at once (a priority binding), so a user who types on straight away loses no key.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.widgets import Button, Static

from ui.screens.base import StationScreen


class BannerScreen(StationScreen):
    HELP = "The station's system-use notice. Read it, then press Enter to go on to the sign-in."
    BINDINGS = [Binding("enter", "acknowledge", "I understand", priority=True)]

    def compose(self) -> ComposeResult:
        hello = self.station.link.hello
        with Vertical(id="banner-box"):
            yield Static("RESTRICTED SYSTEM", id="banner-title")
            yield Static(str(hello.get("banner", "")), id="banner-text", markup=False)
            yield Static(f"Station {hello.get('station_id', '?')}", id="banner-station")
            with Center():
                yield Button("I understand - continue to login", id="acknowledge", variant="primary")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#acknowledge", Button))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_acknowledge()

    def action_acknowledge(self) -> None:
        if self.app.screen is self:
            self.app.pop_screen()  # the login screen below, ready for typing
