"""An answer that needs the officer (a hit, a match): a modal that stays until the officer acknowledges it.

It names the booking, each system's answer with the time it came and what to do next. Enter (or the button) sends
`answer.acknowledge` for every answer listed (the daemon audits who saw it, when and where); there is no other way
out, so a hit cannot be missed by pressing Esc. If the acknowledgment cannot be sent, the modal stays and says why.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Static

from ui.answer_words import SYSTEM_NAMES, next_for_answer
from ui.quality_bands import VERMILLION
from ui.screens.base import StationModal
from ui.words import when


def alert_text(booking: str, entries: list[dict[str, Any]]) -> Text:
    text = Text()
    text.append(f"Booking {booking}", style="bold")
    tcn = next((e.get("tcn") for e in entries if e.get("tcn")), None)
    if tcn:
        text.append(f"   TCN {tcn}")
    text.append("\n")
    for entry in entries:
        system = SYSTEM_NAMES.get(str(entry.get("system")), str(entry.get("system") or "answer"))
        label = str(entry.get("label") or entry.get("what") or entry.get("outcome"))
        text.append(f"\n{system}: ", style="bold")
        text.append(label.split(": ", 1)[-1].upper(), style=f"bold {VERMILLION}")
        if entry.get("subject_id"):
            text.append(f"  subject {entry['subject_id']}")
        text.append(f"\n  received {when(entry.get('when') or entry.get('at'))}\n")
        text.append(f"  next: {next_for_answer(entry)}\n")
    text.rstrip()
    return text


class AnswerAlertScreen(StationModal):
    HELP = "An answer that needs you. Read it; Enter acknowledges it (recorded with your name) and closes."
    BINDINGS = [Binding("escape", "nothing", show=False)]

    def __init__(self, booking: str, entries: list[dict[str, Any]]) -> None:
        super().__init__()
        self.booking = booking
        self.entries = list(entries)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="answer-alert"):
            yield Static("ANSWER NEEDS YOU", id="alert-title")
            yield Static(alert_text(self.booking, self.entries), id="alert-text")
            yield Static("", id="dialog-error")
            yield Button("I have read it - acknowledge (Enter)", id="acknowledge", variant="error")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#acknowledge", Button))

    def add(self, booking: str, entries: list[dict[str, Any]]) -> bool:
        """More answers of the same booking while the modal is open; False for another booking's."""
        if booking != self.booking:
            return False
        known = {e.get("answer_id") for e in self.entries}
        self.entries += [e for e in entries if e.get("answer_id") not in known]
        self.query_one("#alert-text", Static).update(alert_text(self.booking, self.entries))
        return True

    def action_nothing(self) -> None:
        self.query_one("#dialog-error", Static).update("Acknowledge the answer to close this (Enter).")

    @on(Button.Pressed, "#acknowledge")
    def _acknowledge(self) -> None:
        self.acknowledge()

    @work(exclusive=True, group="acknowledgers")
    async def acknowledge(self) -> None:
        for entry in self.entries:
            if await self.call("answer.acknowledge", answer_id=str(entry["answer_id"]), quiet=True) is None:
                self.query_one("#dialog-error", Static).update(
                    "The acknowledgment was not recorded (the station service did not take it); try again."
                )
                return
        self.dismiss(True)
