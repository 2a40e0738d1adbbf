"""The technician's diagnostics: device information, the blank-platen self-test, and what an officer cannot reach."""

from __future__ import annotations

from pilot_steps import screen_name, sign_in, wait_until
from station_under_test import Station
from textual.widgets import Static

from ui.app import StationApp


def panel(app: StationApp, key: str) -> str:
    return str(app.screen.query_one(f"#panel-{key}", Static).render())


async def test_technician_runs_the_self_test_and_reads_the_report(station: Station) -> None:
    app = StationApp(station.socket)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, app, station, "tech")
        await pilot.press("d")
        await wait_until(pilot, lambda: screen_name(app) == "DiagnosticsScreen")
        await wait_until(pilot, lambda: "simulated" in panel(app, "devices").lower(), what="device information")
        app.screen.query_one("#diagnostics-tabs").active = "tab-selftest"
        await pilot.pause(0.2)
        await pilot.click("#run-selftest")
        await wait_until(
            pilot,
            lambda: "running" not in panel(app, "selftest") and panel(app, "selftest") != "",
            timeout=60,
            what="the self-test report",
        )
        report = panel(app, "selftest").lower()
        assert "uniform" in report or "mean" in report, report


async def test_an_officer_has_no_diagnostics(station: Station) -> None:
    app = StationApp(station.socket)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, station, "officer")
        await pilot.press("d")
        await pilot.pause(0.3)
        assert screen_name(app) == "HomeScreen"
