"""The units pass systemd's own checks: `verify` prints nothing, and the daemon's exposure score is <= 2.0."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from staging import PROJECT_ROOT, require_tool

UNITS = ("station.service", "station-kiosk.service")
MAX_DAEMON_EXPOSURE = 2.0


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_tool("systemd-analyze"), *args], capture_output=True, text=True, timeout=120)


def test_units_verify_without_any_output(staged_root: Path) -> None:
    result = analyze("verify", "--man=no", f"--root={staged_root}", *UNITS)
    assert result.returncode == 0
    # verify exits 0 on unknown keys and bad values and only warns: any output is a failure.
    assert result.stdout + result.stderr == ""


def exposure(root: Path, unit: str) -> float:
    result = analyze("security", "--offline=true", f"--root={root}", unit)
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout + result.stderr)
    assert match, result.stdout + result.stderr
    return float(match.group(1))


def test_daemon_exposure_is_low(staged_root: Path) -> None:
    assert exposure(staged_root, "station.service") <= MAX_DAEMON_EXPOSURE


def test_kiosk_exposure_is_low(staged_root: Path) -> None:
    assert exposure(staged_root, "station-kiosk.service") <= MAX_DAEMON_EXPOSURE


def unit_settings(name: str) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (PROJECT_ROOT / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_daemon_unit_is_notify_with_watchdog_and_own_user() -> None:
    unit = unit_settings("station.service")
    assert unit["Type"] == ["notify"]
    assert unit["WatchdogSec"] and unit["Restart"] == ["on-failure"]
    assert unit["User"] == ["station"] and unit["DevicePolicy"] == ["closed"]
    assert set(unit["DeviceAllow"]) == {"char-usb_device rw", "char-ttyUSB rw", "char-ttyACM rw"}
    assert unit["CapabilityBoundingSet"] == [""]


def test_the_descriptor_limit_fits_the_api_connection_caps() -> None:
    from station.api.limits import descriptors_needed

    (limit,) = unit_settings("station.service")["LimitNOFILE"]
    assert int(limit) >= descriptors_needed()


def test_kiosk_owns_tty1_without_getty_and_restarts() -> None:
    unit = unit_settings("station-kiosk.service")
    assert unit["Conflicts"] == ["getty@tty1.service"]
    assert unit["TTYPath"] == ["/dev/tty1"]
    assert unit["Restart"] == ["always"]
    assert "station.service" in unit["After"][0]
