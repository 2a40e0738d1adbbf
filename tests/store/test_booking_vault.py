"""Working data of bookings: encrypted per booking, crypto-shredded on purge, storage key rotation."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_kit import Provisioned

from station.crypto import CryptoError
from station.crypto.storage import StorageKey
from station.store import open_store
from station.store.bookings import BookingVault, UnknownBooking


def vault_for(provisioned: Provisioned) -> BookingVault:
    return BookingVault(
        open_store(provisioned.state_dir), StorageKey.load(provisioned.state_dir / "keys" / "storage.key")
    )


def test_captures_and_biographics_round_trip(provisioned: Provisioned) -> None:
    vault = vault_for(provisioned)
    booking = vault.open_booking(label="desk 3")
    vault.save_capture(booking, 2, b"WSQ-BYTES", {"ppi": 500, "nfiq2": 61})
    vault.save_capture(booking, 2, b"WSQ-BYTES-RETAKE", {"ppi": 500, "nfiq2": 70})
    vault.save_biographics(booking, {"name": "DOE,JANE"})
    assert vault.load_capture(booking, 2) == (b"WSQ-BYTES-RETAKE", {"nfiq2": 70, "ppi": 500})
    assert vault.load_capture(booking, 3) is None
    assert vault.items(booking) == [("biographics", 0), ("capture", 2)]
    [info] = vault.list_bookings("open")
    assert (info.label, info.items) == ("desk 3", 2)


def test_an_item_moved_to_another_booking_or_position_does_not_decrypt(provisioned: Provisioned) -> None:
    vault = vault_for(provisioned)
    booking = vault.open_booking()
    vault.save_capture(booking, 1, b"finger one")
    with vault.store.transaction() as conn:
        conn.execute("UPDATE booking_items SET position = 4")
    with pytest.raises(CryptoError, match="integrity"):
        vault.load_capture(booking, 4)


def test_purge_destroys_the_key_and_the_data(provisioned: Provisioned) -> None:
    vault = vault_for(provisioned)
    booking = vault.open_booking()
    vault.save_biographics(booking, {"name": "DOE,JANE"})
    wrapped = vault.store.query("SELECT wrapped_key FROM bookings")[0]["wrapped_key"]
    blob = vault.store.query("SELECT blob FROM booking_items")[0]["blob"]
    vault.purge(booking)
    with pytest.raises(UnknownBooking):
        vault.load_biographics(booking)
    vault.store.close()
    on_disk = b"".join(p.read_bytes() for p in provisioned.state_dir.glob("station.db*"))
    assert wrapped not in on_disk and blob[:64] not in on_disk


def test_storage_key_rotation_rewraps_open_bookings(provisioned: Provisioned, tmp_path: Path) -> None:
    vault = vault_for(provisioned)
    booking = vault.open_booking()
    vault.save_biographics(booking, {"name": "DOE,JANE"})
    new_key = StorageKey.generate()
    vault.rotate_storage_key(new_key)
    assert BookingVault(vault.store, new_key).load_biographics(booking) == {"name": "DOE,JANE"}
    with pytest.raises(CryptoError, match="unwrap"):
        BookingVault(vault.store, StorageKey.generate()).load_biographics(booking)


def test_an_interrupted_storage_key_rotation_is_finished_or_undone(provisioned: Provisioned) -> None:
    key_path = provisioned.state_dir / "keys" / "storage.key"
    pending = key_path.with_name("storage.key.next")
    vault = BookingVault.open(open_store(provisioned.state_dir), key_path)
    booking = vault.open_booking()
    vault.save_biographics(booking, {"name": "DOE,JANE"})
    # Died after writing storage.key.next but before re-wrapping: the old key stays.
    StorageKey.generate().save(pending)
    assert BookingVault.open(vault.store, key_path).load_biographics(booking) == {"name": "DOE,JANE"}
    assert not pending.exists()
    # Died after the database switched to the new key but before the rename: the new key is installed.
    new_key = StorageKey.generate()
    new_key.save(pending)
    vault.rotate_storage_key(new_key)
    assert BookingVault.open(vault.store, key_path).load_biographics(booking) == {"name": "DOE,JANE"}
    assert not pending.exists() and key_path.read_bytes() == pending.with_name("storage.key").read_bytes()
