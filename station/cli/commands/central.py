"""`station central --listen HOST:PORT --data DIR`: run the reference central matcher (demo and tests);
`station central init|enrol|status` prepare and inspect it."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from station.cli.boundary import EXIT_OK
from station.cli.commands._sync_common import print_summary
from station.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "central",
        help="run the reference central matcher",
        description="Serve the reference central over HTTPS with mutual TLS. Without a sub-command it runs; the "
        "data directory is initialised on first use (keys, CA, central.json for stations to import).",
    )
    parser.add_argument("--listen", default="127.0.0.1:8443", metavar="HOST:PORT")
    parser.add_argument("--data", type=Path, default=Path("var/central"), metavar="DIR")
    parser.add_argument("--answer-delay", type=float, default=0.0, metavar="S", help="seconds before an answer")
    parser.add_argument(
        "--determination-delay",
        type=float,
        default=0.0,
        metavar="S",
        help="seconds from an immigration match to its determination (hours in a soak, seconds in a demo)",
    )
    parser.add_argument("--drop", type=float, default=0.0, metavar="P", help="share of requests dropped")
    parser.add_argument("--error", type=float, default=0.0, metavar="P", help="share answered with HTTP 500")
    parser.add_argument("--stall", type=float, default=0.0, metavar="P", help="share stalled --stall-seconds")
    parser.add_argument("--stall-seconds", type=float, default=30.0, metavar="S")
    parser.add_argument("--cut", type=float, default=0.0, metavar="P", help="share of replies closed mid-body")
    parser.add_argument("--repeat", type=float, default=0.0, metavar="P", help="share of answer polls repeated")
    parser.add_argument(
        "--shuffle", type=float, default=0.0, metavar="P", help="share of answer pages handed out in random order"
    )
    parser.add_argument(
        "--tamper",
        type=float,
        default=0.0,
        metavar="P",
        help="share of receipts/answers altered after signing (stations must reject them)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the fault dice")
    parser.add_argument("--url", help="URL written into central.json (default https://HOST:PORT)")
    parser.add_argument(
        "--no-search",
        action="store_true",
        help="answer without extracting and searching (faster; answers say searched=false)",
    )
    parser.add_argument(
        "--min-fingers",
        type=int,
        default=2,
        metavar="N",
        help="fingers that must match for an identification (default 2)",
    )
    parser.set_defaults(handler=_run)
    commands = parser.add_subparsers(title="central commands", metavar="ACTION")
    init = commands.add_parser("init", help="create the central's keys and central.json")
    init.add_argument("--host", action="append", default=None, help="server certificate name/address (repeat)")
    init.add_argument("--ec", action="store_true", help="P-384 ECDH envelope key instead of RSA-3072")
    init.set_defaults(handler=_init)
    enrol = commands.add_parser("enrol", help="trust a station certificate (station.crt)")
    enrol.add_argument("certificate", type=Path)
    enrol.set_defaults(handler=_enrol)
    status = commands.add_parser(
        "status", help="submissions, deliveries, galleries, open cases, audit heads and alarms, rejections"
    )
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=_status)
    seed = commands.add_parser(
        "seed",
        help="enrol the demo's known persons (simulated scanner seeds 7, 8, 9) in the two galleries",
        description="Enrol the simulated scanner's persons the demo knows: seed 7 in criminal history and "
        "immigration, 8 in criminal history only, 9 in immigration only (10 in neither). Runs once per data folder.",
    )
    seed.set_defaults(handler=_seed)
    for sub in (init, enrol, status, seed):  # also accepted after the action; SUPPRESS keeps a value given before it
        sub.add_argument("--data", type=Path, default=argparse.SUPPRESS, metavar="DIR")
        sub.add_argument("--listen", default=argparse.SUPPRESS, metavar="HOST:PORT")
        sub.add_argument("--url", default=argparse.SUPPRESS)


def _listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise InputError(f"--listen {value!r} is not HOST:PORT", "e.g. --listen 127.0.0.1:8443")
    return host.strip("[]"), int(port)


def _ensure_initialised(args: argparse.Namespace, hosts: list[str] | None = None, ec: bool = False) -> Path:
    from sync.central.pki import init_central

    descriptor = args.data / "central.json"
    if not descriptor.exists():
        host, port = _listen(args.listen)
        names = hosts or sorted({host, "localhost", "127.0.0.1"})
        init_central(args.data, hosts=names, url=args.url or f"https://{host}:{port}", encryption="ec" if ec else "rsa")
    return descriptor


def _init(args: argparse.Namespace) -> int:
    if (args.data / "central.json").exists():
        raise InputError(f"central already initialised in {args.data}", "use another --data folder")
    print(_ensure_initialised(args, args.host, args.ec))
    return EXIT_OK


def _enrol(args: argparse.Namespace) -> int:
    from sync.central.state import CentralState

    try:
        pem = args.certificate.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {args.certificate}: {exc.strerror}", "pass the station's station.crt") from exc
    _ensure_initialised(args)
    state = CentralState(args.data)
    try:
        print(f"enrolled {state.enrol_station(pem)}")
    finally:
        state.close()
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    from sync.central import audit_heads, galleries
    from sync.central.state import CentralState

    state = CentralState(args.data)
    try:
        summary = {
            "stations": state.rows("SELECT station_id, kid, enrolled_at FROM stations"),
            "submissions": state.rows("SELECT state, count(*) AS n FROM submissions GROUP BY state"),
            "deliveries": state.rows("SELECT outcome, count(*) AS n FROM deliveries GROUP BY outcome"),
            "galleries": galleries.counts(state),
            "open cases": state.rows("SELECT count(*) AS n FROM cases WHERE state = 'open'")[0]["n"],
            "audit heads": state.rows("SELECT station_id, count, received_at, via FROM audit_heads"),
            "audit alarms": audit_heads.alarms(state),
            "rejections": state.rows(
                "SELECT last_at, peer, station_id, tcn, reason, count FROM rejections ORDER BY last_at DESC LIMIT 20"
            ),
        }
    finally:
        state.close()
    print_summary(summary, args.json)
    return EXIT_OK


def simulated_templates(seed: int) -> dict[int, bytes]:
    """Templates of a simulated person's fingers from rolled impressions the scanner never hands out."""
    from drivers.simulated.synthesis import SyntheticPerson
    from station.biometrics import api
    from station.biometrics.image import FingerImage
    from sync.central.demo import FINGERS

    person = SyntheticPerson(seed)
    return {
        position: api.extract(
            FingerImage(pixels=person.rolled_frames(position, seed=10_000 + position).final, ppi=500.0)
        ).to_bytes()
        for position in FINGERS
    }


def seed_demo_people(data: Path) -> list[str]:
    """Enrol the demo persons in the central at `data` (once); returns one line per person enrolled."""
    from sync.central.demo import seed_demo
    from sync.central.state import CentralState

    state = CentralState(data)
    try:
        return [f"sim://?seed={p.seed}: {p.name} in {systems}" for p, systems in seed_demo(state, simulated_templates)]
    finally:
        state.close()


def _seed(args: argparse.Namespace) -> int:
    _ensure_initialised(args)
    lines = seed_demo_people(args.data)
    print("\n".join(lines) if lines else f"the demo persons are already enrolled in {args.data}")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from sync.central.faults import Faults
    from sync.central.server import start_central

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    host, port = _listen(args.listen)
    try:
        faults = Faults(
            drop=args.drop,
            error=args.error,
            stall=args.stall,
            cut=args.cut,
            repeat=args.repeat,
            tamper=args.tamper,
            shuffle=args.shuffle,
            stall_seconds=args.stall_seconds,
            seed=args.seed,
        )
    except ValueError as exc:
        raise InputError(str(exc), "fault shares are probabilities between 0 and 1") from None
    descriptor = _ensure_initialised(args)
    central = start_central(
        args.data,
        host,
        port,
        answer_delay=args.answer_delay,
        determination_delay=args.determination_delay,
        faults=faults,
        search=not args.no_search,
        min_fingers=args.min_fingers,
    )
    print(f"central listening on {central.url} (stations import {descriptor})", file=sys.stderr, flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    central.stop()
    return EXIT_OK
