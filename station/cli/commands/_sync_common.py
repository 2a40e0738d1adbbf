"""Output helpers shared by the store-and-forward commands (queue, sync, provision, central): JSON and summaries."""

from __future__ import annotations

import json
import sys
from typing import Any


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, sort_keys=True, default=str)
    sys.stdout.write("\n")


def print_summary(summary: dict[str, Any], as_json: bool) -> None:
    """A command's summary: JSON for machines, `key: value` lines for people."""
    if as_json:
        print_json(summary)
    else:
        for key, value in summary.items():
            print(f"{key}: {value}")
