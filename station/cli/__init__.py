"""The `station` command line: one argparse parser, one module per command group.

Each module in `station.cli.commands` defines `register(subparsers)`, which adds its sub-command(s) and sets
`handler` on them: a function taking the parsed arguments and returning the exit code. Modules are discovered, so a
new command is one new file. Exit codes follow NBIS/Unix practice and are documented in the README:
0 success, 1 the check ran and found a problem, 2 bad input or usage, 3 internal error.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from station import __version__
from station.cli import commands

EXIT_OK = 0
EXIT_FOUND_PROBLEM = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="station",
        description="Fingerprint booking station: capture, check and submit tenprints.",
        epilog="Exit codes: 0 ok, 1 a check found a problem, 2 bad input or usage, 3 internal error. "
        "Run 'station COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        print("station: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # A closed pipe (`station ... | head`) is not an error worth a traceback.
        sys.stderr.close()
        return EXIT_OK
