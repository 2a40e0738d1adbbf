"""Offline for a long time: the forwarder keeps everything on disk, retries on schedule, and its memory stays flat."""

from __future__ import annotations

import socket
import tracemalloc
from pathlib import Path

from sync_kit import Pair

from station.crypto.provision import KeyPaths
from station.store import outbox
from sync.backoff import Backoff
from sync.client import CentralClient, Timeouts
from sync.forwarder import Forwarder, ForwarderConfig


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_memory_stays_flat_while_the_central_is_unreachable(pair: Pair, tmp_path: Path) -> None:
    pair.queue(5)
    client = CentralClient(
        f"https://127.0.0.1:{closed_port()}",
        KeyPaths(pair.state_dir),
        timeouts=Timeouts(connect=0.5, read=0.5, write=0.5, pool=0.5),
    )
    pair.clients.append(client)
    clock = [1_000_000.0]
    forwarder = Forwarder(
        pair.store,
        client,
        station_id=pair.identity.station_id,
        central=pair.info,
        answer_key=pair.storage_key,
        config=ForwarderConfig(backoff=Backoff(1, 3600), breaker_threshold=10**9),
        clock=lambda: clock[0],
    )

    def passes(count: int) -> None:
        for _ in range(count):
            clock[0] += 7200  # two hours later each time: every row is due again
            report = forwarder.run_pass(poll=True)
            assert report.accepted == 0 and report.transport_errors >= 5

    passes(3)  # warm-up: connection pools, caches, lazily imported modules
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    passes(15)  # 15 x 5 failed sends + polls, a simulated month of two-hourly retries
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    growth = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert growth < 256 * 1024, f"memory grew by {growth} bytes over 75 failed sends"
    counts = outbox.counts(pair.store)
    assert counts["sealed"] == 5 and counts["failed"] == 0
    assert min(s.attempts for s in outbox.list_submissions(pair.store)) == 18
