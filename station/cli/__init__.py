"""The `station` command line: one argparse parser, one module per command group.

Each module in `station.cli.commands` defines `register(subparsers)`, which adds its sub-command(s) and sets
`handler` on them: a function taking the parsed arguments and returning the exit code. Modules are discovered, so a
new command is one new file. Handlers raise the project's errors; `station.cli.boundary` maps them to the exit codes
documented in the README (0 ok, 1 a check found a problem, 2 bad input or usage, 3 internal error), one line on
stderr, a traceback only with `station --debug`.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from station import __version__
from station.cli import commands
from station.cli.boundary import (
    EXIT_BAD_INPUT,
    StationParser,
    UsageError,
    label_commands,
    parse,
    report_error,
    run_command,
)


def build_parser() -> argparse.ArgumentParser:
    parser = StationParser(
        prog="station",
        description="Fingerprint booking station: capture, check and submit tenprints.",
        epilog="Exit codes: 0 ok, 1 a check found a problem, 2 bad input or usage, 3 internal error. "
        "Run 'station COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="print the traceback of an error (also after COMMAND)")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(subparsers)
    label_commands(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    end = words.index("--") if "--" in words else len(words)
    debug = "--debug" in words[:end]  # accepted anywhere before `--`, so it can be added to any command line
    words = [w for i, w in enumerate(words) if not (i < end and w == "--debug")]
    parser = build_parser()
    args = parse(parser, words)
    if isinstance(args, UsageError):  # one line and exit 2, like every other error (JSON too when asked)
        return report_error(argparse.Namespace(command_prog=args.prog, json="--json" in words), args, debug=debug)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    return run_command(handler, args, debug=debug)
