"""systemd/install.sh into a staging root: files, modes, users, units, rules; again (upgrade); uninstall."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from staging import PROJECT_ROOT, run_installer


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def passwd_entries(root: Path, name: str) -> dict[str, list[str]]:
    entries = {}
    for line in (root / "etc" / name).read_text().splitlines():
        fields = line.split(":")
        entries[fields[0]] = fields
    return entries


def test_install_lays_out_software_units_rules_and_config(staged_root: Path) -> None:
    prefix = staged_root / "opt/booking-station"
    assert (prefix / "venv/bin/station").is_file()
    assert (prefix / "VERSION").read_text().strip()
    for unit in ("station.service", "station-kiosk.service"):
        installed = staged_root / "etc/systemd/system" / unit
        assert installed.read_text() == (PROJECT_ROOT / "systemd" / unit).read_text()
        assert mode(installed) == 0o644
    assert mode(staged_root / "etc/udev/rules.d/70-booking-station.rules") == 0o644
    assert "usbserial" in (staged_root / "etc/modules-load.d/booking-station.conf").read_text()
    config_dir = staged_root / "etc/booking-station"
    assert mode(config_dir) == 0o750
    assert mode(config_dir / "station.toml") == 0o640
    assert (prefix / "share/doc/operations.md").is_file()


def test_install_creates_users_and_groups_without_login_shells(staged_root: Path) -> None:
    users = passwd_entries(staged_root, "passwd")
    groups = passwd_entries(staged_root, "group")
    assert users["station"][6] == "/usr/sbin/nologin"
    assert users["station-kiosk"][6] == "/usr/sbin/nologin"
    assert "station-kiosk" in groups["station"][3].split(",")
    assert "station" in groups["plugdev"][3].split(",")
    assert "station" in groups["dialout"][3].split(",")
    config_gid = (staged_root / "etc/booking-station/station.toml").stat().st_gid
    assert config_gid == int(groups["station"][2])


def test_udev_rules_cover_every_known_reader_and_adapter() -> None:
    rules = (PROJECT_ROOT / "systemd/70-booking-station.rules").read_text()
    ids = set(re.findall(r'idVendor\}=="([0-9a-f]{4})", ATTRS?\{idProduct\}=="([0-9a-f]{4})"', rules))
    assert ("05ba", "000a") in ids and ("05ba", "0007") in ids
    assert ("1a86", "7523") in ids and ("10c4", "ea60") in ids
    for line in rules.splitlines():
        if line and not line.startswith(("#", "ACTION", "LABEL")):
            assert 'GROUP="station"' in line and 'MODE="0660"' in line, line


def test_install_again_upgrades_and_keeps_edited_config(tmp_path: Path) -> None:
    root = tmp_path / "root"
    assert run_installer(root).returncode == 0
    config = root / "etc/booking-station/station.toml"
    config.write_text(config.read_text() + "\n# site edit\n")
    second = run_installer(root)
    assert second.returncode == 0, second.stderr
    assert "# site edit" in config.read_text()
    assert (root / "etc/booking-station/station.toml.default").is_file()
    assert len([u for u in passwd_entries(root, "passwd") if u == "station"]) == 1

    kept = run_installer(root, "--uninstall")
    assert kept.returncode == 0
    assert not (root / "opt/booking-station").exists()
    assert not (root / "etc/systemd/system/station.service").exists()
    assert config.is_file()

    (root / "var/lib/booking-station").mkdir(parents=True)
    (root / "var/lib/booking-station/station.key").write_bytes(b"k" * 64)
    wiped = run_installer(root, "--uninstall", "--wipe-data")
    assert wiped.returncode == 0
    assert not (root / "var/lib/booking-station").exists()
    assert not (root / "etc/booking-station").exists()
