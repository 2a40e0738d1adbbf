"""`python -m sync [options]`: the forwarder alone, with the options of `station sync`, without loading every other
station command (a lighter process for a dedicated systemd unit, and for the crash soak that restarts it often)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from station.cli.boundary import label_commands, run_command
from station.cli.commands import forward


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sync", description="Forward the outbox to the central.")
    forward.register(parser.add_subparsers())
    label_commands(parser)
    args = parser.parse_args(["sync", *(sys.argv[1:] if argv is None else argv)])
    return run_command(args.handler, args)


if __name__ == "__main__":
    raise SystemExit(main())
