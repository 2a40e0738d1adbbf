"""The command palette's station commands (Ctrl+P): what the signed-in user may do, by name.

Each command runs what the home screen's key does (or the help, the lock, the sign-out), so the palette offers the
station's own verbs next to Textual's. Commands follow the user's role (an officer sees no Accounts) and need a
session; the kiosk has no palette at all (see `ui.app`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from ui.app import StationApp

#: (title, help, roles that may use it, the app method that does it)
COMMANDS: tuple[tuple[str, str, frozenset[str], str], ...] = (
    ("New booking", "start a booking: the subject, then the 14 prints", frozenset({"officer", "admin"}), "new_booking"),
    ("Bookings and answers", "open, submitted and answered bookings", frozenset({"officer", "admin"}), "bookings"),
    ("Diagnostics", "devices, self-test, network, queue, audit", frozenset({"technician", "admin"}), "diagnostics"),
    ("Accounts", "list, add, unlock, disable, reset users", frozenset({"admin"}), "accounts"),
    ("Help for this screen", "what this screen is for and its keys (F1)", frozenset(), "show_help"),
    ("Lock the screen", "hide the screen until you sign in again (Ctrl+L)", frozenset(), "lock_now"),
    ("Sign out", "end your session (Ctrl+O)", frozenset(), "sign_out"),
)


class StationCommands(Provider):
    @property
    def station(self) -> StationApp:
        return self.app  # type: ignore[return-value]

    def _allowed(self) -> list[tuple[str, str, Callable[[], Any]]]:
        session = self.station.session
        if not session:
            return []
        role = str(session.get("role", ""))
        return [
            (title, help_text, partial(getattr(self.station, method)))
            for title, help_text, roles, method in COMMANDS
            if not roles or role in roles
        ]

    async def discover(self) -> Hits:
        for title, help_text, run in self._allowed():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, run in self._allowed():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)
