"""The first screen after login: what this user may do, by role."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Footer, Header, Static

from ui.screens.base import StationScreen


class HomeScreen(StationScreen):
    HELP = "What you may do, by role: start a booking, see your bookings and their answers, or service the station."
    BINDINGS = [
        ("n", "new_booking", "New booking"),
        ("r", "results", "Results"),
        ("d", "diagnostics", "Diagnostics"),
        ("ctrl+l", "lock", "Lock"),
        ("ctrl+o", "sign_out", "Sign out"),
    ]

    def compose(self) -> ComposeResult:
        session = self.station.session
        role = session.get("role", "")
        yield Header()
        with Vertical(id="home-menu"):
            yield Static(f"Signed in as {session.get('user', '?')} ({role})", classes="screen-title")
            if role in ("officer", "admin"):
                yield Button("New booking  (n)", id="new-booking", variant="primary")
                yield Button("Results  (r)", id="results")
            if role in ("technician", "admin"):
                yield Button("Diagnostics  (d)", id="diagnostics", variant="warning")
            yield Button("Lock  (ctrl+l)", id="lock")
            yield Button("Sign out  (ctrl+o)", id="sign-out")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.set_focus(self.query(Button).first())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        role = self.station.session.get("role", "")
        if action in ("new_booking", "results"):
            return role in ("officer", "admin")
        if action == "diagnostics":
            return role in ("technician", "admin")
        return True

    @on(Button.Pressed, "#new-booking")
    def action_new_booking(self) -> None:
        self.new_booking()

    def new_booking(self) -> None:
        self.station.new_booking()

    @on(Button.Pressed, "#results")
    def action_results(self) -> None:
        self.station.bookings()

    @on(Button.Pressed, "#diagnostics")
    def action_diagnostics(self) -> None:
        self.station.diagnostics()

    @on(Button.Pressed, "#lock")
    def action_lock(self) -> None:
        self.station.lock_now()

    @on(Button.Pressed, "#sign-out")
    def action_sign_out(self) -> None:
        self.station.sign_out()
