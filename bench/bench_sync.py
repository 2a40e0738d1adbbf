"""Store-and-forward benchmark: seal + enqueue of a 14-print CAR (target >= 200/s) and the drain rate to a central
on loopback. References measured in the same run: a bare SQLite insert of the same bytes with the same durability
(WAL, synchronous=FULL), and sealing alone."""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

TARGET_PER_SECOND = 200.0
SEAL_COUNT = 300
DRAIN_COUNT = 100


def _shared_data() -> Path:
    configured = os.environ.get("STATION_SHARED_DATA")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared" / "data"


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def main() -> int:
    from station.crypto.envelope import seal
    from station.crypto.provision import KeyPaths, import_central, init_station, load_central, load_identity
    from station.crypto.storage import StorageKey
    from station.store import open_store, outbox
    from station.store.submit import queue_transaction
    from sync.backoff import Backoff
    from sync.central.pki import init_central
    from sync.central.server import start_central
    from sync.central.state import CentralState
    from sync.client import CentralClient
    from sync.forwarder import Forwarder, ForwarderConfig
    from sync.sample import build_car

    shared = _shared_data()
    cars = [build_car(shared, tcn=f"VA2026BENCH{i:05d}") for i in range(SEAL_COUNT)]
    size = len(cars[0])
    with tempfile.TemporaryDirectory(prefix="bench-sync-", dir=os.environ.get("BENCH_TMP")) as tmp:
        root = Path(tmp)
        central_json = init_central(root / "central", hosts=["127.0.0.1"], url="https://127.0.0.1:0")
        init_station(root / "station", "ST-BENCH")
        enrol = CentralState(root / "central")
        enrol.enrol_station((root / "station" / "keys" / "station.crt").read_bytes())
        enrol.close()
        import_central(root / "station", central_json.read_bytes())
        identity, central = load_identity(root / "station"), load_central(root / "station")

        # Reference 1: the same bytes into a bare table with the same durability.
        raw = sqlite3.connect(root / "raw.db", isolation_level=None)
        for pragma in ("page_size=65536", "journal_mode=WAL", "synchronous=FULL", "wal_autocheckpoint=64"):
            raw.execute(f"PRAGMA {pragma}")
        raw.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB)")
        start = time.perf_counter()
        for i, car in enumerate(cars):
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("INSERT INTO t VALUES (?, ?)", (str(i), car))
            raw.execute("COMMIT")
        raw_rate = _rate(len(cars), time.perf_counter() - start)
        raw.close()

        # Reference 2: sealing alone.
        start = time.perf_counter()
        for car in cars[:100]:
            seal(car, recipient=central.encryption_key, signer=identity.key, metadata={"tcn": "x"})
        seal_rate = _rate(100, time.perf_counter() - start)

        # The measure: seal + enqueue, each durable on return.
        store = open_store(root / "station")
        start = time.perf_counter()
        for car in cars:
            queue_transaction(store, car, identity=identity, central=central)
        queue_rate = _rate(len(cars), time.perf_counter() - start)

        # Drain to a loopback central (no faults), receipts verified, one request at a time.
        with store.transaction() as conn:
            conn.execute(
                "DELETE FROM submissions WHERE tcn NOT IN (SELECT tcn FROM submissions ORDER BY tcn LIMIT ?)",
                (DRAIN_COUNT,),
            )
        running = start_central(root / "central", search=False)  # the transport, not the matcher
        client = CentralClient(running.url, KeyPaths(root / "station"))
        forwarder = Forwarder(
            store,
            client,
            station_id=identity.station_id,
            central=central,
            answer_key=StorageKey.load(KeyPaths(root / "station").storage_key),
            config=ForwarderConfig(backoff=Backoff(0.01, 0.1)),
        )
        start = time.perf_counter()
        while outbox.counts(store)["sealed"]:
            forwarder.run_pass(poll=False)
        drain_seconds = time.perf_counter() - start
        client.close()
        running.stop()
        store.close()

    drain_rate = _rate(DRAIN_COUNT, drain_seconds)
    print(f"CAR size                      {size / 1024:8.0f} KiB (14 WSQ prints)")
    print(f"bare SQLite insert (reference) {raw_rate:8.1f} /s")
    print(f"seal only (reference)          {seal_rate:8.1f} /s")
    print(
        f"seal + enqueue                 {queue_rate:8.1f} /s   {queue_rate / raw_rate:.2f} x bare insert, "
        f"{queue_rate / TARGET_PER_SECOND:.2f} x target {TARGET_PER_SECOND:.0f}/s "
        f"{'OK' if queue_rate >= TARGET_PER_SECOND else 'BELOW TARGET'}"
    )
    print(
        f"drain to loopback central      {drain_rate:8.1f} /s   {drain_rate * size / 2**20:.1f} MiB/s "
        f"(mutual TLS, receipts verified)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
