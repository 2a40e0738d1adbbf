"""Export the audit trail for review (AU-6) or the agency SIEM: JSON lines (records as stored) or CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from station.audit.log import read_records
from station.errors import InputError

CSV_COLUMNS = ("seq", "ts", "who", "what", "where", "outcome", "details", "hash")


def select(directory: Path, since: str = "", until: str = "") -> list[dict[str, Any]]:
    """Records with since <= ts < until; bounds are ISO-8601 (UTC unless they name their offset), "" for none."""
    low, high = moment(since, "since"), moment(until, "until")
    return [r for r in read_records(directory) if (not low or r["ts"] >= low) and (not high or r["ts"] < high)]


def moment(text: str, name: str) -> str:
    """An ISO-8601 date or time as the trail writes it (`2026-11-01T00:00:00.000000Z`, compares in time order)."""
    if not text:
        return ""
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"--{name} {text!r} is not an ISO-8601 date or time", "write it like 2026-11-01 or 2026-11-01T08:30Z"
        ) from None
    when = when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
