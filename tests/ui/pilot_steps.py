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
