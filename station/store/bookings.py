"""Bookings' working data, encrypted at rest with one key per booking (the vault of the station's one database).

Each booking row carries officer-visible metadata (owner, state, times; `station.store.lifecycle` moves it through
its states) and its data key wrapped by the station's storage key. Items (the session state, captured images...)
are AES-256-GCM blobs bound to (booking, kind, position). Shredding a booking (`lifecycle.shred`) deletes its items
*and* its wrapped key in one transaction: with `secure_delete` and a WAL checkpoint, nothing on disk opens them any
more. There is no station-wide key that opens every booking: the storage key only unwraps the keys still stored.

    vault = BookingVault.open(store, paths.storage_key)   # also finishes an interrupted key rotation
    booking_id = vault.open_booking(owner="jsmith")
    vault.save_items(booking_id, {("session", 0): state_json, ("image", 3): png})   # one transaction
    state_json = vault.load_item(booking_id, "session", 0)
"""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
from pathlib import Path

from station.crypto import CryptoError
from station.crypto.storage import StorageKey, decrypt_blob, encrypt_blob
from station.errors import StorageError
from station.store.db import Store
from station.store.events import record_event

ItemKey = tuple[str, int]  # (kind, position)


class UnknownBooking(StorageError):
    """No booking with this id, or its data was shredded."""


def _aad(booking_id: str, kind: str, position: int) -> bytes:
    return f"booking-item v1|{booking_id}|{kind}|{position}".encode()


def new_booking_id(now: float) -> str:
    """A booking number an officer can read out: the day and 8 random hex digits (20261207-1A2B3C4D)."""
    day = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y%m%d")
    return f"{day}-{secrets.token_hex(4).upper()}"


class BookingVault:
    """Encrypted working data of bookings."""

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

    def open_booking(
        self, owner: str = "", *, kind: str = "tenprint", label: str = "", booking_id: str | None = None
    ) -> str:
        """A new open booking with a fresh data key (only its wrapped form is stored)."""
        _, wrapped = self.storage_key.new_booking_key()
        for _attempt in range(5):
            now = self.store.clock()
            candidate = booking_id or new_booking_id(now)
            try:
                with self.store.transaction() as conn:
                    conn.execute(
                        "INSERT INTO bookings (booking_id, kind, owner, state, label, wrapped_key, created_at, "
                        "updated_at) VALUES (?, ?, ?, 'open', ?, ?, ?, ?)",
                        (candidate, kind, owner, label, wrapped, now, now),
                    )
                    record_event(self.store, "booking-opened", candidate)
                return candidate
            except StorageError as exc:
                if booking_id is not None or not isinstance(exc.__cause__, sqlite3.IntegrityError):
                    raise
        raise StorageError("could not allocate a booking number", "try again")

    def _key(self, booking_id: str) -> bytes:
        rows = self.store.query("SELECT wrapped_key, shredded_at FROM bookings WHERE booking_id = ?", (booking_id,))
        if not rows:
            raise UnknownBooking(f"no booking {booking_id}", "see the list of bookings")
        if rows[0]["wrapped_key"] is None:
            raise UnknownBooking(f"booking {booking_id}'s data was shredded", "only its TCN, times and answer are kept")
        return self.storage_key.unwrap(rows[0]["wrapped_key"])

    def save_items(self, booking_id: str, items: dict[ItemKey, bytes | None]) -> None:
        """Encrypt and store (or replace; None deletes) several items in one transaction; durable on return."""
        key = self._key(booking_id)
        blobs = {k: None if v is None else encrypt_blob(key, v, _aad(booking_id, *k)) for k, v in items.items()}
        self.store.ensure_room(sum(len(b) for b in blobs.values() if b is not None))
        now = self.store.clock()
        with self.store.transaction() as conn:
            for (kind, position), blob in blobs.items():
                if blob is None:
                    conn.execute(
                        "DELETE FROM booking_items WHERE booking_id = ? AND kind = ? AND position = ?",
                        (booking_id, kind, position),
                    )
                    continue
                conn.execute(
                    "INSERT OR REPLACE INTO booking_items (booking_id, kind, position, blob, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (booking_id, kind, position, blob, now),
                )
            conn.execute("UPDATE bookings SET updated_at = ? WHERE booking_id = ?", (now, booking_id))

    def save_item(self, booking_id: str, kind: str, position: int, data: bytes) -> None:
        self.save_items(booking_id, {(kind, position): data})

    def load_item(self, booking_id: str, kind: str, position: int) -> bytes | None:
        key = self._key(booking_id)
        rows = self.store.query(
            "SELECT blob FROM booking_items WHERE booking_id = ? AND kind = ? AND position = ?",
            (booking_id, kind, position),
        )
        return decrypt_blob(key, rows[0]["blob"], _aad(booking_id, kind, position)) if rows else None

    def items(self, booking_id: str) -> list[ItemKey]:
        rows = self.store.query(
            "SELECT kind, position FROM booking_items WHERE booking_id = ? ORDER BY kind, position", (booking_id,)
        )
        return [(r["kind"], r["position"]) for r in rows]

    def rotate_storage_key(self, new_key: StorageKey) -> None:
        """Re-wrap every booking key still stored under `new_key` in one transaction (then install `new_key`)."""
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
