"""Login: user, password and the six-digit code of the authenticator (TOTP). The daemon enforces lockout."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Input, Label, Static

from ui.screens.base import StationScreen, describe


class LoginScreen(StationScreen):
    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield Static("Booking Station - sign in", id="login-title")
            yield Label("User")
            yield Input(id="username", placeholder="user name")
            yield Label("Password")
            yield Input(id="password", password=True, placeholder="password")
            yield Label("Authenticator code")
            yield Input(id="totp", placeholder="6 digits", max_length=8, restrict=r"[0-9]*")
            yield Static("", id="login-error")
            yield Button("Sign in", id="sign-in", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#username", Input).focus()

    @on(Input.Submitted, "#username")
    def _to_password(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    def _to_code(self) -> None:
        self.query_one("#totp", Input).focus()

    @on(Input.Submitted, "#totp")
    @on(Button.Pressed, "#sign-in")
    def _submit(self) -> None:
        self.sign_in()

    @work(exclusive=True, group="logins")
    async def sign_in(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        code = self.query_one("#totp", Input).value.strip()
        error = self.query_one("#login-error", Static)
        if not username or not password or not code:
            error.update("Enter your user name, password and the code from your authenticator.")
            return
        try:
            result = await self.station.link.request(
                "login", username=username, password=password, totp=code, banner_acknowledged=True
            )
        except Exception as exc:  # every failure is shown; the daemon counts it toward the lockout
            self.query_one("#password", Input).value = ""
            self.query_one("#totp", Input).value = ""
            error.update(describe(exc))
            self.query_one("#password", Input).focus()
            return
        await self.station.logged_in(result)
