"""The review is a decision: 14 prints with zoom, the subject, the sequence check per finger, the annotations, and a
confirmation that lists what will be sent before anything is sent."""

from __future__ import annotations

import pytest
from api_booking import ApiDesk
from pilot_steps import screen_name, sign_in, wait_until
from station_under_test import Station
from textual.widgets import Static

from ui.app import StationApp
from ui.screens.review import ReviewScreen
from ui.widgets.print_tile import PrintTile


def text_of(app: StationApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


@pytest.mark.timeout(600)
async def test_the_review_shows_the_card_and_sends_only_after_the_confirmation(station: Station) -> None:
    async with ApiDesk(station, "desk1") as desk:
        booking = await desk.complete_booking(annotate={"rolled_5": ("XX", "amputated at the first joint")})
        app = StationApp(station.socket)
        async with app.run_test(size=(120, 40)) as pilot:
            await sign_in(pilot, app, station, "desk1")
            app.push_screen(ReviewScreen(booking))
            await wait_until(pilot, lambda: screen_name(app) == "ReviewScreen", what="the review")
            review = app.screen
            await wait_until(pilot, lambda: len(review.tiles) == 14, what="the 14 tiles")
            assert "QUIXOTE, ALONSO" in text_of(app, "#review-subject")
            assert "BURGLARY" in text_of(app, "#review-subject")
            await wait_until(pilot, lambda: "Right" in text_of(app, "#sequence-summary"), timeout=180, what="check")
            sequence = text_of(app, "#sequence-summary")
            assert "index" in sequence and "little" in sequence
            assert "amputated at the first joint" in text_of(app, "#review-notes")
            little = review.query_one("#tile-rolled_5", PrintTile)
            assert little.border_subtitle.startswith("XX")
            accepted = [t for t in review.tiles if t.step["state"] == "accepted"]
            assert len(accepted) == 13
            assert all(t.border_subtitle.split()[0] in ("GOOD", "FAIR", "POOR", "NO") for t in accepted)
            await wait_until(pilot, lambda: all(t.image is not None for t in accepted), timeout=60, what="prints")

            # a print opens large, with 1:1 zoom
            review.tiles[4].focus()
            await pilot.press("enter")
            await wait_until(pilot, lambda: screen_name(app) == "ZoomScreen", what="the zoomed print")
            viewer = app.screen.query_one("#zoom-viewer")
            assert viewer.image is not None and viewer.image.shape == accepted[4].image.shape
            await pilot.press("z")
            assert viewer.zoom == "1:1"
            await pilot.press("escape")
            await wait_until(pilot, lambda: screen_name(app) == "ReviewScreen")

            # s lists what will be sent; going back sends nothing
            await pilot.press("s")
            await wait_until(pilot, lambda: screen_name(app) == "ConfirmSubmitScreen", what="the confirmation")
            listed = text_of(app, "#confirm-what")
            assert "QUIXOTE, ALONSO" in listed and "9 of 10 rolled" in listed and "4 of 4 flat" in listed
            assert "amputated at the first joint" in listed
            await pilot.press("enter")  # Enter by habit lands on "Go back"
            await wait_until(pilot, lambda: screen_name(app) == "ReviewScreen")
            assert (await desk.request("booking.get", booking=booking))["state"] == "open"

            await pilot.press("s")
            await wait_until(pilot, lambda: screen_name(app) == "ConfirmSubmitScreen")
            if "MISMATCH" in text_of(app, "#confirm-what"):  # the simulated prints can be flagged: accept it
                await pilot.press("n")
                await wait_until(pilot, lambda: screen_name(app) == "ReviewScreen")
                await pilot.press("o")
                await wait_until(pilot, lambda: screen_name(app) == "ReasonScreen")
                app.screen.query_one("#reason").value = "checked by eye (test)"
                await pilot.click("#ok")
                await wait_until(pilot, lambda: "override" in text_of(app, "#sequence-summary"))
                await pilot.press("s")
                await wait_until(pilot, lambda: screen_name(app) == "ConfirmSubmitScreen")
            await pilot.press("y")
            await wait_until(pilot, lambda: screen_name(app) == "ResultsScreen", timeout=180, what="the bookings")
            assert (await desk.request("booking.get", booking=booking))["state"] != "open"
            await pilot.press("escape")  # home, never the submitted booking's capture screen
            await wait_until(pilot, lambda: screen_name(app) == "HomeScreen", what="home")
