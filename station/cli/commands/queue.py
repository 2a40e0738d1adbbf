"""`station queue add|list|show|retry|purge`: the outbox of sealed submissions."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from pathlib import Path

from station.cli.boundary import EXIT_OK
from station.cli.commands._sync_common import print_json
from station.cli.station_options import add_station_options, existing_state, station_config
from station.crypto import CryptoError
from station.crypto.provision import KeyPaths, load_central, load_identity
from station.crypto.storage import StorageKey
from station.errors import InputError
from station.formats.ebts.admission import admit
from station.store import open_store, outbox
from station.store.db import DATABASE_NAME
from station.store.events import list_events
from station.store.submit import queue_transaction


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "queue",
        help="the outbox of sealed submissions",
        description="Seal transactions for the central and manage the outbox.",
    )
    commands = parser.add_subparsers(title="queue commands", metavar="ACTION", required=True)

    add = commands.add_parser(
        "add",
        help="check, seal and queue existing ANSI/NIST transactions",
        description="Queue ANSI/NIST-ITL files for the central. Each must keep the rules of its EBTS profile (CAR/CNA, "
        "RPIS; the base standard for other TOTs) and every image must decode; a file that does not is refused with "
        "its problems listed, and nothing of it is queued.",
    )
    add.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add.set_defaults(handler=_add)

    listing = commands.add_parser("list", help="list submissions (newest state first)")
    listing.add_argument("--state", choices=("sealed", "sending", "accepted", "answered", "failed"))
    listing.set_defaults(handler=_list)

    show = commands.add_parser("show", help="one submission, its timeline of answers and its events")
    show.add_argument("tcn")
    show.set_defaults(handler=_show)

    retry = commands.add_parser("retry", help="send a failed submission again")
    retry.add_argument("tcn")
    retry.set_defaults(handler=_retry)

    purge = commands.add_parser("purge", help="delete answered submissions older than N days")
    purge.add_argument("--older-than-days", type=float, default=30.0, metavar="N")
    purge.set_defaults(handler=_purge)

    for sub in (add, listing, show, retry, purge):
        add_station_options(sub)
        sub.add_argument("--json", action="store_true", help="machine-readable output")


def _database(args: argparse.Namespace) -> Path:
    """The state folder of a station that has a database (never created by a command that reads it)."""
    return existing_state(args, DATABASE_NAME, "station database")


def _booking(store: object, booking_id: str | None) -> dict | None:
    """What the station keeps of the submission's booking: its state and when (why) its data was shredded."""
    from station.store import lifecycle
    from station.store.bookings import UnknownBooking

    if booking_id is None:
        return None
    try:
        row = lifecycle.get(store, booking_id)  # type: ignore[arg-type]
    except UnknownBooking:
        return None
    keep = ("booking_id", "state", "shredded_at", "shred_reason")
    return {k: v for k, v in dataclasses.asdict(row).items() if k in keep}


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "-"
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add(args: argparse.Namespace) -> int:
    state = existing_state(args, "keys/station.crt", "provisioned station")
    identity, central = load_identity(state), load_central(state)
    files = []
    for path in args.files:  # every file is checked before any is queued
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}", "check the file name") from exc
        admit(data, str(path))  # its EBTS profile, and every image decodes: nothing the central would refuse
        files.append((path, data))
    results = []
    with open_store(state) as store:
        for path, data in files:
            submission = queue_transaction(store, data, identity=identity, central=central, source=str(path))
            results.append(submission)
            if not args.json:
                print(
                    f"{submission.tcn}\t{submission.tot}\tpriority {submission.priority}\t{submission.size} bytes"
                    "\tsealed"
                )
    if args.json:
        print_json([dataclasses.asdict(s) for s in results])
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from station.store import waiting
    from station.store.timeline import awaited_label

    levels = station_config(args)[0].service_levels  # its [answers] service levels decide what is late
    with open_store(_database(args)) as store:
        rows = outbox.list_submissions(store, args.state)
        counts = outbox.counts(store)
        now = store.clock()
        awaited: dict[str, list[waiting.Awaited]] = {}
        for step in waiting.awaiting(store, levels):
            awaited.setdefault(step.tcn, []).append(step)
    if args.json:
        print_json(
            {
                "counts": counts,
                "submissions": [
                    dataclasses.asdict(s)
                    | {"awaiting": [a.as_dict(now) | {"label": awaited_label(a, now)} for a in awaited.get(s.tcn, [])]}
                    for s in rows
                ],
            }
        )
        return EXIT_OK
    for s in rows:
        late = [awaited_label(a, now) for a in awaited.get(s.tcn, []) if a.late(now)]
        print(
            f"{s.tcn}\t{s.state}\t{s.tot}\tPRY {s.priority}\t{_when(s.created_at)}\tattempts {s.attempts}"
            + (f"\t{s.last_error}" if s.last_error and s.state in ("sealed", "failed") else "")
            + "".join(f"\tLATE {line}" for line in late)
        )
    late_total = sum(1 for steps in awaited.values() for a in steps if a.late(now))
    print(" ".join(f"{k} {v}" for k, v in counts.items()) + f" late {late_total}", file=sys.stderr)
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    from station.store.timeline import timeline

    state = _database(args)
    levels = station_config(args)[0].service_levels  # its [answers] service levels decide what is late
    try:  # the station's user can open what the answers say about the person; anyone else sees outcomes
        key = StorageKey.load(KeyPaths(state).storage_key)
    except CryptoError:
        key = None
    with open_store(state) as store:
        submission = outbox.get(store, args.tcn)
        steps = timeline(store, args.tcn, levels, key=key)
        events = list_events(store, args.tcn)
        booking = _booking(store, submission.booking_id)
    if args.json:
        print_json(
            {"submission": dataclasses.asdict(submission), "booking": booking, "timeline": steps, "events": events}
        )
        return EXIT_OK
    if booking is not None:
        kept = (
            f"shredded at {_when(booking['shredded_at'])} ({booking['shred_reason']})"
            if booking["shredded_at"]
            else "its images and subject are kept (encrypted under its own key)"
        )
        print(f"booking: {booking['booking_id']} {booking['state']}, {kept}")
    for key, value in dataclasses.asdict(submission).items():
        if key != "receipt":
            print(f"{key}: {_when(value) if key.endswith('_at') and key != 'next_attempt_at' else value}")
    for step in steps:
        when = step["when"] or "(awaited)"
        extra = f" ({step['reason']})" if step.get("reason") else ""
        acknowledged = step.get("acknowledged")
        if acknowledged:
            extra += f" [acknowledged by {acknowledged['by']}]"
        print(f"timeline: {when}  {step['label']}{extra}")
    for event in reversed(events):
        print(f"event: {_when(event['at'])} {event['kind']} {event['detail']}")
    return EXIT_OK


def _retry(args: argparse.Namespace) -> int:
    with open_store(_database(args)) as store:
        outbox.retry(store, args.tcn)
    if not args.json:
        print(f"{args.tcn}\tsealed (will be sent again)")
    return EXIT_OK


def _purge(args: argparse.Namespace) -> int:
    if args.older_than_days < 0:
        raise InputError(f"--older-than-days {args.older_than_days:g} is negative", "give 0 or more days")
    with open_store(_database(args)) as store:
        removed = outbox.purge(store, store.clock() - args.older_than_days * 86400)
    print_json({"purged": removed}) if args.json else print(f"purged {removed} answered submission(s)")
    return EXIT_OK
