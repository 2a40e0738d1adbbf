"""Steps a person takes in the UI, for the Pilot-driven tests."""

from __future__ import annotations

import time
from collections.abc import Callable

from station_under_test import Station
from textual.pilot import Pilot

from ui.app import StationApp


async def wait_until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.1)


def screen_name(app: StationApp) -> str:
    """The name of the screen on top, once it has been composed (its widgets exist)."""
    screen = app.screen
    return type(screen).__name__ if screen.children else ""


async def sign_in(pilot: Pilot, app: StationApp, station: Station, username: str) -> None:
    await wait_until(pilot, lambda: screen_name(app) == "BannerScreen", what="the banner")
    await pilot.press("enter")
    await wait_until(pilot, lambda: screen_name(app) == "LoginScreen", what="the login screen")
    await pilot.click("#username")
    await pilot.press(*username)
    await pilot.press("enter")
    await pilot.press(*station.password(username))
    await pilot.press("enter")
    await pilot.press(*station.code(username))
    await pilot.press("enter")
    await wait_until(
        pilot,
        lambda: screen_name(app) != "LoginScreen" or str(app.screen.query_one("#login-error").render()) != "",
        what="the login's outcome",
    )
    if screen_name(app) == "LoginScreen":
        raise AssertionError(f"login refused: {app.screen.query_one('#login-error').render()}")
    await wait_until(pilot, lambda: screen_name(app) == "HomeScreen", what="the home screen")
    await pilot.pause(0.3)  # let the screen finish mounting its header


def screen_text(app: StationApp) -> str:
    """The screen as plain text, as the terminal shows it (what a snapshot shows, without the colours)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False)
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens, simplify=True)
    console.print(update)
    return console.export_text()
