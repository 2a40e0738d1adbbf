"""`station sync [--once]`: forward the outbox to the central and collect its answers."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import sys
import threading

from station.cli.boundary import EXIT_OK, EXIT_PROBLEM
from station.cli.commands._sync_common import print_json
from station.cli.station_options import add_station_options, existing_state
from station.crypto.provision import KeyPaths, load_central, load_identity
from station.crypto.storage import StorageKey
from station.store import open_store, outbox


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sync",
        help="forward queued submissions and fetch answers",
        description="Send sealed submissions to the central, verify its receipts and "
        "collect its answers. Runs until stopped (SIGTERM/ctrl-c) unless --once. "
        "Exit 1 with --once when the central could not be reached or refused some.",
    )
    add_station_options(parser)
    parser.add_argument("--once", action="store_true", help="one pass: send what is due, fetch answers, exit")
    parser.add_argument("--url", help="central URL (default: the one imported with the central's descriptor)")
    parser.add_argument("--poll-interval", type=float, default=30.0, metavar="S", help="seconds between answer polls")
    parser.add_argument("--backoff-base", type=float, default=1.0, metavar="S", help="first retry delay ceiling")
    parser.add_argument("--backoff-cap", type=float, default=900.0, metavar="S", help="longest retry delay")
    parser.add_argument(
        "--breaker-cooldown",
        type=float,
        default=30.0,
        metavar="S",
        help="pause after 5 consecutive failures before probing the central again",
    )
    parser.add_argument("--timeout", type=float, default=60.0, metavar="S", help="read/write timeout per request")
    parser.add_argument("--json", action="store_true", help="print the pass report as JSON (with --once)")
    parser.add_argument("-q", "--quiet", action="store_true", help="log only warnings")
    parser.set_defaults(handler=_sync)


def _sync(args: argparse.Namespace) -> int:
    from sync.backoff import Backoff
    from sync.client import CentralClient, Timeouts
    from sync.forwarder import Forwarder, ForwarderConfig

    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    state = existing_state(args, "keys/station.crt", "provisioned station")
    identity, central = load_identity(state), load_central(state)
    stop = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in (signal.SIGTERM, signal.SIGINT)}
    config = ForwarderConfig(
        backoff=Backoff(args.backoff_base, args.backoff_cap),
        poll_interval=args.poll_interval,
        breaker_cooldown=args.breaker_cooldown,
    )
    client = CentralClient(
        args.url or central.url, KeyPaths(state), timeouts=Timeouts(read=args.timeout, write=args.timeout)
    )
    with open_store(state) as store:
        try:
            report = Forwarder(
                store,
                client,
                station_id=identity.station_id,
                central=central,
                answer_key=StorageKey.load(KeyPaths(state).storage_key),
                config=config,
                audit_dir=state / "audit" if (state / "audit").is_dir() else None,
            ).run(stop, once=args.once)
        finally:
            client.close()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        counts = outbox.counts(store)
    if args.once:
        if args.json:
            print_json({"pass": dataclasses.asdict(report), "queue": counts})
        else:
            print(
                " ".join(f"{k} {v}" for k, v in dataclasses.asdict(report).items())
                + " | queue: "
                + " ".join(f"{k} {v}" for k, v in counts.items())
            )
        return EXIT_PROBLEM if report.transport_errors or report.failed else EXIT_OK
    return EXIT_OK
