"""The accounts database: a small SQLite file with a versioned schema (PRAGMA user_version migrations).

Kept apart from the submission store so that an account change never contends with a queue write, and so the file
can be backed up and restored on its own. WAL + synchronous=FULL: a lockout written before a crash survives it.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from station.errors import StorageError
from station.private_files import private_file

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE users (
        username TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        totp_secret TEXT NOT NULL,
        created_at REAL NOT NULL,
        last_login_at REAL,
        password_changed_at REAL NOT NULL,
        disabled_reason TEXT,
        locked_at REAL,
        last_totp_step INTEGER NOT NULL DEFAULT -1
    );
    CREATE TABLE login_failures (username TEXT NOT NULL, at REAL NOT NULL);
    CREATE INDEX login_failures_by_user ON login_failures (username, at);
    """,
)


class AccountsDb:
    """A serialised connection (one lock) usable from the event loop's worker threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            private_file(path)  # 0600: SQLite gives its -wal and -shm files the same mode
            self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("PRAGMA busy_timeout=5000")
            self.lock = threading.RLock()
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot open the accounts database {path}: {exc}", "check the state directory") from exc

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            self.conn.execute("BEGIN IMMEDIATE")
            for statement in filter(str.strip, script.split(";")):
                self.conn.execute(statement)
            self.conn.execute(f"PRAGMA user_version={number}")
            self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()
