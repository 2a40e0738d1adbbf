"""`station provision init|import-central|rotate|rotate-storage-key|show`: the station's keys and its central."""

from __future__ import annotations

import argparse
from pathlib import Path

from station.cli.boundary import EXIT_OK
from station.cli.commands._sync_common import print_summary
from station.cli.station_options import add_station_options, existing_state, state_dir
from station.crypto.keys import key_id
from station.crypto.provision import (
    KeyPaths,
    import_central,
    init_station,
    load_central,
    load_identity,
    rotate_identity,
)
from station.crypto.storage import StorageKey
from station.crypto.tls import cert_fingerprint, load_cert
from station.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "provision",
        help="station keys, certificate and the central's keys",
        description="Create and rotate the station's keys; import the central's.",
    )
    commands = parser.add_subparsers(title="provision commands", metavar="ACTION", required=True)
    init = commands.add_parser("init", help="create the station key pair, certificate and storage key")
    init.add_argument("--station-id", required=True, help="the station's identity (certificate CN)")
    init.add_argument("--csr", action="store_true", help="also write station.csr for an agency CA")
    init.set_defaults(handler=_init)
    central = commands.add_parser("import-central", help="trust a central (its central.json descriptor)")
    central.add_argument("descriptor", type=Path)
    central.add_argument("--url", help="override the central's URL")
    central.set_defaults(handler=_import)
    rotate = commands.add_parser("rotate", help="new station key pair + certificate (keeps the previous one)")
    rotate.set_defaults(handler=_rotate)
    rotate_storage = commands.add_parser("rotate-storage-key", help="re-wrap working-data keys under a new key")
    rotate_storage.set_defaults(handler=_rotate_storage)
    show = commands.add_parser("show", help="what is provisioned")
    show.set_defaults(handler=_show)
    for sub in (init, central, rotate, rotate_storage, show):
        add_station_options(sub)
        sub.add_argument("--json", action="store_true")


def _identity_summary(state: Path) -> dict[str, str]:
    paths = KeyPaths(state)
    identity = load_identity(state)
    cert = load_cert(paths.station_cert.read_bytes())
    return {
        "station_id": identity.station_id,
        "key_id": key_id(identity.key.public_key()),
        "certificate": str(paths.station_cert),
        "certificate_sha256": cert_fingerprint(cert),
        "not_after": cert.not_valid_after_utc.isoformat(),
    }


def _provisioned(args: argparse.Namespace) -> Path:
    return existing_state(args, "keys/station.crt", "provisioned station")


def _out(args: argparse.Namespace, summary: dict[str, str]) -> int:
    print_summary(summary, args.json)
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
    state = state_dir(args)
    paths = init_station(state, args.station_id, csr=args.csr)
    summary = _identity_summary(state)
    if args.csr:
        summary["csr"] = str(paths.station_csr)
    summary["next"] = "enrol station.crt at the central, then 'station provision import-central central.json'"
    return _out(args, summary)


def _import(args: argparse.Namespace) -> int:
    try:
        data = args.descriptor.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {args.descriptor}: {exc.strerror}", "pass the central's central.json") from exc
    info = import_central(_provisioned(args), data, url=args.url)
    return _out(
        args,
        {"url": info.url, "encryption_key_id": key_id(info.encryption_key), "signing_key_id": key_id(info.signing_key)},
    )


def _rotate(args: argparse.Namespace) -> int:
    state = _provisioned(args)
    rotate_identity(state)
    summary = _identity_summary(state)
    summary["next"] = (
        "enrol the new station.crt at the central before the next sync; station.key.previous stays "
        "until every submission it signed is answered"
    )
    return _out(args, summary)


def _rotate_storage(args: argparse.Namespace) -> int:
    from station.store import open_store
    from station.store.bookings import BookingVault

    state = _provisioned(args)
    paths = KeyPaths(state)
    pending = paths.storage_key.with_name("storage.key.next")
    with open_store(state) as store:
        vault = BookingVault.open(store, paths.storage_key)  # finishes or undoes an interrupted rotation first
        new = StorageKey.generate()
        new.save(pending, overwrite=True)  # on disk before the database depends on it
        vault.rotate_storage_key(new)
    pending.replace(paths.storage_key)
    return _out(args, {"storage_key": str(paths.storage_key), "status": "rotated"})


def _show(args: argparse.Namespace) -> int:
    state = _provisioned(args)
    summary = _identity_summary(state)
    try:
        central = load_central(state)
        summary.update({"central_url": central.url, "central_encryption_key_id": key_id(central.encryption_key)})
    except Exception as exc:  # not imported yet is a normal state to show
        summary["central"] = str(exc)
    return _out(args, summary)
