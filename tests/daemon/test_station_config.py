"""Configuration: defaults for everything, errors that name the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.config import EXAMPLE_TOML, ConfigError, load_config, parse_config
from station.errors import InputError


def test_no_file_gives_working_defaults() -> None:
    config = load_config(None)
    assert config.scanner_uri == "sim://?seed=1"
    assert config.mode == "interactive" and config.headless_fingers == (2, 7)
    assert config.idle_lock_minutes == 30 and config.lockout_failures == 5 and config.account_expiry_days == 90
    assert config.workers >= 1


def test_example_file_parses_to_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "station.toml"
    path.write_text(EXAMPLE_TOML)
    config = load_config(path)
    defaults = load_config(None, overrides={"state_dir": Path("/var/lib/station")})
    assert config.hooks == defaults.hooks and config.headless_fingers == defaults.headless_fingers
    assert config.socket_path == Path("/run/station/station.sock")


def test_values_are_read(tmp_path: Path) -> None:
    path = tmp_path / "station.toml"
    path.write_text(
        '[station]\nmode = "headless"\nstate_dir = "/tmp/x"\n[headless]\nfingers = [1, 6]\n'
        '[notify]\nhooks = [{ kind = "webhook", url = "https://desk.example/hook" }]\n'
        "[security]\nidle_lock_minutes = 10\n"
    )
    config = load_config(path)
    assert config.headless and config.headless_fingers == (1, 6) and config.idle_lock_minutes == 10
    assert config.hooks[0].url == "https://desk.example/hook" and config.state_dir == Path("/tmp/x")


@pytest.mark.parametrize(
    ("document", "key"),
    [
        ({"station": {"mode": "kiosk"}}, "station.mode"),
        ({"station": {"state_dir": "relative/dir"}}, "station.state_dir"),
        ({"station": {"colour": "red"}}, "station.colour"),
        ({"security": {"lockout_failures": 9}}, "security.lockout_failures"),
        ({"security": {"idle_lock_minutes": 45}}, "security.idle_lock_minutes"),
        ({"security": {"idle_lock_minutes": "ten"}}, "security.idle_lock_minutes"),
        ({"headless": {"fingers": [2, 11]}}, "headless.fingers"),
        ({"headless": {"fingers": [2, 2]}}, "headless.fingers"),
        ({"notify": {"hooks": [{"kind": "webhook", "url": "http://desk.example/"}]}}, "notify.hooks[0].url"),
        ({"notify": {"hooks": [{"kind": "pager"}]}}, "notify.hooks[0].kind"),
        ({"central": {"url": "ftp://x"}}, "central.url"),
        ({"processing": {"pool_size": True}}, "processing.pool_size"),
        ({"api": 3}, "api"),
    ],
)
def test_bad_values_name_the_key_and_the_fix(document: dict, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(document)
    assert info.value.key == key
    assert key in str(info.value) and info.value.hint


def test_bad_toml_and_missing_file_are_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[station\n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_config(bad)
    with pytest.raises(InputError, match="does not exist"):
        load_config(tmp_path / "missing.toml")


def test_destination_ori_is_checked() -> None:
    assert parse_config({"central": {"dai": "VA0000000"}}).central_dai == "VA0000000"
    with pytest.raises(ConfigError) as info:
        parse_config({"central": {"dai": "short"}})
    assert info.value.key == "central.dai"


def test_answer_service_levels_are_read_and_checked() -> None:
    levels = parse_config({"answers": {"criminal_history_minutes": 5, "determination_hours": 2.5}}).service_levels
    assert (levels.criminal_history_s, levels.immigration_s, levels.determination_s) == (300, 900, 9000)
    with pytest.raises(ConfigError) as error:
        parse_config({"answers": {"determination_hours": 100}})
    assert error.value.key == "answers.determination_hours" and "72" in error.value.message
    with pytest.raises(ConfigError, match=r"answers\.immigration_minutes"):
        parse_config({"answers": {"immigration_minutes": "soon"}})
