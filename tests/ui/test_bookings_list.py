"""Bookings you can come back to: open ones resumed or cancelled (with a reason, audited), and no way back into a
booking that is no longer open."""

from __future__ import annotations

import json

import pytest
from api_booking import SUBJECT, ApiDesk
from pilot_steps import screen_name, sign_in, wait_until
from station_under_test import Station
from textual.widgets import DataTable, Input

from ui.app import StationApp
from ui.screens.capture import CaptureScreen


def select(app: StationApp, booking: str) -> None:
    table = app.screen.query_one(DataTable)
    index = next(i for i, key in enumerate(table.rows) if key.value == booking)
    table.move_cursor(row=index)


def state_of(app: StationApp, booking: str) -> str:
    return next((str(r["state"]) for r in app.screen.rows if r["booking"] == booking), "")


@pytest.mark.timeout(300)
async def test_open_bookings_are_resumed_or_cancelled_and_a_closed_one_is_not_reopened(station: Station) -> None:
    async with ApiDesk(station, "desk3") as desk:
        named = await desk.open_booking(SUBJECT)
        blank = await desk.open_booking()
    app = StationApp(station.socket)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, station, "desk3")
        await pilot.press("r")
        await wait_until(pilot, lambda: screen_name(app) == "ResultsScreen" and len(app.screen.rows) == 2)
        bookings = app.screen
        assert {state_of(app, named), state_of(app, blank)} == {"open"}
        assert "(no subject yet)" in [str(c) for c in bookings.query_one(DataTable).get_row(blank)]

        select(app, blank)  # no subject yet: resumes on the subject form
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(app) == "SubjectScreen", what="the subject form")
        await pilot.press("escape")  # nothing typed: leaves without asking
        await wait_until(pilot, lambda: screen_name(app) == "ResultsScreen")

        select(app, named)  # with a subject: resumes on the captures
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(app) == "CaptureScreen", what="the capture screen")
        await wait_until(pilot, lambda: len(app.screen.plan) == 14)
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen_name(app) == "ResultsScreen")

        select(app, blank)
        await pilot.press("k")
        await wait_until(pilot, lambda: screen_name(app) == "ReasonScreen", what="the reason for cancelling")
        app.screen.query_one("#reason", Input).value = "booked at the wrong desk"
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(app) == "ResultsScreen" and state_of(app, blank) == "cancelled")

        # a booking that is no longer open never shows its capture screen again
        app.push_screen(CaptureScreen(blank))
        await wait_until(pilot, lambda: screen_name(app) == "ResultsScreen", what="the capture screen to leave")
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen_name(app) == "HomeScreen", what="home")

    audit = [json.loads(line) for line in (station.root / "station" / "audit" / "audit.jsonl").read_text().splitlines()]
    cancelled = [r for r in audit if r["what"] == "booking.cancel"]
    assert cancelled and cancelled[-1]["who"] == "desk3", cancelled
    assert "wrong desk" in json.dumps(cancelled[-1])
