"""Help on every screen (F1 / ?), the command palette's station commands, and the README saying how to quit."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

from pilot_steps import screen_name, sign_in, wait_until
from station_under_test import Station
from textual.widgets import Static

import ui.screens
from ui.app import StationApp
from ui.screens.base import StationModal, StationScreen

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_screen_says_what_it_is_for() -> None:
    for module in pkgutil.iter_modules(ui.screens.__path__):
        importlib.import_module(f"ui.screens.{module.name}")
    screens = [*StationScreen.__subclasses__(), *StationModal.__subclasses__()]
    assert len(screens) >= 10
    missing = [s.__name__ for s in screens if not getattr(s, "HELP", None)]
    assert missing == []


def test_the_readme_says_how_to_quit_with_the_key_the_app_binds() -> None:
    keys = {b.key for b in StationApp.BINDINGS if getattr(b, "action", "") == "quit"}  # type: ignore[union-attr]
    text = README.read_text()
    assert re.search(r"to quit", text, re.IGNORECASE)
    assert any(f"`{key}`" in text for key in keys), keys


async def test_f1_lists_the_keys_of_the_screen_and_the_palette_runs_station_commands(station: Station) -> None:
    app = StationApp(station.socket)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, station, "desk2")
        await pilot.press("f1")
        await wait_until(pilot, lambda: screen_name(app) == "HelpScreen", what="the help")
        listed = str(app.screen.query_one("#help-text", Static).render())
        assert "New booking" in listed and "Sign out" in listed and "Ctrl+Q" in listed
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen_name(app) == "HomeScreen")
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: screen_name(app) == "HelpScreen", what="the help by ?")
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen_name(app) == "HomeScreen")

        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: screen_name(app) == "CommandPalette", what="the palette")
        await pilot.press(*"bookings")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(app) == "ResultsScreen", what="the bookings from the palette")
        await pilot.press("f1")
        await wait_until(pilot, lambda: screen_name(app) == "HelpScreen")
        assert "Reload" in str(app.screen.query_one("#help-text", Static).render())
