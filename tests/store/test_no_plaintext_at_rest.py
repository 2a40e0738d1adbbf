"""After queueing, nothing on the station's disk reveals the booking: no name, no date of birth, no image bytes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from store_kit import Provisioned

from station.crypto.storage import StorageKey
from station.store import lifecycle, open_store
from station.store.bookings import BookingVault
from station.store.submit import queue_transaction
from sync.sample import build_car, image_data

NAME = "QUIXOTE,ALONSO"
DOB = "19470923"
BIRTH = dt.date(1947, 9, 23)
BLOCK = 32


class ImageRuns:
    """Finds 64-byte runs of an image's bytes in other data.

    Any 64-byte run contains one whole 32-byte block aligned at a multiple of 32 in the image, so looking for those
    blocks finds every leaked run (and more). Blocks of fewer than 8 distinct byte values (runs of zeros in WSQ
    tables) are skipped: they say nothing about the image and occur in any file."""

    def __init__(self, image: bytes) -> None:
        blocks = [image[i : i + BLOCK] for i in range(0, len(image) - BLOCK + 1, BLOCK)]
        # Each block is looked up by its most varied aligned 8 bytes (never a run of zeros).
        self.by_key: dict[bytes, list[tuple[int, bytes]]] = {}
        for block in blocks:
            if len(set(block)) < 8:
                continue
            k = max(range(0, BLOCK, 8), key=lambda at, b=block: len(set(b[at : at + 8])))
            self.by_key.setdefault(block[k : k + 8], []).append((k, block))
        self.keys = np.unique(np.frombuffer(b"".join(self.by_key), dtype="<u8"))

    def count(self, haystack: bytes) -> int:
        data = np.frombuffer(haystack, dtype=np.uint8)
        hits = 0
        for shift in range(8):
            usable = (len(data) - shift) // 8 * 8
            if usable <= 0:
                continue
            words = data[shift : shift + usable].view("<u8")
            slots = np.minimum(np.searchsorted(self.keys, words), len(self.keys) - 1)
            for index in np.nonzero(self.keys[slots] == words)[0]:
                offset = shift + int(index) * 8
                for k, block in self.by_key[haystack[offset : offset + 8]]:
                    hits += haystack[offset - k : offset - k + BLOCK] == block
        return hits


def scan(state_dir: Path, image: bytes) -> list[str]:
    runs = ImageRuns(image)
    found = []
    for path in sorted(state_dir.rglob("*")):
        if not path.is_file():
            continue
        content = path.read_bytes()
        for marker in (NAME.encode(), DOB.encode(), NAME.encode("utf-16-le")):
            if marker in content:
                found.append(f"{path.name}: {marker!r}")
        if runs.count(content):
            found.append(f"{path.name}: image data")
    return found


def test_the_scanner_finds_plaintext_when_it_is_there(tmp_path: Path, test_data: Path) -> None:
    car = build_car(test_data, tcn="CTRL000001", name=NAME, dob=BIRTH)
    image = b"".join(image_data(test_data))
    (tmp_path / "plain.bin").write_bytes(b"\0" * 1000 + image[5000:5064] + b"\0" * 1000)
    assert ImageRuns(image).count((tmp_path / "plain.bin").read_bytes()) >= 1
    (tmp_path / "plain.bin").write_bytes(car)
    assert len(scan(tmp_path, image)) == 3


def test_queued_submissions_leave_no_plaintext_in_db_wal_or_journal(provisioned: Provisioned, test_data: Path) -> None:
    store = open_store(provisioned.state_dir)
    vault = BookingVault(store, StorageKey.load(provisioned.state_dir / "keys" / "storage.key"))
    images = image_data(test_data)
    # The working data of an open booking is encrypted too.
    booking = vault.open_booking("jsmith", label="desk 1")
    subject = f'{{"name": "{NAME}", "dob": "{DOB}"}}'.encode()
    vault.save_items(booking, {("session", 0): subject, **{("image", p): w for p, w in enumerate(images[:3], 1)}})
    assert vault.load_item(booking, "session", 0) == subject
    lifecycle.claim(store, booking, "SCAN000000")
    for i in range(3):
        car = build_car(test_data, tcn=f"SCAN00000{i}", name=NAME, dob=BIRTH)
        queue_transaction(
            store,
            car,
            identity=provisioned.identity,
            central=provisioned.central,
            booking_id=booking if i == 0 else None,
        )
    assert NAME.encode() in car and DOB.encode() in car
    image = b"".join(images)
    wal = provisioned.state_dir / "station.db-wal"
    assert wal.exists() and wal.stat().st_size > 0, "the scan must cover a live WAL"
    assert scan(provisioned.state_dir, image) == []
    lifecycle.shred(store, booking, "answered")
    assert scan(provisioned.state_dir, image) == []
    store.close()
    assert scan(provisioned.state_dir, image) == []
