"""Small dialogs of the capture screen: annotate a finger (XX / UP / SR) and give a reason for an override."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from station.formats.ebts.codes import AMPUTATION
from ui.screens.base import StationModal

MIN_REASON = 4


class AnnotateScreen(StationModal):
    HELP = "Choose why the finger cannot be printed and say why in your words; Esc cancels."
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Annotate {self.what}", classes="screen-title")
            yield Select([(f"{code} - {meaning}", code) for code, meaning in AMPUTATION.items()], id="code")
            yield Label("Reason (recorded with your name)")
            yield Input(id="reason")
            yield Static("", id="dialog-error")
            with Horizontal(classes="buttons"):
                yield Button("Annotate", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#ok")
    @on(Input.Submitted, "#reason")
    def _ok(self) -> None:
        code = self.query_one("#code", Select).value
        reason = self.query_one("#reason", Input).value.strip()
        if code is Select.NULL or len(reason) < MIN_REASON:
            self.query_one("#dialog-error", Static).update("Choose a code and give a reason.")
            return
        self.dismiss((str(code), reason))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ReasonScreen(StationModal):
    HELP = "Give the reason (it is recorded with your name); Enter confirms, Esc cancels."
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="screen-title")
            yield Label("Reason (recorded with your name)")
            yield Input(id="reason")
            yield Static("", id="dialog-error")
            with Horizontal(classes="buttons"):
                yield Button("Confirm", id="ok", variant="warning")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#ok")
    @on(Input.Submitted, "#reason")
    def _ok(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if len(reason) < MIN_REASON:
            self.query_one("#dialog-error", Static).update("Give a reason.")
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
