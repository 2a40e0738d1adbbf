"""`station daemon`: run the station service (systemd Type=notify; logs as JSON lines on stderr)."""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import signal
import sys

from station.config import load_config
from station.daemon.logs import configure
from station.errors import InputError, StationError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("daemon", help="run the station service (scanner, workflow, queue, local API)")
    parser.add_argument("--config", help="configuration file (TOML); every key has a default")
    parser.add_argument("--headless", action="store_true", help="no terminal: quick-ID searches driven by the scanner")
    parser.add_argument("--state-dir", help="override [station] state_dir")
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
    if args.state_dir:
        overrides["state_dir"] = Path(args.state_dir).absolute()
    if args.socket:
        overrides["socket_path"] = Path(args.socket).absolute()
    if args.scanner:
        overrides["scanner_uri"] = args.scanner
    try:
        config = load_config(args.config, overrides=overrides)
    except StationError as exc:
        print(f"station daemon: {exc}", file=sys.stderr)
        return 2
    from station.daemon.service import StationDaemon

    try:
        return asyncio.run(StationDaemon(config).run())
    except PermissionError as exc:
        print(
            f"station daemon: no permission for {exc.filename}: set [station] state_dir / [api] socket to "
            "writable paths, or run under the systemd unit (StateDirectory=, RuntimeDirectory=)",
            file=sys.stderr,
        )
        return 2
    except InputError as exc:  # e.g. another daemon already runs on this state folder
        print(f"station daemon: {exc}", file=sys.stderr)
        return 2
    except StationError as exc:
        print(f"station daemon: {exc}", file=sys.stderr)
        return 3
