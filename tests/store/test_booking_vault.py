"""Working data of bookings: encrypted per booking, crypto-shredded, storage key rotation."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_kit import Provisioned

from station.crypto import CryptoError
from station.crypto.storage import StorageKey
from station.errors import StorageError
from station.store import lifecycle, open_store
from station.store.bookings import BookingVault, UnknownBooking


def vault_for(provisioned: Provisioned) -> BookingVault:
    return BookingVault(
        open_store(provisioned.state_dir), StorageKey.load(provisioned.state_dir / "keys" / "storage.key")
    )


def test_items_round_trip_and_one_save_is_one_transaction(provisioned: Provisioned) -> None:
    vault = vault_for(provisioned)
    booking = vault.open_booking("jsmith", label="desk 3")
    assert booking[:8].isdigit() and booking[8] == "-"  # a number an officer can read out
    vault.save_items(booking, {("image", 2): b"PNG-BYTES", ("session", 0): b'{"name": "DOE,JANE"}'})
    vault.save_items(booking, {("image", 2): b"PNG-BYTES-RETAKE", ("image", 3): b"other"})
    vault.save_items(booking, {("image", 3): None})  # None deletes
    assert vault.load_item(booking, "image", 2) == b"PNG-BYTES-RETAKE"
    assert vault.load_item(booking, "image", 3) is None
    assert vault.items(booking) == [("image", 2), ("session", 0)]
    [row] = lifecycle.list_rows(vault.store, owner="jsmith")
    assert (row.label, row.state, row.kind) == ("desk 3", "open", "tenprint")
    with pytest.raises(StorageError), vault.store.transaction() as conn:  # a failed save leaves nothing half-done
        conn.execute("INSERT INTO booking_items VALUES (?, 'image', 9, x'00', 0)", (booking,))
        conn.execute("INSERT INTO booking_items VALUES ('nobody', 'image', 9, x'00', 0)")
    assert vault.items(booking) == [("image", 2), ("session", 0)]


def test_an_item_moved_to_another_booking_or_position_does_not_decrypt(provisioned: Provisioned) -> None:
    vault = vault_for(provisioned)
    booking = vault.open_booking()
    vault.save_item(booking, "image", 1, b"finger one")
    with vault.store.transaction() as conn:
        conn.execute("UPDATE booking_items SET position = 4")
    with pytest.raises(CryptoError, match="integrity"):
        vault.load_item(booking, "image", 4)


def test_cancelling_destroys_the_key_and_the_data(provisioned: Provisioned) -> None:
    vault = vault_for(provisioned)
    booking = vault.open_booking()
    vault.save_item(booking, "session", 0, b'{"name": "DOE,JANE"}')
    wrapped = vault.store.query("SELECT wrapped_key FROM bookings")[0]["wrapped_key"]
    blob = vault.store.query("SELECT blob FROM booking_items")[0]["blob"]
    lifecycle.cancel(vault.store, booking)
    with pytest.raises(UnknownBooking, match="shredded"):
        vault.load_item(booking, "session", 0)
    row = lifecycle.get(vault.store, booking)
    assert row.state == "cancelled" and row.shredded and row.shred_reason == "cancelled"
    vault.store.close()
    on_disk = b"".join(p.read_bytes() for p in provisioned.state_dir.glob("station.db*"))
    assert wrapped not in on_disk and blob[:64] not in on_disk


def test_storage_key_rotation_rewraps_open_bookings(provisioned: Provisioned, tmp_path: Path) -> None:
    vault = vault_for(provisioned)
    booking = vault.open_booking()
    vault.save_item(booking, "session", 0, b"DOE,JANE")
    new_key = StorageKey.generate()
    vault.rotate_storage_key(new_key)
    assert BookingVault(vault.store, new_key).load_item(booking, "session", 0) == b"DOE,JANE"
    with pytest.raises(CryptoError, match="unwrap"):
        BookingVault(vault.store, StorageKey.generate()).load_item(booking, "session", 0)


def test_an_interrupted_storage_key_rotation_is_finished_or_undone(provisioned: Provisioned) -> None:
    key_path = provisioned.state_dir / "keys" / "storage.key"
    pending = key_path.with_name("storage.key.next")
    vault = BookingVault.open(open_store(provisioned.state_dir), key_path)
    booking = vault.open_booking()
    vault.save_item(booking, "session", 0, b"DOE,JANE")
    # Died after writing storage.key.next but before re-wrapping: the old key stays.
    StorageKey.generate().save(pending)
    assert BookingVault.open(vault.store, key_path).load_item(booking, "session", 0) == b"DOE,JANE"
    assert not pending.exists()
    # Died after the database switched to the new key but before the rename: the new key is installed.
    new_key = StorageKey.generate()
    new_key.save(pending)
    vault.rotate_storage_key(new_key)
    assert BookingVault.open(vault.store, key_path).load_item(booking, "session", 0) == b"DOE,JANE"
    assert not pending.exists() and key_path.read_bytes() == pending.with_name("storage.key").read_bytes()
