"""Small station facts that must survive a restart, kept in the store's `meta` table (key -> JSON value): how often
the daemon started, the last scanner self-test. Nothing about a person is kept here."""

from __future__ import annotations

import json
from typing import Any

from station.store.db import Store


def get(store: Store, key: str, default: Any = None) -> Any:
    rows = store.query("SELECT value FROM meta WHERE key = ?", (key,))
    return json.loads(rows[0]["value"]) if rows else default


def put(store: Store, key: str, value: Any) -> None:
    store.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, json.dumps(value, sort_keys=True)),
    )


def increment(store: Store, key: str) -> int:
    """Add one to a counter and return its new value (one transaction)."""
    with store.transaction():
        value = int(get(store, key, 0)) + 1
        put(store, key, value)
    return value
