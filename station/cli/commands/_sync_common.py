"""Helpers shared by the store-and-forward commands (queue, sync, provision, central): state-dir option, error
reporting with exit codes, JSON output."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from station.crypto.provision import default_state_dir
from station.errors import FormatError, InputError, StationError

EXIT_OK, EXIT_PROBLEM, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def add_state_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="the station's state directory (default: $STATION_STATE_DIR, $STATE_DIRECTORY or ./var/station)",
    )


def state_dir(args: argparse.Namespace) -> Path:
    return args.state_dir or default_state_dir()


def reporting_errors(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn StationErrors into one clear line on stderr and the documented exit code."""

    @functools.wraps(handler)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (InputError, FormatError) as exc:
            print(f"station: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except StationError as exc:
            print(f"station: {exc}", file=sys.stderr)
            return EXIT_PROBLEM

    return wrapper


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, sort_keys=True, default=str)
    sys.stdout.write("\n")


def print_summary(summary: dict[str, Any], as_json: bool) -> None:
    """A command's summary: JSON for machines, `key: value` lines for people."""
    if as_json:
        print_json(summary)
    else:
        for key, value in summary.items():
            print(f"{key}: {value}")
