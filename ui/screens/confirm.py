"""Confirmations: sending a booking (what will be sent, then yes or no) and leaving something unsaved.

`ConfirmSubmitScreen` lists what `booking.submit` will send: the subject, how many prints of each kind, the
annotations and overrides with their reasons, the sequence check's result, and who receives it. Nothing is sent
unless the officer presses `y` (or the Send button); the default focus is on "Go back", so an Enter typed by
habit does not send.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from ui.screens.base import StationModal
from ui.words import subject_lines


def what_is_sent(booking: dict[str, Any]) -> list[str]:
    """The lines of the confirmation for a `booking.get` answer."""
    plan = booking.get("plan") or []
    rolled = [s for s in plan if s["kind"] == "rolled"]
    flats = [s for s in plan if s["kind"] != "rolled"]
    lines = ["Subject:"] + [f"  {line}" for line in subject_lines(booking.get("subject") or {})]
    lines.append(
        f"Prints: {sum(s['state'] == 'accepted' for s in rolled)} of {len(rolled)} rolled, "
        f"{sum(s['state'] == 'accepted' for s in flats)} of {len(flats)} flat (slaps and thumbs)"
    )
    for step in plan:
        if step["state"] == "annotated":
            lines.append(f"  annotated {step['label']}: {step.get('annotation')} - {step.get('reason') or ''}")
        elif step.get("override"):
            lines.append(f"  {step['label']}: below the quality gate, accepted by override")
    sequence = booking.get("sequence") or {}
    if not sequence.get("checked"):
        lines.append("Sequence check: not run yet (it runs before sending)")
    elif sequence.get("ok"):
        lines.append("Sequence check: passed, every rolled print matches its slap")
    elif sequence.get("override"):
        lines.append(f"Sequence check: mismatch accepted by you - {sequence['override']}")
    else:
        lines.append("Sequence check: MISMATCH - the station will refuse to send; recapture or accept it first")
    lines.append("To: the central (criminal history and immigration checks), as one tenprint card (EBTS CAR)")
    return lines


class ConfirmSubmitScreen(StationModal):
    HELP = "Check what will be sent. y or Send sends it now; n, Esc or Go back returns to the review."
    BINDINGS = [
        Binding("y", "send", "Send"),
        Binding("n", "cancel", "Go back"),
        Binding("escape", "cancel", "Go back"),
    ]

    def __init__(self, booking: dict[str, Any]) -> None:
        super().__init__()
        self.booking = booking

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-submit"):
            yield Static(f"Send booking {self.booking.get('booking')}?", classes="screen-title")
            with VerticalScroll(id="confirm-lines"):
                yield Static("\n".join(what_is_sent(self.booking)), id="confirm-what", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Send (y)", id="send", variant="success")
                yield Button("Go back (n)", id="cancel")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#cancel", Button))

    @on(Button.Pressed, "#send")
    def action_send(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class ConfirmScreen(StationModal):
    """A yes/no question (leaving a changed form, cancelling a booking): `y` yes, `n` or Esc no."""

    HELP = "y or the first button: yes. n, Esc or the second button: no."
    BINDINGS = [Binding("y", "yes", "Yes"), Binding("n", "no", "No"), Binding("escape", "no", "No")]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="screen-title")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="warning")
                yield Button(f"{self.no} (n)", id="no")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#no", Button))

    @on(Button.Pressed, "#yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)
