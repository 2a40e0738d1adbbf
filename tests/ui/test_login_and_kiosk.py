"""Login as the daemon enforces it, role menus, lock, kiosk that cannot be quit, reconnect after a daemon restart."""

from __future__ import annotations

from pilot_steps import screen_name, sign_in, wait_until
from station_under_test import Station
from textual.widgets import Button, Static

from ui.app import StationApp


async def test_banner_then_login_with_a_wrong_code_is_refused_then_accepted(station: Station) -> None:
    app = StationApp(station.socket)
    async with app.run_test(size=(80, 24)) as pilot:
        # The screen's box is mounted before the widgets inside it: wait for the title itself.
        await wait_until(pilot, lambda: screen_name(app) == "BannerScreen" and bool(app.screen.query("#banner-title")))
        assert "RESTRICTED" in str(app.screen.query_one("#banner-title", Static).render())
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(app) == "LoginScreen")
        screen = app.screen
        screen.query_one("#username").value = "officer"
        screen.query_one("#password").value = station.password("officer")
        screen.query_one("#totp").value = "000000"
        await pilot.click("#sign-in")
        await wait_until(pilot, lambda: str(screen.query_one("#login-error", Static).render()) != "")
        assert screen_name(app) == "LoginScreen"
        assert screen.query_one("#password").value == ""  # a failed attempt clears the secrets
    app = StationApp(station.socket)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, station, "officer")
        labels = [str(b.label) for b in app.screen.query(Button)]
        assert any("New booking" in label for label in labels)
        assert not any("Diagnostics" in label for label in labels)


async def test_lock_hides_the_screen_until_the_user_signs_in_again(station: Station) -> None:
    app = StationApp(station.socket)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, station, "admin")
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: screen_name(app) == "LockScreen")
        lock = app.screen
        lock.query_one("#lock-password").value = station.password("admin")
        lock.query_one("#lock-totp").value = station.code("admin")
        await pilot.click("#unlock")
        await wait_until(pilot, lambda: screen_name(app) == "HomeScreen", what="unlocked")


async def test_idle_time_locks_the_session(station: Station) -> None:
    app = StationApp(station.socket, idle_lock_s=1.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app, station, "tech")
        await wait_until(pilot, lambda: screen_name(app) == "LockScreen", timeout=10, what="the idle lock")


async def test_kiosk_cannot_be_quit_and_has_no_command_palette(station: Station) -> None:
    app = StationApp(station.socket, kiosk=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "BannerScreen")
        for key in ("ctrl+q", "ctrl+c", "ctrl+p"):
            await pilot.press(key)
            await pilot.pause(0.2)
            assert app.is_running
        assert screen_name(app) == "BannerScreen"  # no palette opened either
        assert list(app.get_system_commands(app.screen)) == []


async def test_kiosk_survives_a_daemon_restart(station: Station) -> None:
    app = StationApp(station.socket, kiosk=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: screen_name(app) == "BannerScreen")
        station.stop_daemon()
        await wait_until(pilot, lambda: screen_name(app) == "ConnectingScreen", what="the lost connection")
        station.start_daemon()
        await wait_until(pilot, lambda: screen_name(app) == "BannerScreen", timeout=60, what="the reconnection")
        assert app.is_running
