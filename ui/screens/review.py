"""Review before submission: all captures with quality, annotations and the sequence check's verdict.

Mismatches found by the sequence check (a rolled print that does not match its slap segment) are shown in red with
the likely desk error and the fix ("fingers 2 and 3 swapped: recapture both"). Submit is refused by the daemon until
the booking is complete and the sequence check passes or each mismatch has been recaptured.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Footer, Header, Static

from ui.screens.base import StationScreen


def verdict_text(step: dict[str, Any]) -> Text:
    verdict = step.get("sequence")
    if not verdict:
        return Text("-")
    if verdict in ("ok", "match", "agrees", "agree"):
        return Text("matches slap", style="green")
    if verdict in ("annotated", "skipped", "not_compared"):
        return Text(str(verdict))
    return Text(str(verdict), style="bold red")


class ReviewScreen(StationScreen):
    BINDINGS = [("s", "submit", "Submit"), ("escape", "back", "Back to capture")]

    def __init__(self, booking: str) -> None:
        super().__init__()
        self.booking = booking

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="review-body"):
            yield Static(f"Booking {self.booking} - review", classes="screen-title")
            yield DataTable(id="review-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="sequence-summary")
            with Horizontal(classes="buttons"):
                yield Button("Submit to central", id="submit", variant="success")
                yield Button("Back to capture", id="back")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Capture", "State", "NFIQ 2", "Note", "Sequence check")
        self.load()

    @work(exclusive=True, group="booking_loaders")
    async def load(self) -> None:
        result = await self.call("booking.get", booking=self.booking)
        if result is None:
            return
        plan = [dict(step) for step in result["plan"]]
        if result["complete"] and not (result.get("sequence") or {}).get("checked"):
            # Every slap and roll is in: compare each roll with its slap segment before the officer submits.
            self.query_one("#sequence-summary", Static).update("Checking the sequence (rolled against slaps)...")
            checked = await self.call("booking.sequence_check", booking=self.booking, timeout=120)
            if checked is not None:
                result["sequence"] = checked
        table = self.query_one(DataTable)
        table.clear()
        verdicts = {v.get("position"): v for v in (result.get("sequence") or {}).get("positions") or []}
        for step in plan:
            verdict = verdicts.get(step.get("position")) if step.get("kind") == "rolled" else None
            if verdict:
                step["sequence"] = verdict.get("error") or verdict.get("verdict")
            note = step.get("annotation") or ("override" if step.get("override") else "")
            quality = "-" if step.get("nfiq2") is None else str(step["nfiq2"])
            table.add_row(step.get("label", step["key"]), step.get("state", ""), quality, note, verdict_text(step))
        sequence = result.get("sequence") or {}
        summary = self.query_one("#sequence-summary", Static)
        findings = sequence.get("findings") or []
        if findings:
            summary.update(
                Text(
                    "\n".join(f"! {f.get('message', f)}" if isinstance(f, dict) else f"! {f}" for f in findings),
                    style="bold red",
                )
            )
        elif sequence.get("checked"):
            summary.update(Text("Sequence check passed: every rolled print matches its slap.", style="green"))
        else:
            summary.update("The sequence check runs when all slaps and rolls are captured.")
        self.query_one("#submit", Button).disabled = not result["complete"]

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        self.submit()

    @work(exclusive=True, group="submitters")
    async def submit(self) -> None:
        result = await self.call("booking.submit", booking=self.booking, timeout=120)
        if result is None:
            return
        self.station.notify(f"Submitted as TCN {result.get('tcn')}; the answer will appear in Results.", timeout=10)
        from ui.screens.results import ResultsScreen

        self.app.switch_screen(ResultsScreen(select=self.booking))

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.app.pop_screen()
