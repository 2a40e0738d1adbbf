"""Snapshots of the key screens at the two sizes that matter: 80x24 (the text console) and 120x40.

Refresh after an intended change with `pytest tests/ui/test_snapshots.py --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

import pytest
from pilot_steps import screen_name, sign_in, wait_until
from station_under_test import Station
from textual.pilot import Pilot

from ui.app import StationApp

SIZES = [(80, 24), (120, 40)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_banner(snap_compare, station: Station, size: tuple[int, int]) -> None:
    app = StationApp(station.socket)

    async def banner_shown(pilot: Pilot) -> None:
        await wait_until(pilot, lambda: screen_name(app) == "BannerScreen")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=size, run_before=banner_shown)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_login(snap_compare, station: Station, size: tuple[int, int]) -> None:
    app = StationApp(station.socket)

    async def login_shown(pilot: Pilot) -> None:
        await wait_until(pilot, lambda: screen_name(app) == "BannerScreen")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=size, run_before=login_shown)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_officer_home(snap_compare, station: Station, size: tuple[int, int]) -> None:
    app = StationApp(station.socket)

    async def home_shown(pilot: Pilot) -> None:
        await sign_in(pilot, app, station, "officer")

    assert snap_compare(app, terminal_size=size, run_before=home_shown)
