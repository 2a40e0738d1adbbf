"""Booking drafts that survive a crash: every accepted capture is committed (encrypted) before it is acknowledged.

A booking in progress is the officer's work of several minutes; a daemon crash, a `kill -9` or a power cut must not
lose a capture the officer saw accepted. Each accepted capture is written to SQLite (WAL, synchronous=FULL) in one
transaction *before* the API answers; the subject's data and the WSQ images are sealed with AES-256-GCM under a
station draft key (`drafts.key`, 0600, sealed under the master key; the row id is the associated data, so a blob
cannot be moved to another row).
Nothing biographic or biometric is stored in clear. Submitted bookings hand over to the submission queue
(station.store, engineer sync) and their draft is purged.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from station.crypto import CryptoError
from station.crypto.keys import load_secret, save_secret
from station.errors import InputError, StorageError
from station.private_files import private_file

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS bookings (
        id TEXT PRIMARY KEY, owner TEXT NOT NULL, state TEXT NOT NULL, kind TEXT NOT NULL,
        created_at REAL NOT NULL, updated_at REAL NOT NULL, tcn TEXT, subject BLOB, answer BLOB)""",
    """CREATE TABLE IF NOT EXISTS captures (
        booking_id TEXT NOT NULL REFERENCES bookings(id), slot TEXT NOT NULL, kind TEXT NOT NULL,
        position INTEGER NOT NULL, ppi REAL NOT NULL, nfiq2 INTEGER, meta TEXT NOT NULL, image BLOB NOT NULL,
        accepted_at REAL NOT NULL, PRIMARY KEY (booking_id, slot))""",
    """CREATE TABLE IF NOT EXISTS sequence_checks (
        booking_id TEXT PRIMARY KEY REFERENCES bookings(id), report TEXT NOT NULL, override TEXT, at REAL NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS annotations (
        booking_id TEXT NOT NULL REFERENCES bookings(id), step TEXT NOT NULL, code TEXT NOT NULL,
        reason TEXT NOT NULL, officer TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (booking_id, step))""",
)
STATES = ("open", "submitted", "answered", "abandoned")


@dataclass(frozen=True)
class CaptureRow:
    slot: str
    kind: str
    position: int
    ppi: float
    nfiq2: int | None
    meta: dict[str, Any]
    accepted_at: float


class DraftStore:
    def __init__(self, directory: Path) -> None:
        self.path = directory / "drafts.sqlite"
        self._lock = threading.Lock()
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._aead = AESGCM(self._key(directory / "drafts.key"))
            private_file(self.path)  # 0600: SQLite gives its -wal and -shm files the same mode
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=5000", "foreign_keys=ON"):
                self.conn.execute(f"PRAGMA {pragma}")
            for statement in SCHEMA:
                self.conn.execute(statement)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot open the booking drafts in {directory}: {exc}", "check the state dir") from exc

    @staticmethod
    def _key(path: Path) -> bytes:
        """The draft key, sealed under the station's master key like every key file (made on first use)."""
        try:
            if not path.exists():
                save_secret(path, AESGCM.generate_key(bit_length=256))
            return load_secret(path, size=32)
        except CryptoError as exc:
            raise StorageError(f"cannot open the draft key: {exc.message}", exc.hint) from exc

    def _seal(self, data: bytes, aad: str) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + self._aead.encrypt(nonce, data, aad.encode())

    def _open(self, blob: bytes, aad: str) -> bytes:
        return self._aead.decrypt(blob[:12], blob[12:], aad.encode())

    def _write(self, sql: str, params: tuple[Any, ...]) -> int:
        with self._lock:
            try:
                return self.conn.execute(sql, params).rowcount
            except sqlite3.Error as exc:
                raise StorageError(f"cannot save the booking draft: {exc}", "free disk space, then retry") from exc

    # -- bookings ------------------------------------------------------------------------------------------------
    def create(self, owner: str, kind: str = "tenprint") -> str:
        booking_id = time.strftime("%Y%m%d") + "-" + secrets.token_hex(4).upper()
        now = time.time()
        self._write(
            "INSERT INTO bookings (id, owner, state, kind, created_at, updated_at) VALUES (?, ?, 'open', ?, ?, ?)",
            (booking_id, owner, kind, now, now),
        )
        return booking_id

    def set_subject(self, booking_id: str, subject: dict[str, Any]) -> None:
        blob = self._seal(json.dumps(subject).encode(), f"{booking_id}/subject")
        self._write("UPDATE bookings SET subject = ?, updated_at = ? WHERE id = ?", (blob, time.time(), booking_id))

    def subject(self, booking_id: str) -> dict[str, Any]:
        row = self.booking(booking_id)
        return json.loads(self._open(row["subject"], f"{booking_id}/subject")) if row["subject"] else {}

    def set_state(self, booking_id: str, state: str, tcn: str | None = None) -> None:
        if state not in STATES:
            raise ValueError(state)
        self._write(
            "UPDATE bookings SET state = ?, tcn = COALESCE(?, tcn), updated_at = ? WHERE id = ?",
            (state, tcn, time.time(), booking_id),
        )

    def set_answer(self, booking_id: str, answer: dict[str, Any]) -> None:
        blob = self._seal(json.dumps(answer).encode(), f"{booking_id}/answer")
        self._write(
            "UPDATE bookings SET answer = ?, state = 'answered', updated_at = ? WHERE id = ?",
            (blob, time.time(), booking_id),
        )

    def answer(self, booking_id: str) -> dict[str, Any] | None:
        row = self.booking(booking_id)
        return json.loads(self._open(row["answer"], f"{booking_id}/answer")) if row["answer"] else None

    def booking(self, booking_id: str) -> sqlite3.Row:
        with self._lock:
            row = self.conn.execute("SELECT * FROM bookings WHERE id = ?", (booking_id,)).fetchone()
        if row is None:
            raise InputError(f"no booking {booking_id}", "list bookings with booking.list")
        return row

    def bookings(self, owner: str | None = None, states: tuple[str, ...] = STATES) -> list[dict[str, Any]]:
        marks = ",".join("?" * len(states))
        sql = f"SELECT id, owner, state, kind, created_at, updated_at, tcn FROM bookings WHERE state IN ({marks})"
        params: tuple[Any, ...] = states
        if owner is not None:
            sql, params = sql + " AND owner = ?", (*states, owner)
        with self._lock:
            rows = self.conn.execute(sql + " ORDER BY created_at", params).fetchall()
        return [dict(r) for r in rows]

    # -- captures ------------------------------------------------------------------------------------------------
    def accept_capture(
        self,
        booking_id: str,
        slot: str,
        kind: str,
        position: int,
        ppi: float,
        nfiq2: int | None,
        meta: dict[str, Any],
        image: bytes,
    ) -> None:
        """Keep (or replace) the capture of one slot; durable when this returns."""
        blob = self._seal(image, f"{booking_id}/{slot}")
        self._write(
            "INSERT OR REPLACE INTO captures (booking_id, slot, kind, position, ppi, nfiq2, meta, image, accepted_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (booking_id, slot, kind, position, ppi, nfiq2, json.dumps(meta), blob, time.time()),
        )

    def captures(self, booking_id: str) -> list[CaptureRow]:
        with self._lock:
            rows = self.conn.execute(
                "SELECT slot, kind, position, ppi, nfiq2, meta, accepted_at FROM captures WHERE booking_id = ?"
                " ORDER BY accepted_at",
                (booking_id,),
            ).fetchall()
        return [
            CaptureRow(
                r["slot"], r["kind"], r["position"], r["ppi"], r["nfiq2"], json.loads(r["meta"]), r["accepted_at"]
            )
            for r in rows
        ]

    def capture_image(self, booking_id: str, slot: str) -> bytes:
        with self._lock:
            row = self.conn.execute(
                "SELECT image FROM captures WHERE booking_id = ? AND slot = ?", (booking_id, slot)
            ).fetchone()
        if row is None:
            raise InputError(f"booking {booking_id} has no capture {slot}", "capture it first")
        return self._open(row["image"], f"{booking_id}/{slot}")

    def annotate(self, booking_id: str, step: str, code: str, reason: str, officer: str) -> None:
        """An XX / UP / SR annotation of a plan step (replaces an earlier one); durable on return."""
        self._write(
            "INSERT OR REPLACE INTO annotations (booking_id, step, code, reason, officer, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (booking_id, step, code, reason, officer, time.time()),
        )

    def remove_annotation(self, booking_id: str, step: str) -> None:
        self._write("DELETE FROM annotations WHERE booking_id = ? AND step = ?", (booking_id, step))

    def annotations(self, booking_id: str) -> dict[str, dict[str, Any]]:
        with self._lock:
            rows = self.conn.execute(
                "SELECT step, code, reason, officer, at FROM annotations WHERE booking_id = ?", (booking_id,)
            ).fetchall()
        return {
            r["step"]: {"code": r["code"], "reason": r["reason"], "officer": r["officer"], "at": r["at"]} for r in rows
        }

    def set_sequence(self, booking_id: str, report: dict[str, Any] | None, override: str | None = None) -> None:
        """The last sequence check (scores and verdicts per finger position: no images, no names)."""
        if report is None:
            self._write("DELETE FROM sequence_checks WHERE booking_id = ?", (booking_id,))
            return
        self._write(
            "INSERT OR REPLACE INTO sequence_checks (booking_id, report, override, at) VALUES (?, ?, ?, ?)",
            (booking_id, json.dumps(report), override, time.time()),
        )

    def override_sequence(self, booking_id: str, reason: str) -> None:
        self._write("UPDATE sequence_checks SET override = ? WHERE booking_id = ?", (reason, booking_id))

    def sequence(self, booking_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self.conn.execute(
                "SELECT report, override, at FROM sequence_checks WHERE booking_id = ?", (booking_id,)
            ).fetchone()
        if row is None:
            return None
        return {**json.loads(row["report"]), "override": row["override"], "at": row["at"]}

    def purge_images(self, booking_id: str) -> None:
        self._write("DELETE FROM captures WHERE booking_id = ?", (booking_id,))

    def close(self) -> None:
        with self._lock:
            self.conn.close()
