"""`station audit verify` and `station audit export`: check and read the audit trail (read-only; the daemon writes)."""

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
from station.errors import InputError


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
    if args.json:
        print(json.dumps({"ok": report.ok, "records": report.records, "problems": report.problems}))
    else:
        for problem in report.problems:
            print(problem)
        if report.ok:
            print(f"audit trail intact: {report.records} records, signed head matches", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_PROBLEM


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
