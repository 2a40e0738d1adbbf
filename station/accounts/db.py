"""The accounts database: a small SQLite file with a versioned schema (PRAGMA user_version migrations).

Kept apart from the submission store so that an account change never contends with a queue write, and so the file
can be backed up and restored on its own. WAL + synchronous=FULL: a lockout written before a crash survives it.
TOTP seeds are stored sealed under the station's master key, bound to their user name (`seal_seed`); a seed an older
version stored in the clear is sealed when the database is opened.
"""

from __future__ import annotations

import base64
import sqlite3
import threading
from pathlib import Path

from station.crypto import CryptoError
from station.crypto.sealing import master_key
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
SEED_PURPOSE = "totp-seed"
SEALED_PREFIX = "sealed1:"


def seal_seed(username: str, seed: str) -> str:
    """A TOTP seed (base32) as stored: sealed, and bound to its user (a seed copied to another row does not open)."""
    sealed = master_key().seal(seed.encode("ascii"), SEED_PURPOSE, username.encode())
    return SEALED_PREFIX + base64.b64encode(sealed).decode("ascii")


def open_seed(username: str, stored: str) -> str:
    if not stored.startswith(SEALED_PREFIX):
        raise CryptoError(f"the TOTP seed of {username} is not sealed", "open the accounts database with the daemon")
    sealed = base64.b64decode(stored[len(SEALED_PREFIX) :])
    return master_key().open(sealed, SEED_PURPOSE, username.encode(), what=f"the TOTP seed of {username}").decode()


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
            self.conn.execute("PRAGMA secure_delete=ON")
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
        self._seal_plain_seeds()

    def _seal_plain_seeds(self) -> None:
        rows = self.conn.execute(
            "SELECT username, totp_secret FROM users WHERE totp_secret NOT LIKE ?", (SEALED_PREFIX + "%",)
        ).fetchall()
        if not rows:
            return
        self.conn.execute("BEGIN IMMEDIATE")
        for row in rows:
            sealed = seal_seed(row["username"], row["totp_secret"])
            self.conn.execute("UPDATE users SET totp_secret = ? WHERE username = ?", (sealed, row["username"]))
        self.conn.execute("COMMIT")
        self.conn.execute("VACUUM")  # the clear seeds leave the database file's pages ...
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # ... and the WAL

    def close(self) -> None:
        self.conn.close()
