"""Help for the screen on top (F1 or `?`): what the screen is for and every key it takes now, with what it does.

The key list is read from the screen's active bindings (the same ones the footer shows, including those hidden from
the footer to save room), so it cannot drift from what the keys do; the screen's `HELP` text says what it is for.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from ui.screens.base import StationModal

KEY_NAMES = {
    "escape": "Esc",
    "enter": "Enter",
    "question_mark": "?",
    "left": "Left",
    "right": "Right",
    "up": "Up",
    "down": "Down",
    "tab": "Tab",
    "shift+tab": "Shift+Tab",
    "slash": "/",
}
#: Keys every screen has (the app's): listed after the screen's own.
EVERYWHERE = [
    ("F1 or ?", "this help"),
    ("Tab / Shift+Tab", "next / previous field or pane"),
    ("Ctrl+P", "command palette: the station's commands by name"),
    ("Ctrl+Q", "quit the terminal (not on a kiosk; the station service keeps running)"),
]
SKIPPED_ACTIONS = {"help", "command_palette", "quit", "move_focus(1)", "move_focus(-1)"}


def key_words(key: str) -> str:
    return " or ".join(KEY_NAMES.get(k, k.replace("ctrl+", "Ctrl+")) for k in key.split(","))


def screen_keys(screen: Screen[Any]) -> list[tuple[str, str]]:
    """(key, what it does) for every key the screen takes now, the focused widget's first."""
    seen: dict[str, tuple[str, str]] = {}
    for key, active in screen.active_bindings.items():
        binding: Binding = active.binding
        if binding.action in SKIPPED_ACTIONS or not active.enabled or key.startswith("super+"):
            continue
        description = binding.description or binding.action.replace("_", " ")
        words = seen.get(description)
        seen[description] = (f"{words[0]} / {key_words(key)}" if words else key_words(key), description)
    return list(seen.values())


def help_text(screen: Screen[Any], kiosk: bool = False) -> Text:
    text = Text()
    about = getattr(screen, "HELP", None) or "No help is written for this screen yet."
    text.append(f"{about}\n\n")
    text.append("Keys here\n", style="bold")
    for key, what in screen_keys(screen):
        text.append(f"  {key:18}", style="bold")
        text.append(f" {what}\n")
    text.append("\nEverywhere\n", style="bold")
    for key, what in EVERYWHERE:
        if kiosk and key in ("Ctrl+Q", "Ctrl+P"):
            continue
        text.append(f"  {key:18}", style="bold")
        text.append(f" {what}\n")
    text.rstrip()
    return text


class HelpScreen(StationModal):
    HELP = "Esc, q or F1 closes the help."
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", show=False),
        Binding("f1", "close", show=False),
    ]

    def __init__(self, about: Screen[Any]) -> None:
        super().__init__()
        self.about = about

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help-box"):
            yield Static(
                f"Help - {type(self.about).__name__.removesuffix('Screen') or 'station'}", classes="screen-title"
            )
            with VerticalScroll(id="help-scroll"):
                yield Static(help_text(self.about, self.station.kiosk), id="help-text")
            yield Static("Esc closes the help", classes="dialog-foot")

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)
