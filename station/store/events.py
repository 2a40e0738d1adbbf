"""The store's event log: what happened to a submission (rejections, tampering, retries), for technicians."""

from __future__ import annotations

from typing import Any

from station.store.db import Store


def record_event(store: Store, kind: str, detail: str = "", tcn: str | None = None) -> None:
    """Append one event (joins the caller's transaction if there is one)."""
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO events (at, tcn, kind, detail) VALUES (?, ?, ?, ?)", (store.clock(), tcn, kind, detail[:2000])
        )


def list_events(store: Store, tcn: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    if tcn is None:
        return store.query("SELECT * FROM events ORDER BY id DESC LIMIT ?", (limit,))
    return store.query("SELECT * FROM events WHERE tcn = ? ORDER BY id DESC LIMIT ?", (tcn, limit))
