"""`station audit verify` and `station audit export`: check and read the audit trail (read-only; the daemon writes)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from station.audit.export import select, to_csv, to_jsonl
from station.audit.log import load_public_key
from station.audit.verify import verify_trail
from station.config import load_config
from station.errors import StationError


def audit_dir(args: argparse.Namespace) -> Path:
    if args.dir:
        return Path(args.dir)
    return load_config(args.config).state_dir / "audit"


def _where(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--config", help="station configuration (TOML); the trail is in its state_dir/audit")
    group.add_argument("--dir", help="the audit directory itself (holds audit.jsonl and audit.head)")


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
    export.add_argument("--since", default="", help="first timestamp to include (ISO-8601 UTC, e.g. 2026-11-01)")
    export.add_argument("--until", default="", help="timestamp to stop before (ISO-8601 UTC)")
    export.add_argument("--output", "-o", help="file to write (default stdout)")
    export.set_defaults(handler=run_export)
    parser.set_defaults(handler=lambda args: (parser.print_help(sys.stderr), 2)[1])


def run_verify(args: argparse.Namespace) -> int:
    try:
        directory = audit_dir(args)
        key = load_public_key(Path(args.public_key)) if args.public_key else None
    except (StationError, OSError, ValueError) as exc:
        print(f"station audit verify: {exc}", file=sys.stderr)
        return 2
    report = verify_trail(directory, key)
    if args.json:
        print(json.dumps({"ok": report.ok, "records": report.records, "problems": report.problems}))
    else:
        for problem in report.problems:
            print(problem)
        if report.ok:
            print(f"audit trail intact: {report.records} records, signed head matches", file=sys.stderr)
    return 0 if report.ok else 1


def run_export(args: argparse.Namespace) -> int:
    try:
        records = select(audit_dir(args), args.since, args.until)
    except (StationError, OSError) as exc:
        print(f"station audit export: {exc}", file=sys.stderr)
        return 2
    text = to_csv(records) if args.format == "csv" else to_jsonl(records)
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0
