"""Results: every booking of this officer with its timeline and the central's answer, and what to do next."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Input, Static

from ui.messages import EventReceived
from ui.screens.base import StationScreen

NEXT_STEPS = {
    "draft": "Finish the subject data and the captures, then submit.",
    "capturing": "Finish the captures, then submit.",
    "queued": "Nothing: the station sends it when central is reachable.",
    "sealed": "Nothing: the station sends it when central is reachable.",
    "sending": "Nothing: being sent.",
    "accepted": "Nothing: central has it; the answer follows.",
    "failed": "Call a technician: the submission could not be delivered (see the reason).",
}


def answer_words(answer: dict[str, Any] | None) -> str:
    if not answer:
        return "-"
    kind = answer.get("kind") or answer.get("tot")
    if kind in ("ERRT", "error"):
        return "ERROR"
    if answer.get("hit") or answer.get("result") in ("I", "hit"):
        return "HIT"
    return "NO HIT"


def next_step(row: dict[str, Any]) -> str:
    answer = row.get("answer")
    if answer:
        words = answer_words(answer)
        if words == "HIT":
            who = answer.get("subject_id") or answer.get("subject") or "a known subject"
            return f"Identified as {who}: follow the hit procedure."
        if words == "ERROR":
            return f"Rejected by central: {answer.get('reason') or answer.get('message', '')}. Correct and resubmit."
        return "No record found: continue the booking as a first arrest."
    return NEXT_STEPS.get(str(row.get("state")), "")


class ResultsScreen(StationScreen):
    BINDINGS = [("r", "reload", "Reload"), ("escape", "back", "Back"), ("slash", "filter", "Filter")]

    def __init__(self, select: str | None = None) -> None:
        super().__init__()
        self.select = select
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="results-body"):
            yield Static("Results", classes="screen-title")
            with Horizontal(id="results-filter-row"):
                yield Input(id="results-filter", placeholder="filter: name, TCN, state, hit / no hit")
            yield DataTable(id="results-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="results-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Booking", "Subject", "State", "TCN", "Answer")
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    def action_filter(self) -> None:
        self.query_one("#results-filter", Input).focus()

    @on(Input.Changed, "#results-filter")
    def _filtered(self) -> None:
        self.fill()

    @work(exclusive=True, group="booking_loaders")
    async def load(self) -> None:
        result = await self.call("booking.list")
        if result is None:
            return
        self.rows = list(result.get("bookings", []))
        self.fill()

    def fill(self) -> None:
        needle = self.query_one("#results-filter", Input).value.strip().lower()
        table = self.query_one(DataTable)
        table.clear()
        for row in self.rows:
            cells = (
                str(row.get("booking")),
                str(row.get("name") or ""),
                str(row.get("state") or ""),
                str(row.get("tcn") or ""),
                answer_words(row.get("answer")),
            )
            if needle and needle not in " ".join(cells).lower():
                continue
            table.add_row(*cells, key=str(row.get("booking")))
        if self.select:
            for index, row in enumerate(self.rows):
                if row.get("booking") == self.select:
                    table.move_cursor(row=index)
        self.show_detail()

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        table = self.query_one(DataTable)
        detail = self.query_one("#results-detail", Static)
        if not self.rows or table.cursor_row is None or table.row_count == 0:
            detail.update("No bookings yet.")
            return
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        row = next((r for r in self.rows if str(r.get("booking")) == key), None)
        if row is None:
            return
        lines = [f"Booking {row.get('booking')}   TCN {row.get('tcn') or '-'}"]
        for stamp in row.get("timeline", []) or []:
            lines.append(f"  {stamp.get('at') or '(awaited)'}  {stamp.get('what', '')}")
        lines.append(f"Answer: {answer_words(row.get('answer'))}")
        lines.append(f"Next: {next_step(row)}")
        detail.update("\n".join(lines))

    def on_event_received(self, event: EventReceived) -> None:
        if event.topic in ("answer", "queue", "booking"):
            self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
