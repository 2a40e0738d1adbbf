"""`station daemon`: run the station service (systemd Type=notify; logs as JSON lines on stderr)."""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import signal

from station.cli.station_options import add_station_options, station_config
from station.daemon.logs import configure
from station.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("daemon", help="run the station service (scanner, workflow, queue, local API)")
    add_station_options(parser)
    parser.add_argument("--headless", action="store_true", help="no terminal: quick-ID searches driven by the scanner")
    parser.add_argument("--socket", help="override [api] socket")
    parser.add_argument("--scanner", help="override [scanner] uri, e.g. sim://?seed=3")
    parser.add_argument("--log-level", choices=("debug", "info", "warning", "error"), default="info")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    configure(level=args.log_level)
    # `kill -USR1 <pid>` writes every thread's stack to stderr: how a technician reports a stuck daemon.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    overrides: dict[str, object] = {}
    if args.headless:
        overrides["mode"] = "headless"
    if args.socket:
        overrides["socket_path"] = Path(args.socket).absolute()
    if args.scanner:
        overrides["scanner_uri"] = args.scanner
    config, _ = station_config(args, **overrides)
    from station.daemon.service import StationDaemon

    try:
        return asyncio.run(StationDaemon(config).run())
    except PermissionError as exc:
        raise InputError(
            f"no permission for {exc.filename}",
            "set [station] state_dir / [api] socket to writable paths, or run under the systemd unit "
            "(StateDirectory=, RuntimeDirectory=)",
        ) from exc
