"""Opening the station database: durability pragmas, explicit transactions, migrations, disk-full translation.

WAL with `synchronous=FULL` (a COMMIT is on disk when it returns), foreign keys on, `secure_delete` so freed pages
are zeroed, a busy timeout for the odd second reader. Transactions are explicit (`BEGIN IMMEDIATE`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from station.errors import StorageError
from station.private_files import private_file

if TYPE_CHECKING:
    import sqlite_utils

DATABASE_NAME = "station.db"
# Refuse new work when less than this is free beside the database (the queue must still be able to drain).
DEFAULT_RESERVE_BYTES = 8 * 1024 * 1024
# A zero-filled file kept beside the database and deleted the moment SQLite finds the disk full, so that the
# state changes a drain needs (claim, accept, answer) still find room even when something else filled the disk.
DEFAULT_BALLAST_BYTES = 4 * 1024 * 1024
BALLAST_SUFFIX = "-ballast"
PAGE_SIZE = 65536


class DiskFullError(StorageError):
    """The disk holding the database has no room for what was asked."""


def _is_disk_full(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "disk is full" in text or ("disk i/o error" in text and "full" in text) or "no space" in text


class Store:
    """One open station database. Thread-safe: every statement runs under one lock."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], float] = time.time,
        reserve_bytes: int = DEFAULT_RESERVE_BYTES,
        ballast_bytes: int = DEFAULT_BALLAST_BYTES,
    ) -> None:
        self.path = Path(path)
        self.clock = clock
        self.reserve_bytes = reserve_bytes
        self.ballast_bytes = ballast_bytes
        self.ballast = self.path.with_name(self.path.name + BALLAST_SUFFIX)
        self._lock = threading.RLock()
        self._depth = 0
        try:
            private_file(self.path)  # 0600: SQLite gives its -wal and -shm files the same mode
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
            # Large pages: submissions are ~0.5-1 MB blobs; fewer, larger WAL frames cost far less CPU.
            # (Only takes effect when the file is created, before WAL is switched on.)
            self.conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
            # Checkpoint every 64 pages (4 MiB) and trim the WAL back to 4 MiB: a WAL that is allowed to grow to
            # the default 1000 pages (64 MiB here) could not be checkpointed on a nearly full disk.
            for pragma in (
                "journal_mode=WAL",
                "synchronous=FULL",
                "secure_delete=ON",
                "busy_timeout=10000",
                "temp_store=MEMORY",
                "wal_autocheckpoint=64",
                f"journal_size_limit={4 * 1024 * 1024}",
            ):
                self.conn.execute(f"PRAGMA {pragma}")
        except sqlite3.Error as exc:
            raise self._translate(exc, "open the station database") from exc
        self._migrate()
        self.ensure_ballast()

    def _migrate(self) -> None:
        """Apply pending migrations with foreign keys off (a table rebuild must not cascade), then check every
        reference before committing and switch foreign keys on for good."""
        from station.store.migrations import migrate

        self.conn.execute("PRAGMA foreign_keys=OFF")
        with self.transaction() as conn:
            migrate(self)
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise StorageError(
                    f"the station database has {len(broken)} broken reference(s) (first in table {broken[0][0]})",
                    "restore the state directory from a backup",
                )
        self.conn.execute("PRAGMA foreign_keys=ON")

    @functools.cached_property
    def db(self) -> sqlite_utils.Database:
        """The same connection as a sqlite-utils Database (for table introspection and ad-hoc queries)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    # -- transactions -----------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (nested calls join the outer transaction); disk full -> DiskFullError."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._translate(exc, "start a transaction") from exc
            self._depth = 1
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise self._translate(exc, "write to the station database") from exc
                raise
            finally:
                self._depth = 0

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            cursor = self.conn.execute(sql, params)
            names = [d[0] for d in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def execute(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            try:
                return self.conn.execute(sql, params)
            except sqlite3.Error as exc:
                raise self._translate(exc, "write to the station database") from exc

    # -- housekeeping -----------------------------------------------------------------------------------------
    def ensure_room(self, needed_bytes: int) -> None:
        """Refuse early, with a clear message, when the disk cannot take `needed_bytes` plus the reserve."""
        free = shutil.disk_usage(self.path.parent).free + self.reusable_bytes()
        if free < needed_bytes * 2 + self.reserve_bytes:
            raise DiskFullError(
                f"not enough disk space to queue this submission ({free // 1024} KiB free, "
                f"{(needed_bytes * 2 + self.reserve_bytes) // 1024} KiB needed) in {self.path.parent}",
                "nothing was queued and the existing queue is intact; let the queue drain to the central or "
                "ask a technician to free space",
            )

    def reusable_bytes(self) -> int:
        """Space inside the database file that SQLite will reuse (free pages left by answered submissions)."""
        with self._lock:
            pages = self.conn.execute("PRAGMA freelist_count").fetchone()[0]
            size = self.conn.execute("PRAGMA page_size").fetchone()[0]
        return int(pages) * int(size)

    def checkpoint(self) -> None:
        """Move the WAL into the database and truncate it (after purges, so freed pages leave the WAL too)."""
        with self._lock, contextlib.suppress(sqlite3.Error):
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.ensure_ballast()

    def ensure_ballast(self) -> None:
        """(Re)create the ballast file when there is comfortably room for it."""
        if self.ballast_bytes <= 0 or self.ballast.exists():
            return
        try:
            if shutil.disk_usage(self.path.parent).free < self.ballast_bytes + self.reserve_bytes:
                return
            with private_file(self.ballast).open("wb") as handle:
                handle.truncate(0)
                handle.write(b"\0" * self.ballast_bytes)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError:
            with contextlib.suppress(OSError):
                self.ballast.unlink()

    def release_ballast(self) -> bool:
        """Give the ballast's space back to the database; True when there was one."""
        try:
            self.ballast.unlink()
        except FileNotFoundError:
            return False
        return True

    def integrity_ok(self) -> bool:
        return self.query("PRAGMA integrity_check")[0]["integrity_check"] == "ok"

    def close(self) -> None:
        with self._lock:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("PRAGMA optimize")
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _translate(self, exc: sqlite3.Error, doing: str) -> StorageError:
        if _is_disk_full(exc):
            self.release_ballast()  # so that the drain's next state change finds room
            return DiskFullError(
                f"the disk is full: could not {doing} ({self.path})",
                "nothing was changed and the existing queue is intact; free space or let the queue drain",
            )
        return StorageError(
            f"could not {doing} ({self.path}): {exc}",
            "check the state directory; a technician can run 'station queue list'",
        )


def open_store(state_dir: Path, **kwargs: Any) -> Store:
    """Open (creating if needed) the database in `state_dir`."""
    state_dir = Path(state_dir)
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create the state directory {state_dir}: {exc}", "check its permissions") from exc
    return Store(state_dir / DATABASE_NAME, **kwargs)
