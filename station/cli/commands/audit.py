"""`station audit verify [--against-central]` and `station audit export`: check and read the audit trail (read-only;
the daemon writes); `--against-central` compares it with the last signed head the central keeps for the station."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from station.audit.export import select, to_csv, to_jsonl
from station.audit.log import HEAD_NAME, LOG_NAME, load_public_key
from station.audit.verify import verify_trail
from station.cli.boundary import EXIT_OK, EXIT_PROBLEM
from station.cli.station_options import add_station_options, existing_state
from station.errors import InputError, TransportError


def audit_dir(args: argparse.Namespace) -> Path:
    """The trail's folder: --dir, else the station's state_dir/audit. Refused when no trail was ever written there."""
    if not args.dir:
        return existing_state(args, "audit", "audit trail") / "audit"
    directory = Path(args.dir)
    if not ((directory / LOG_NAME).exists() or (directory / HEAD_NAME).exists()):
        raise InputError(
            f"no audit trail at {directory} (neither {LOG_NAME} nor {HEAD_NAME} is there)",
            "pass --dir with the station's audit folder, or --config / --state-dir of the station",
        )
    return directory


def _where(parser: argparse.ArgumentParser) -> None:
    add_station_options(parser)
    parser.add_argument("--dir", help="the audit folder itself (holds audit.jsonl and audit.head); overrides --config")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("audit", help="verify or export the audit trail")
    sub = parser.add_subparsers(title="audit commands", metavar="ACTION")
    verify = sub.add_parser("verify", help="check the hash chain and the signed head; exit 1 naming what changed")
    _where(verify)
    verify.add_argument("--public-key", help="PEM public key to trust (default: audit-signing.pub in the directory)")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument(
        "--against-central",
        action="store_true",
        help="also compare the trail with the last signed head the central keeps for this station (and list the "
        "central's audit alarms): records cut together with the head show up there; needs the provisioned station",
    )
    verify.add_argument("--url", help="central URL for --against-central (default: the one imported)")
    verify.set_defaults(handler=run_verify)
    export = sub.add_parser("export", help="write the records as JSON lines or CSV to stdout or a file")
    _where(export)
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--since", default="", help="first moment to include (ISO-8601, e.g. 2026-11-01)")
    export.add_argument("--until", default="", help="moment to stop before (ISO-8601)")
    export.add_argument("--output", "-o", help="file to write (default stdout)")
    export.set_defaults(handler=run_export)
    parser.set_defaults(handler=lambda args: (parser.print_help(sys.stderr), 2)[1])


def run_verify(args: argparse.Namespace) -> int:
    directory = audit_dir(args)
    key = _public_key(Path(args.public_key)) if args.public_key else None
    report = verify_trail(directory, key)
    central = _against_central(args, directory) if args.against_central else None
    problems = report.problems + (central[0] if central else [])
    if args.json:
        out: dict[str, object] = {"ok": not problems, "records": report.records, "problems": problems}
        if central:
            out["central"] = central[1]
        print(json.dumps(out))
    else:
        for problem in problems:
            print(problem)
        if not problems:
            agrees = f"; the central's head (record {central[1]['count']}) agrees" if central else ""
            print(f"audit trail intact: {report.records} records, signed head matches{agrees}", file=sys.stderr)
    return EXIT_OK if not problems else EXIT_PROBLEM


def _against_central(args: argparse.Namespace, directory: Path) -> tuple[list[str], dict[str, object]]:
    """What the central's copy of the head says about the trail: (problems, what the central keeps)."""
    from station.audit.head import compare_with_known, verify_head
    from station.crypto.provision import KeyPaths, load_central
    from sync.client import CentralClient

    state = existing_state(args, "keys/station.crt", "provisioned station")
    client = CentralClient(args.url or load_central(state).url, KeyPaths(state))
    try:
        response = client.get_audit_head()
    finally:
        client.close()
    if response.status != 200 or not isinstance(response.body, dict):
        raise TransportError(
            f"the central answered GET audit head with HTTP {response.status}: {response.body}",
            "check that the central speaks wire protocol 3 and has this station enrolled",
        )
    kept, alarms = response.body.get("kept"), response.body.get("alarms") or []
    if not kept:
        problems = ["the central keeps no audit head of this station (it never heard from it): nothing to compare"]
        return problems, {"count": None, "alarms": alarms}
    head = verify_head(kept.get("head"))  # CryptoError: the central's copy is not a head this station signed
    problems = compare_with_known(directory, head, str(kept.get("received_at")))
    problems += [
        f"the central raised audit alarm {a['kind']} ({a['times']} time(s), last {a['last_at']}): {a['message']}"
        for a in alarms
    ]
    return problems, {"count": head.count, "hash": head.hash, "received_at": kept.get("received_at"), "alarms": alarms}


def _public_key(path: Path) -> Ed25519PublicKey:
    try:
        return load_public_key(path)
    except ValueError as exc:  # not PEM at all
        raise InputError(f"{path} is not a PEM public key ({exc})", "point to the station's audit-signing.pub") from exc


def run_export(args: argparse.Namespace) -> int:
    records = select(audit_dir(args), args.since, args.until)
    text = to_csv(records) if args.format == "csv" else to_jsonl(records)
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK
