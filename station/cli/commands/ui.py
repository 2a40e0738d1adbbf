"""`station ui` and `station kiosk`: the terminal UI, a client of a running daemon.

The CLI is the application's composition root, so this module (alone in `station`) reaches into `ui`; it imports it
only when the command runs, and the core never does.
"""

from __future__ import annotations

import argparse
import importlib
import os

from station.cli.station_options import add_station_options, station_config


def register(subparsers: argparse._SubParsersAction) -> None:
    for name, kiosk, text in (
        ("ui", False, "the terminal UI for officers and technicians (connects to the running daemon)"),
        ("kiosk", True, "the locked-down UI for the text console: no quit, returns to login when idle"),
    ):
        parser = subparsers.add_parser(name, help=text, description=f"Run {text}.")
        add_station_options(parser)
        parser.add_argument("--socket", help="the daemon's socket (overrides the configuration)")
        parser.add_argument("--terminal", default=None, help="name of this terminal for the audit trail")
        parser.set_defaults(handler=run_ui, kiosk=kiosk)


def run_ui(args: argparse.Namespace) -> int:
    config, _ = station_config(args)
    socket_path = args.socket or config.socket_path
    terminal = args.terminal or os.environ.get("SSH_TTY") or (os.ttyname(0) if os.isatty(0) else "local")
    app_module = importlib.import_module("ui.app")
    graphics = importlib.import_module("ui.widgets.viewer").detect()  # before the app owns the terminal
    app = app_module.StationApp(socket_path, kiosk=args.kiosk, terminal=terminal, graphics=graphics)
    app.run()
    return 0
