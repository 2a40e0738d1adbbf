"""Export the audit trail for review (AU-6) or the agency SIEM: JSON lines (records as stored) or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from station.audit.log import read_records

CSV_COLUMNS = ("seq", "ts", "who", "what", "where", "outcome", "details", "hash")


def select(directory: Path, since: str = "", until: str = "") -> list[dict[str, Any]]:
    """Records with since <= ts < until (ISO-8601 UTC strings compare in time order)."""
    return [r for r in read_records(directory) if (not since or r["ts"] >= since) and (not until or r["ts"] < until)]


def to_jsonl(records: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n" for r in records)


def to_csv(records: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        row = [json.dumps(r["details"], sort_keys=True) if c == "details" else r.get(c, "") for c in CSV_COLUMNS]
        writer.writerow(row)
    return out.getvalue()
