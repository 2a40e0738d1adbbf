"""Where a command finds the station: the same two options on every command that reads or changes station state.

    --config FILE     the station's TOML configuration; without it $STATION_CONFIG, else
                      /etc/booking-station/station.toml, else (run from a checkout) the demo's var/run/station.toml
                      that `station run` writes; none of them: the built-in defaults
    --state-dir DIR   overrides the configuration's [station] state_dir

A command that only reads (`queue list`, `audit verify`, `users list`, ...) asks `existing_state`, which refuses a
state folder that does not hold what it reads, naming where it looked, so that a typo or the wrong folder is an error
(exit 2) and never a new empty database.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from station.config import Config, load_config
from station.errors import InputError

ENVIRONMENT = "STATION_CONFIG"
SYSTEM_CONFIG = Path("/etc/booking-station/station.toml")
DEMO_CONFIG = Path("var/run/station.toml")  # inside the checkout, written by `station run` / `make run`


@dataclass(frozen=True)
class ConfigSource:
    """The configuration file in use (None: built-in defaults) and the places looked at, for messages."""

    path: Path | None
    looked: tuple[str, ...]

    def describe(self) -> str:
        if self.path is not None:
            return f"configuration {self.path}"
        return "no configuration file: looked at " + ", ".join(self.looked)


def add_station_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"the station's configuration (default: ${ENVIRONMENT}, else {SYSTEM_CONFIG}, else the demo's "
        f"{DEMO_CONFIG} when run from the checkout)",
    )
    parser.add_argument(
        "--state-dir", type=Path, default=None, metavar="DIR", help="override the configuration's [station] state_dir"
    )


def find_config(given: Path | None) -> ConfigSource:
    """The configuration file to read: --config, $STATION_CONFIG, the system's, the checkout's demo, or none."""
    if given is not None:
        return ConfigSource(given, ("--config",))
    if os.environ.get(ENVIRONMENT):
        return ConfigSource(Path(os.environ[ENVIRONMENT]), (f"${ENVIRONMENT}",))
    looked = [f"${ENVIRONMENT}: unset", f"{SYSTEM_CONFIG}: absent"]
    if SYSTEM_CONFIG.is_file():
        return ConfigSource(SYSTEM_CONFIG, tuple(looked))
    checkout = _checkout()
    if checkout is not None:
        demo = checkout / DEMO_CONFIG
        looked.append(f"{demo}: absent")
        if demo.is_file():
            return ConfigSource(demo, tuple(looked))
    return ConfigSource(None, tuple(looked))


def station_config(args: argparse.Namespace, **overrides: object) -> tuple[Config, ConfigSource]:
    """The validated configuration the command runs with (`--state-dir` and `overrides` applied)."""
    source = find_config(getattr(args, "config", None))
    values = dict(overrides)
    if getattr(args, "state_dir", None) is not None:
        values["state_dir"] = Path(args.state_dir).absolute()
    return load_config(source.path, overrides=values), source


def state_dir(args: argparse.Namespace) -> Path:
    """The station's state folder (which may not exist yet: for commands that create state)."""
    return station_config(args)[0].state_dir


def existing_state(args: argparse.Namespace, needs: str, what: str) -> Path:
    """The state folder, which must already hold `needs` (a path inside it); else InputError saying where it looked."""
    config, source = station_config(args)
    state = config.state_dir
    if not (state / needs).exists():
        reason = "does not exist" if not state.exists() else f"holds no {needs}"
        raise InputError(
            f"no {what} in {state}: the folder {reason}; {source.describe()}",
            "pass --config FILE or --state-dir DIR of the station, or set $STATION_CONFIG",
        )
    return state


def _checkout() -> Path | None:
    """The source checkout the command is run from (the working folder or one above it), if any."""
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "station" / "__init__.py").is_file():
            return folder
    return None
