"""Verify an audit trail: every record canonical, numbered in order, chained, and the signed head matching the end.

Any single changed byte shows up as a record that is not valid JSON, not in canonical form, or whose hash no longer
matches; an inserted or removed record breaks the numbering and the `prev` link of the next one; records cut from
the end disagree with the signed head. Each problem names the record (its sequence number and line).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from station.audit.log import (
    GENESIS,
    HEAD_NAME,
    LOG_NAME,
    PUB_NAME,
    canonical,
    head_message,
    load_public_key,
    record_hash,
)

FIELDS = {"seq", "ts", "who", "what", "where", "outcome", "details", "prev", "hash"}


@dataclass
class VerifyReport:
    records: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_trail(directory: Path, public_key: Ed25519PublicKey | None = None) -> VerifyReport:
    report = VerifyReport()
    log_path = directory / LOG_NAME
    if not log_path.exists():
        report.problems.append(f"no audit trail at {log_path}")
        return report
    data = log_path.read_bytes()
    if data and not data.endswith(b"\n"):
        report.problems.append(f"line {len(data.splitlines())}: last record is incomplete (torn or cut)")
    prev, expected_seq = GENESIS, 1
    for number, line in enumerate(data.splitlines(), start=1):
        report.records += 1
        where = f"record {expected_seq} (line {number})"
        try:
            record = json.loads(line.decode("utf-8"))
            if not isinstance(record, dict) or set(record) != FIELDS:
                raise ValueError("wrong fields")
        except (UnicodeDecodeError, ValueError):
            report.problems.append(f"{where}: not a valid audit record (changed or damaged)")
            expected_seq += 1
            prev = ""
            continue
        seq = record["seq"]
        if canonical(record) != line:
            report.problems.append(f"{where}: bytes changed (not in canonical form)")
        if seq != expected_seq:
            what = "removed" if isinstance(seq, int) and seq > expected_seq else "inserted or renumbered"
            report.problems.append(f"{where}: has sequence number {seq!r}; a record was {what} before it")
        body = {k: v for k, v in record.items() if k != "hash"}
        if record_hash(body) != record["hash"]:
            report.problems.append(f"{where}: content does not match its hash (changed)")
        if prev and record["prev"] != prev:
            report.problems.append(
                f"{where}: does not link to the record before it (a record was changed, inserted or removed)"
            )
        prev = record["hash"] if isinstance(record["hash"], str) else ""
        expected_seq = (seq if isinstance(seq, int) else expected_seq) + 1
    _verify_head(directory, report, prev, expected_seq - 1, public_key)
    return report


def _verify_head(
    directory: Path, report: VerifyReport, last_hash: str, last_seq: int, public_key: Ed25519PublicKey | None
) -> None:
    try:
        key = public_key or load_public_key(directory / PUB_NAME)
    except (OSError, ValueError) as exc:
        report.problems.append(f"head: cannot read the audit public key ({exc})")
        return
    try:
        head = json.loads((directory / HEAD_NAME).read_bytes())
        count, head_hash, signature = int(head["count"]), str(head["hash"]), base64.b64decode(head["sig"])
        if canonical(head) + b"\n" != (directory / HEAD_NAME).read_bytes():
            raise ValueError("not canonical")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        report.problems.append(f"head: unreadable or changed ({exc})")
        return
    try:
        key.verify(signature, head_message(count, head_hash))
    except InvalidSignature:
        report.problems.append("head: signature does not verify (head changed or signed by another key)")
        return
    if count != last_seq or head_hash != last_hash:
        if count > last_seq:
            report.problems.append(
                f"head: signed head covers {count} records but the trail ends at record "
                f"{last_seq}: records {last_seq + 1}..{count} were removed"
            )
        else:
            report.problems.append(f"head: trail ends at record {last_seq} but the signed head is at record {count}")
