"""The `station` command line as a user meets it: help, version, usage errors."""

from __future__ import annotations

import subprocess
import sys


def run_station(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "station", *args], capture_output=True, text=True, timeout=60)


def test_help_lists_commands_and_exit_codes() -> None:
    result = run_station("--help")
    assert result.returncode == 0
    assert "Exit codes" in result.stdout
    assert "COMMAND" in result.stdout


def test_no_command_is_a_usage_error() -> None:
    result = run_station()
    assert result.returncode == 2
    assert "usage: station" in result.stderr


def test_every_command_has_help() -> None:
    from station.cli import build_parser

    parser = build_parser()
    actions = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    for action in actions:
        for name, sub in action.choices.items():
            help_text = sub.format_help()
            assert sub.description or sub.format_usage(), name
            assert name in help_text
