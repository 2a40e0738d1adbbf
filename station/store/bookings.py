"""In-progress bookings and their working data, encrypted at rest with one key per booking.

Each booking row carries officer-visible metadata (a label, state, times) and its data key wrapped by the station's
storage key. Items (captures per finger position, biographics, annotations...) are AES-256-GCM blobs bound to
(booking, kind, position). Purging a booking deletes its items *and* its wrapped key (crypto-shredding): with
`secure_delete` and a WAL checkpoint, nothing on disk opens them any more.

Typical use by the booking workflow / daemon:

    vault = BookingVault.open(store, paths.storage_key)   # also finishes an interrupted key rotation
    booking_id = vault.open_booking(label="desk 2, 14:05")
    vault.save_capture(booking_id, position=1, data=wsq_bytes, meta={"ppi": 500, "nfiq2": 71})
    image, meta = vault.load_capture(booking_id, 1)
    vault.save_biographics(booking_id, {"name": "...", "dob": "..."})
    vault.finish(booking_id, tcn)          # after the CAR is sealed and queued: shred the working data
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station.crypto import CryptoError
from station.crypto.storage import StorageKey, decrypt_blob, encrypt_blob
from station.errors import StorageError
from station.store.db import Store
from station.store.events import record_event

CAPTURE = "capture"
BIOGRAPHICS = "biographics"


class UnknownBooking(StorageError):
    """No open booking with this id."""


@dataclass(frozen=True)
class BookingInfo:
    booking_id: str
    state: str
    label: str
    tcn: str | None
    created_at: float
    updated_at: float
    items: int


def _aad(booking_id: str, kind: str, position: int) -> bytes:
    return f"booking-item v1|{booking_id}|{kind}|{position}".encode()


class BookingVault:
    """Encrypted working data of bookings in progress."""

    def __init__(self, store: Store, storage_key: StorageKey) -> None:
        self.store = store
        self.storage_key = storage_key

    @classmethod
    def open(cls, store: Store, storage_key_path: Path) -> BookingVault:
        """The vault with the station's storage key, finishing a storage-key rotation a crash interrupted: if
        `storage.key.next` exists and the database already uses it, it replaces `storage.key`; otherwise it is
        removed."""
        pending = storage_key_path.with_name(storage_key_path.name + ".next")
        if pending.exists():
            candidate = StorageKey.load(pending)
            if cls(store, candidate).key_fits(candidate) and store.query(
                "SELECT 1 FROM events WHERE kind = 'storage-key-rotated' LIMIT 1"
            ):
                pending.replace(storage_key_path)
            else:
                pending.unlink()
        return cls(store, StorageKey.load(storage_key_path))

    def open_booking(self, label: str = "", booking_id: str | None = None) -> str:
        booking_id = booking_id or uuid.uuid4().hex
        _, wrapped = self.storage_key.new_booking_key()
        now = self.store.clock()
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO bookings (booking_id, state, label, wrapped_key, created_at, updated_at) "
                "VALUES (?, 'open', ?, ?, ?, ?)",
                (booking_id, label, wrapped, now, now),
            )
            record_event(self.store, "booking-opened", booking_id)
        return booking_id

    def _key(self, booking_id: str) -> bytes:
        rows = self.store.query("SELECT wrapped_key, state FROM bookings WHERE booking_id = ?", (booking_id,))
        if not rows or rows[0]["state"] != "open" or rows[0]["wrapped_key"] is None:
            raise UnknownBooking(f"no open booking {booking_id}", "it was submitted or purged; start a new booking")
        return self.storage_key.unwrap(rows[0]["wrapped_key"])

    def save_item(self, booking_id: str, kind: str, position: int, data: bytes) -> None:
        """Encrypt and store (or replace) one item; durable when this returns."""
        blob = encrypt_blob(self._key(booking_id), data, _aad(booking_id, kind, position))
        self.store.ensure_room(len(blob))
        now = self.store.clock()
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO booking_items (booking_id, kind, position, blob, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (booking_id, kind, position, blob, now),
            )
            conn.execute("UPDATE bookings SET updated_at = ? WHERE booking_id = ?", (now, booking_id))

    def load_item(self, booking_id: str, kind: str, position: int) -> bytes | None:
        key = self._key(booking_id)
        rows = self.store.query(
            "SELECT blob FROM booking_items WHERE booking_id = ? AND kind = ? AND position = ?",
            (booking_id, kind, position),
        )
        return decrypt_blob(key, rows[0]["blob"], _aad(booking_id, kind, position)) if rows else None

    def items(self, booking_id: str) -> list[tuple[str, int]]:
        rows = self.store.query(
            "SELECT kind, position FROM booking_items WHERE booking_id = ? ORDER BY kind, position", (booking_id,)
        )
        return [(r["kind"], r["position"]) for r in rows]

    # -- conveniences for the booking workflow -----------------------------------------------------------------
    def save_capture(self, booking_id: str, position: int, data: bytes, meta: dict[str, Any] | None = None) -> None:
        """One accepted capture (encoded image bytes, e.g. WSQ or PNG) for a finger position, with its metadata."""
        header = json.dumps(meta or {}, sort_keys=True).encode()
        self.save_item(booking_id, CAPTURE, position, len(header).to_bytes(4, "big") + header + data)

    def load_capture(self, booking_id: str, position: int) -> tuple[bytes, dict[str, Any]] | None:
        raw = self.load_item(booking_id, CAPTURE, position)
        if raw is None:
            return None
        size = int.from_bytes(raw[:4], "big")
        return raw[4 + size :], json.loads(raw[4 : 4 + size])

    def save_biographics(self, booking_id: str, fields: dict[str, Any]) -> None:
        self.save_item(booking_id, BIOGRAPHICS, 0, json.dumps(fields, sort_keys=True).encode())

    def load_biographics(self, booking_id: str) -> dict[str, Any] | None:
        raw = self.load_item(booking_id, BIOGRAPHICS, 0)
        return None if raw is None else json.loads(raw)

    # -- life cycle -------------------------------------------------------------------------------------------
    def finish(self, booking_id: str, tcn: str) -> None:
        """The booking was sealed and queued as `tcn`: shred its working data, keep its metadata."""
        self._shred(booking_id, "submitted", tcn)

    def purge(self, booking_id: str) -> None:
        """Abandon a booking: shred its key and items (crypto-shredding)."""
        self._shred(booking_id, "purged", None)

    def _shred(self, booking_id: str, state: str, tcn: str | None) -> None:
        with self.store.transaction() as conn:
            cursor = conn.execute(
                "UPDATE bookings SET state = ?, tcn = coalesce(?, tcn), wrapped_key = NULL, "
                "updated_at = ? WHERE booking_id = ?",
                (state, tcn, self.store.clock(), booking_id),
            )
            if cursor.rowcount == 0:
                raise UnknownBooking(f"no booking {booking_id}", "see the list of open bookings")
            conn.execute("DELETE FROM booking_items WHERE booking_id = ?", (booking_id,))
            record_event(self.store, f"booking-{state}", booking_id, tcn)
        self.store.checkpoint()

    def rotate_storage_key(self, new_key: StorageKey) -> None:
        """Re-wrap every open booking's key under `new_key` in one transaction (then install `new_key`)."""
        with self.store.transaction() as conn:
            rows = conn.execute("SELECT booking_id, wrapped_key FROM bookings WHERE wrapped_key IS NOT NULL")
            for booking_id, wrapped in rows.fetchall():
                conn.execute(
                    "UPDATE bookings SET wrapped_key = ? WHERE booking_id = ?",
                    (self.storage_key.rewrap(wrapped, new_key), booking_id),
                )
            record_event(self.store, "storage-key-rotated", "booking keys re-wrapped")
        self.storage_key = new_key
        self.store.checkpoint()

    def key_fits(self, key: StorageKey) -> bool:
        """True when `key` unwraps the booking keys in the database (or there are none to test)."""
        rows = self.store.query("SELECT wrapped_key FROM bookings WHERE wrapped_key IS NOT NULL LIMIT 1")
        if not rows:
            return True
        try:
            key.unwrap(rows[0]["wrapped_key"])
        except CryptoError:
            return False
        return True

    def list_bookings(self, state: str | None = None) -> list[BookingInfo]:
        where, params = ("WHERE b.state = ?", (state,)) if state else ("", ())
        rows = self.store.query(
            "SELECT b.booking_id, b.state, b.label, b.tcn, b.created_at, b.updated_at, count(i.position) AS items "
            f"FROM bookings b LEFT JOIN booking_items i USING (booking_id) {where} GROUP BY b.booking_id "
            "ORDER BY b.created_at",
            params,
        )
        return [BookingInfo(**r) for r in rows]
