"""The subject form speaks to people: labels in messages, one height format, names upper-cased, Esc asks first."""

from __future__ import annotations

import pytest
from api_booking import SUBJECT
from pilot_steps import screen_name, sign_in, wait_until
from station_under_test import Station
from textual.widgets import Input, Static

from station.booking.subject_form import problems
from ui.app import StationApp
from ui.form_words import HEIGHT_HINT, LABELS, field_of, friendly
from ui.screens.subject import CODED_FIELDS, TEXT_FIELDS, field_problems, height_from

INTERNAL = ("dob", "pob", "offense", "is not a code", "1-40", "__init__", "510", "2.0")


@pytest.mark.parametrize("typed", ["5 10", "5'10\"", "5 ft 10 in", "5-10", "510"])
def test_height_is_feet_and_inches_however_it_is_typed(typed: str) -> None:
    assert height_from(typed) == "510"
    assert field_problems("height", typed) == []


def test_the_height_hint_and_its_message_give_the_same_format() -> None:
    assert TEXT_FIELDS["height"][2] == HEIGHT_HINT
    assert field_problems("height", "tall") == [HEIGHT_HINT]


def test_no_message_of_an_empty_form_uses_internal_names_or_codes() -> None:
    for field in [*TEXT_FIELDS, *CODED_FIELDS]:
        for message in field_problems(field, "", "", ""):
            assert not any(word in message for word in INTERNAL), (field, message)
    assert field_problems("sex", "") == ["choose one from the list"]
    assert field_problems("offense", "") == ["enter the offence, e.g. BURGLARY"]


def test_names_are_checked_upper_cased() -> None:
    assert field_problems("surname", "quixote", "quixote", "alonso") == []


def test_a_refusal_the_form_cannot_place_never_shows_the_programs_text() -> None:
    refused = problems({"name": "DOE,JOHN"})  # the daemon's own check of an incomplete form
    assert refused and field_of(refused[0]["field"]) is None
    assert "__init__" not in friendly("", refused[0]["message"])
    dob = problems({**SUBJECT, "date_of_birth": "1800-01-01"})
    placed = [p for p in dob if p["severity"] == "error"]
    assert [field_of(p["field"]) for p in placed] == ["dob"]
    assert LABELS["dob"] == "Date of birth"


async def test_typed_names_turn_upper_case_and_esc_on_a_changed_form_asks_first(station: Station) -> None:
    app = StationApp(station.socket)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, station, "desk5")
        await pilot.press("n")
        await wait_until(pilot, lambda: screen_name(app) == "SubjectScreen", what="the subject form")
        await pilot.press(*"quixote")
        await pilot.pause(0.2)
        assert app.screen.query_one("#surname", Input).value == "QUIXOTE"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Fix the marked" in str(app.screen.query_one("#subject-problems").render()))
        summary = str(app.screen.query_one("#subject-problems", Static).render())
        assert "Date of birth" in summary and "Arrest offence" in summary
        assert not any(f" {word}," in summary for word in ("dob", "pob", "offense"))

        await pilot.press("escape")
        await wait_until(pilot, lambda: screen_name(app) == "ConfirmScreen", what="the question")
        await pilot.press("n")
        await wait_until(pilot, lambda: screen_name(app) == "SubjectScreen")
        assert app.screen.query_one("#surname", Input).value == "QUIXOTE"
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen_name(app) == "ConfirmScreen")
        await pilot.press("y")
        await wait_until(pilot, lambda: screen_name(app) == "HomeScreen", what="home")
