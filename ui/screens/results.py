"""Bookings: every booking of this officer with its state, and for a submitted one each system's answer.

Open bookings can be resumed (Enter: the subject form if it has no subject yet, else the captures) or cancelled
with a reason (`k`, audited by the daemon, the booking's data shredded). A submitted booking shows its timeline per
system: the answer, when it came and what to do next, or when it is due. An answer that needs the officer (a hit, a
match) opens a modal to acknowledge (`ui.screens.answer_alert`); Enter on the booking opens it again until it is.
Nothing here leads back to a submitted booking's capture screen.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input, Static

from ui.answer_words import answer_cell, needs_acknowledging, next_step, per_system
from ui.messages import EventReceived
from ui.quality_bands import VERMILLION
from ui.screens.base import StationScreen
from ui.words import person_name, when

STATE_WORDS = {"sent": "at central", "submitting": "sealing"}


class ResultsScreen(StationScreen):
    HELP = (
        "Your bookings, newest first. Up and down pick one; Enter resumes an open booking or acknowledges an "
        "answer that needs you; k cancels an open booking (with a reason); / filters; r reloads; Esc goes home."
    )
    BINDINGS = [
        Binding("enter", "open", "Open"),
        Binding("k", "cancel_booking", "Cancel booking"),
        Binding("r", "reload", "Reload"),
        Binding("slash", "filter", "Filter"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, select: str | None = None) -> None:
        super().__init__()
        self.select = select
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="results-body"):
            yield Static("Bookings", classes="screen-title")
            yield Input(id="results-filter", placeholder="/ filter: name, state, TCN, HIT ...")
            yield DataTable(id="results-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="results-detail-scroll"):
                yield Static("", id="results-detail")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Started", key="started")
        table.add_column("Subject", key="subject")
        table.add_column("State", key="state")
        table.add_column("Answer", key="answer")
        self.set_focus(table)
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    def action_filter(self) -> None:
        self.query_one("#results-filter", Input).focus()

    @on(Input.Changed, "#results-filter")
    def _filtered(self) -> None:
        self.fill()

    @on(Input.Submitted, "#results-filter")
    def _filter_done(self) -> None:
        self.query_one(DataTable).focus()

    @work(exclusive=True, group="booking_loaders")
    async def load(self) -> None:
        result = await self.call("booking.list")
        if result is None:
            return
        rows = list(result.get("bookings", []))
        self.rows = sorted(rows, key=lambda r: r.get("created_at") or 0, reverse=True)
        self.fill()

    def cells(self, row: dict[str, Any]) -> tuple[str, str, str, str]:
        state = str(row.get("state") or "")
        return (
            when(row.get("created_at")).split(" (")[0][5:],  # 12-07 14:03: the year is this year's
            person_name(str(row.get("name") or "")) if row.get("name") else "(no subject yet)",
            STATE_WORDS.get(state, state),
            answer_cell(row),
        )

    def fill(self) -> None:
        needle = self.query_one("#results-filter", Input).value.strip().lower()
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for row in self.rows:
            cells = self.cells(row)
            haystack = " ".join([*cells, str(row.get("tcn") or ""), str(row.get("booking"))]).lower()
            if needle and needle not in haystack:
                continue
            answer = Text(cells[3], style=f"bold {VERMILLION}") if needs_acknowledging(row) else cells[3]
            table.add_row(*cells[:3], answer, key=str(row.get("booking")))
        if self.select:
            for index, key in enumerate(table.rows):
                if key.value == self.select:
                    table.move_cursor(row=index)
            self.select = None
        elif keep is not None and keep < table.row_count:
            table.move_cursor(row=keep)
        self.show_detail()

    def selected(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        if table.row_count == 0 or table.cursor_row is None:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        return next((r for r in self.rows if str(r.get("booking")) == key), None)

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.show_detail()
        self.refresh_bindings()

    def show_detail(self) -> None:
        detail = self.query_one("#results-detail", Static)
        row = self.selected()
        if row is None:
            detail.update("No bookings yet." if not self.rows else "No booking matches the filter.")
            return
        text = Text()
        text.append(f"Booking {row.get('booking')}", style="bold")
        text.append(f"   TCN {row.get('tcn') or '-'}   {STATE_WORDS.get(row['state'], row['state'])}\n")
        for system in per_system(row):
            text.append(f"{system['system']}: ", style="bold")
            text.append(f"{system['what']}  ({system['when']})\n")
            text.append(f"  next: {system['next']}\n")
        step = next_step(row)
        if step:
            text.append("Next: ", style="bold")
            text.append(step, style=f"bold {VERMILLION}" if needs_acknowledging(row) else "")
        text.rstrip()
        detail.update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "cancel_booking"):
            row = self.selected() if self.is_mounted else None
            if row is None:
                return False
            if action == "cancel_booking":
                return row.get("state") == "open"
            return row.get("state") == "open" or bool(needs_acknowledging(row))
        return True

    @on(DataTable.RowSelected)
    def _chosen(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        row = self.selected()
        if row is None:
            return
        if needs_acknowledging(row):
            self.station.show_answers(str(row["booking"]), needs_acknowledging(row))
        elif row.get("state") == "open":
            self.resume(str(row["booking"]))

    @work(exclusive=True, group="booking_openers")
    async def resume(self, booking: str) -> None:
        result = await self.call("booking.get", booking=booking)
        if result is None:
            return
        if result["state"] != "open":
            self.load()
            return
        subject = result.get("subject") or {}
        if not subject:
            from ui.screens.subject import SubjectScreen

            self.app.push_screen(SubjectScreen(booking))
        else:
            from ui.screens.capture import CaptureScreen

            self.app.push_screen(CaptureScreen(booking))

    def action_cancel_booking(self) -> None:
        row = self.selected()
        if row is None or row.get("state") != "open":
            return
        from ui.screens.annotate import ReasonScreen

        booking = str(row["booking"])

        def given(reason: str | None) -> None:
            if reason:
                self.cancel_booking(booking, reason)

        self.app.push_screen(ReasonScreen(f"Cancel booking {booking}: its data is shredded"), given)

    @work(group="booking_cancellers")
    async def cancel_booking(self, booking: str, reason: str) -> None:
        if await self.call("booking.cancel", booking=booking, reason=reason) is not None:
            self.station.notify(f"Booking {booking} cancelled.")
            self.load()

    def on_event_received(self, event: EventReceived) -> None:
        if event.topic in ("answer", "queue", "booking"):
            self.load()

    def on_screen_resume(self) -> None:
        if self.rows:
            self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
