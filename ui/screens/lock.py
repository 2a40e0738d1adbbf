"""The lock screen: hides everything behind it until the same user signs in again (idle lock, CJIS AC-11)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Input, Label, Static

from ui.screens.base import StationModal, describe


class LockScreen(StationModal):
    HELP = "The station is locked. Sign in again with your password and authenticator code, or sign out."
    """Opaque (see the stylesheet): nothing of the screen below shows through."""

    def __init__(self, username: str, reason: str) -> None:
        super().__init__()
        self.username = username
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(id="lock-box"):
            yield Static("Station locked", id="lock-title")
            yield Static(self.reason, id="lock-reason")
            yield Label(f"User {self.username}: password")
            yield Input(id="lock-password", password=True)
            yield Label("Authenticator code")
            yield Input(id="lock-totp", max_length=8, restrict=r"[0-9]*")
            yield Static("", id="lock-error")
            yield Button("Unlock", id="unlock", variant="primary")
            yield Button("Sign out", id="sign-out")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#lock-password", Input))

    @on(Input.Submitted, "#lock-password")
    def _to_code(self) -> None:
        self.query_one("#lock-totp", Input).focus()

    @on(Input.Submitted, "#lock-totp")
    @on(Button.Pressed, "#unlock")
    def _submit(self) -> None:
        self.unlock()

    @on(Button.Pressed, "#sign-out")
    def _sign_out(self) -> None:
        self.station.sign_out()

    @work(exclusive=True, group="unlocks")
    async def unlock(self) -> None:
        password = self.query_one("#lock-password", Input).value
        code = self.query_one("#lock-totp", Input).value.strip()
        try:
            await self.station.link.request("unlock", password=password, totp=code)
        except Exception as exc:
            self.query_one("#lock-error", Static).update(describe(exc))
            self.query_one("#lock-password", Input).value = ""
            self.query_one("#lock-totp", Input).value = ""
            return
        self.dismiss(True)
