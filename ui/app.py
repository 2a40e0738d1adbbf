"""The station's terminal UI: a Textual app that is a client of the daemon's local API.

    StationApp(socket_path, kiosk=False).run()

The app holds the link to the daemon and the session of the signed-in user; screens do the rest. Top-level flow:
connecting -> system-use banner -> login -> home (by role) -> booking / results / diagnostics. A lost daemon
connection returns to "connecting" and then to the banner (the daemon's sessions end with it). Idle time locks the
screen (kiosk: signs out), and the lock screen hides whatever was on screen.

Kiosk mode (`station kiosk`) has no quit key, no command palette (its Quit and Screenshot would be a way out and a
way to write case data to disk) and survives daemon restarts by reconnecting forever.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any, ClassVar

from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from ui.commands import StationCommands
from ui.link import DaemonLink
from ui.messages import DaemonConnected, DaemonDisconnected, EventReceived
from ui.widgets.viewer import Graphics

IDLE_CHECK_S = 1.0
SUBSCRIBED_TOPICS = ["device", "preview", "capture", "booking", "queue", "answer", "session"]


class ConnectingScreen(Screen[None]):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield Static(self.text, id="connecting")


class StationApp(App[None]):
    CSS_PATH = "styles/app.tcss"
    TITLE = "Booking Station"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        # Focus moves the moment Tab is read, before the keys typed after it are handed to a widget: as a normal
        # binding it would act only once the focused field had worked through its queue, and a fast typist's
        # password would land in the user name field (in clear).
        Binding("tab", "move_focus(1)", show=False, priority=True),
        Binding("shift+tab", "move_focus(-1)", show=False, priority=True),
        # A field takes a typed "?" as text before the app sees it; F1 works everywhere.
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
    ]
    COMMANDS = App.COMMANDS | {StationCommands}

    def __init__(
        self,
        socket_path: Path | str,
        *,
        kiosk: bool = False,
        terminal: str = "local",
        idle_lock_s: float | None = None,
        demo_accounts: dict[str, dict[str, str]] | None = None,
        graphics: Graphics | None = None,
    ) -> None:
        # The palette offers Quit and Screenshot: neither belongs on a kiosk. Decided before App sets its bindings.
        self.ENABLE_COMMAND_PALETTE = not kiosk
        super().__init__()
        self.kiosk = kiosk
        # What the terminal answered about images (`ui.widgets.viewer.detect`, asked before the app starts).
        self.graphics = graphics or Graphics()
        # Only `station run` passes these: the login screen then shows each demo account's current TOTP code.
        self.demo_accounts = demo_accounts or {}
        self.link = DaemonLink(self, Path(socket_path), terminal)
        self.session: dict[str, Any] = {}
        self.idle_lock_s = idle_lock_s
        self.last_input = time.monotonic()
        self.locked = False

    # -- lifecycle --------------------------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.push_screen(ConnectingScreen("Connecting to the station service..."))
        self.link.start()
        self.set_interval(IDLE_CHECK_S, self._check_idle)

    async def on_unmount(self) -> None:
        await self.link.stop()

    async def action_quit(self) -> None:
        if self.kiosk:
            self.notify("This terminal is a kiosk: it cannot be closed.", severity="warning")
            return
        if self.session:
            # leaving anyway; the daemon ends the session when the connection closes
            with contextlib.suppress(Exception):
                await self.link.request("logout", timeout=3)
        self.exit()

    def action_move_focus(self, step: int) -> None:
        if step > 0:
            self.screen.focus_next()
        else:
            self.screen.focus_previous()

    def action_command_palette(self) -> None:
        if not self.kiosk:
            super().action_command_palette()

    def action_help(self) -> None:
        self.show_help()

    def show_help(self) -> None:
        """The help for the screen on top (its purpose and its keys)."""
        from ui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen) or not self.screen_stack:
            return
        self.push_screen(HelpScreen(self.screen))

    # -- what the home screen and the command palette start --------------------------------------------------------
    def new_booking(self) -> None:
        self._new_booking()

    @work(exclusive=True, group="booking_starters")
    async def _new_booking(self) -> None:
        from ui.screens.base import describe
        from ui.screens.subject import SubjectScreen

        try:
            result = await self.link.request("booking.start")
        except Exception as exc:  # shown, never a crash
            self.notify(describe(exc), severity="error", timeout=8)
            return
        self.open_from_home(SubjectScreen(str(result["booking"])))

    def bookings(self) -> None:
        from ui.screens.results import ResultsScreen

        self.open_from_home(ResultsScreen())

    def diagnostics(self) -> None:
        from ui.screens.diagnostics import DiagnosticsScreen

        self.open_from_home(DiagnosticsScreen())

    def get_system_commands(self, screen: Screen[Any]):  # type: ignore[no-untyped-def]
        if self.kiosk:
            return iter(())
        return (c for c in super().get_system_commands(screen) if c.title not in ("Screenshot",))

    # -- the daemon link --------------------------------------------------------------------------------------------
    def on_daemon_connected(self, message: DaemonConnected) -> None:
        self.session = {}
        self.locked = False
        self.show_sign_in()

    def show_sign_in(self) -> None:
        """The login screen with the system-use banner over it (acknowledging the banner uncovers the login)."""
        from ui.screens.banner import BannerScreen
        from ui.screens.login import LoginScreen

        self.reset_to(LoginScreen())
        self.push_screen(BannerScreen())

    def on_daemon_disconnected(self, message: DaemonDisconnected) -> None:
        self.session = {}
        self.reset_to(ConnectingScreen(f"{message.reason}. Reconnecting..."))

    def on_event_received(self, message: EventReceived) -> None:
        if message.topic == "session":
            state = message.data.get("state")
            if state == "locked" and self.session and not self.locked:
                self._show_lock("Locked after inactivity.")
            elif state in ("ended", "expired"):
                self.session_ended("Your session has ended; sign in again.")
            return
        data = message.data
        needs_officer = data.get("attention") and data.get("answer_id") and not data.get("acknowledged")
        if message.topic == "answer" and needs_officer and self.session:  # a hit or a match, wherever they are
            self.show_answers(str(data.get("booking", "")), [data])
        # The screen on top gets it if it cares; the app does not interpret case data.
        if self.screen_stack:  # none while the app shuts down
            self.screen.post_message(EventReceived(message.topic, message.data))

    def show_answers(self, booking: str, entries: list[dict[str, Any]]) -> None:
        """The modal for answers that need the officer (one per booking; more answers join an open one)."""
        from ui.screens.answer_alert import AnswerAlertScreen

        for screen in self.screen_stack:
            if isinstance(screen, AnswerAlertScreen) and screen.add(booking, entries):
                return
        if self.locked:  # behind the lock screen nothing shows; the bookings list still asks for it
            return
        self.push_screen(AnswerAlertScreen(booking, entries))

    # -- session ----------------------------------------------------------------------------------------------------
    async def logged_in(self, result: dict[str, Any]) -> None:
        from ui.screens.home import HomeScreen

        self.session = dict(result)
        if self.idle_lock_s is None and result.get("idle_lock_s"):
            self.idle_lock_s = float(result["idle_lock_s"])
        self.last_input = time.monotonic()
        try:
            await self.link.request("subscribe", topics=SUBSCRIBED_TOPICS)
        except Exception as exc:
            self.notify(f"Live updates are off: {exc}", severity="warning")
        self.reset_to(HomeScreen())

    def session_ended(self, text: str) -> None:
        self.session = {}
        self.locked = False
        self.notify(text, severity="warning")
        self.show_sign_in()

    def sign_out(self) -> None:
        self._sign_out()

    @work(group="session_enders")
    async def _sign_out(self) -> None:
        with contextlib.suppress(Exception):  # the session ends with the connection anyway
            await self.link.request("logout", timeout=5)
        self.session_ended("Signed out.")

    def lock_now(self) -> None:
        self._lock_remote()
        self._show_lock("Locked by the user.")

    @work(group="session_enders")
    async def _lock_remote(self) -> None:
        with contextlib.suppress(Exception):  # the local lock screen still hides the content
            await self.link.request("lock", timeout=5)

    def _show_lock(self, reason: str) -> None:
        from ui.screens.lock import LockScreen

        self.locked = True

        def unlocked(_: object) -> None:
            self.locked = False
            self.last_input = time.monotonic()

        self.push_screen(LockScreen(str(self.session.get("user", "")), reason), unlocked)

    def _check_idle(self) -> None:
        if not self.session or self.locked or not self.idle_lock_s:
            return
        if time.monotonic() - self.last_input < self.idle_lock_s:
            return
        if self.kiosk:
            self.sign_out()
        else:
            self._lock_remote()
            self._show_lock("Locked after inactivity.")

    def on_key(self, event: events.Key) -> None:
        self.last_input = time.monotonic()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.last_input = time.monotonic()

    # -- navigation -------------------------------------------------------------------------------------------------
    def open_from_home(self, screen: Screen[Any]) -> None:
        """Show `screen` with only the home screen below it (after a submission: Esc goes home, never back to the
        submitted booking's capture screen)."""
        from ui.screens.home import HomeScreen

        self.reset_to(HomeScreen())
        self.push_screen(screen)

    def reset_to(self, screen: Screen[Any]) -> None:
        """Drop every screen above the base and show `screen`."""
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if len(self.screen_stack) == 2:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)
