"""`python -m sync [options]`: the forwarder alone, with the options of `station sync`, without loading every other
station command (a lighter process for a dedicated systemd unit, and for the crash soak that restarts it often)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from station.cli.boundary import StationParser, UsageError, label_commands, parse, report_error, run_command
from station.cli.commands import forward


def main(argv: Sequence[str] | None = None) -> int:
    parser = StationParser(prog="python -m sync", description="Forward the outbox to the central.")
    forward.register(parser.add_subparsers())
    label_commands(parser)
    words = ["sync", *(sys.argv[1:] if argv is None else argv)]
    args = parse(parser, words)
    if isinstance(args, UsageError):
        return report_error(argparse.Namespace(command_prog=args.prog, json="--json" in words), args)
    return run_command(args.handler, args)


if __name__ == "__main__":
    raise SystemExit(main())
