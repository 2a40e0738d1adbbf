"""Login: user, password and the six-digit code of the authenticator (TOTP). The daemon enforces lockout."""

from __future__ import annotations

import time

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Input, Label, Static

from station.accounts import totp
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
            if self.station.demo_accounts:
                yield Static("", id="demo-codes")

    def on_mount(self) -> None:
        self.query_one("#username", Input).focus()
        if self.station.demo_accounts:
            self.show_demo_codes()
            self.set_interval(1.0, self.show_demo_codes)

    def show_demo_codes(self) -> None:
        """Demo only (`station run`): each demo account with its password and current authenticator code."""
        now = time.time()
        left = 30 - int(now) % 30
        lines = [f"DEMO accounts (code changes in {left:2d} s):"]
        for username, account in self.station.demo_accounts.items():
            code = totp.code_for(account["totp_secret"], now)
            lines.append(f"  {username:8} password '{account['password']}'  code {code}")
        self.query_one("#demo-codes", Static).update("\n".join(lines))

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
