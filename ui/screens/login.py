"""Login: user, password and the six-digit code of the authenticator (TOTP). The daemon enforces lockout.

Typed at full speed, keys must land where the typist meant them. Textual hands each key to the focused widget's own
queue and acts on a normal binding only when the key comes back up from that widget; a Tab or Enter that moves to
the next field would then act after the keys typed behind it had already been handed to the user name field. So the
keys that move between fields are priority bindings (they act the moment they are read), focus is set at once
(`set_focus`, not the deferred `focus()`), the screen is composed under the system-use banner before the banner is
acknowledged, and the sign-in waits until every field has worked through the keys it was given.
"""

from __future__ import annotations

import asyncio
import time

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Input, Label, Static

from station.accounts import totp
from ui.screens.base import StationScreen, describe

FIELDS = ("username", "password", "totp")


class LoginScreen(StationScreen):
    HELP = "Sign in with your user name, your password and the code your authenticator app shows now."
    BINDINGS = [Binding("enter", "enter", "Next field / sign in", show=False, priority=True)]

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
        self.set_focus(self.query_one("#username", Input))
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

    def action_enter(self) -> None:
        """Enter in the user name or password field moves on at once; in the code field it signs in (in order)."""
        focused = self.focused
        if isinstance(focused, Input) and focused.id in FIELDS[:-1]:
            self.set_focus(self.query_one(f"#{FIELDS[FIELDS.index(focused.id) + 1]}", Input))
            return
        raise SkipAction()  # the code field or the button: let the widget have the key after what it was given

    @on(Input.Submitted, "#totp")
    @on(Button.Pressed, "#sign-in")
    def _submit(self) -> None:
        self.sign_in()

    async def _fields_settled(self) -> None:
        """Wait until every field has handled the keys already handed to it (a callback queues behind them)."""
        for field in FIELDS:
            done = asyncio.Event()
            if self.query_one(f"#{field}", Input).call_later(done.set):
                await done.wait()

    @work(exclusive=True, group="logins")
    async def sign_in(self) -> None:
        await self._fields_settled()
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        code = self.query_one("#totp", Input).value.strip()
        error = self.query_one("#login-error", Static)
        if not username or not password or not code:
            error.update("Enter your user name, your password and the code from your authenticator.")
            return
        try:
            result = await self.station.link.request(
                "login", username=username, password=password, totp=code, banner_acknowledged=True
            )
        except Exception as exc:  # every failure is shown; the daemon counts it toward the lockout
            self.query_one("#password", Input).value = ""
            self.query_one("#totp", Input).value = ""
            error.update(describe(exc))
            self.set_focus(self.query_one("#password", Input))
            return
        await self.station.logged_in(result)
