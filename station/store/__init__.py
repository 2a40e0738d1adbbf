"""The station's SQLite store: one database file in the state directory (see docs/store.md)."""

from station.store.db import DiskFullError, Store, open_store

__all__ = ["DiskFullError", "Store", "open_store"]
