"""A full disk: queueing refuses with a clear message, the queue already there stays intact and still drains.

The station's state directory is put on a 24 MiB tmpfs (needs root, as on the CI container); without the right to
mount, the test is skipped with the reason."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_kit import Pair, start_pair, stop_pair

from station.store import DiskFullError, open_store, outbox
from station.store.submit import queue_transaction
from sync.sample import build_car


@contextlib.contextmanager
def small_filesystem(path: Path, size: str = "24m") -> Iterator[Path]:
    path.mkdir(parents=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a size-limited tmpfs needs root")
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)], capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(pair: Pair, start: int) -> tuple[list[str], DiskFullError]:
    queued = []
    for i in range(start, start + 100):
        try:
            submission = queue_transaction(
                pair.store,
                build_car(pair.test_data, tcn=f"VA2026FULL{i:05d}"),
                identity=pair.identity,
                central=pair.info,
            )
        except DiskFullError as exc:
            return queued, exc
        queued.append(submission.tcn)
    raise AssertionError("the disk never filled up")


def test_full_disk_refuses_new_work_keeps_and_drains_the_queue(
    tmp_path: Path, central_template: Path, test_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with small_filesystem(tmp_path / "small") as small:
        pair = start_pair(small, central_template, test_data, central_root=tmp_path)
        try:
            # 1. The early check: refuses before SQLite is even asked.
            queued, refusal = fill(pair, 0)
            assert queued, "some submissions fit"
            assert "not enough disk space" in str(refusal) and "existing queue is intact" in str(refusal)
            # 2. SQLite itself hitting the wall (early check off): same clear error, nothing half-written.
            monkeypatch.setattr(pair.store, "ensure_room", lambda needed: None)
            more, full = fill(pair, 1000)
            assert "disk is full" in str(full), full
            assert not pair.store.ballast.exists(), "the ballast made room for the drain"
            queued += more
            assert pair.store.integrity_ok()
            assert {s.tcn for s in outbox.list_submissions(pair.store)} == set(queued)
            # 3. The queue still drains to the central.
            monkeypatch.undo()
            forwarder = pair.forwarder()
            deadline = time.monotonic() + 30
            while outbox.counts(pair.store)["answered"] < len(queued) and time.monotonic() < deadline:
                forwarder.run(once=True)
                time.sleep(0.05)
            assert outbox.counts(pair.store)["answered"] == len(queued)
            received = pair.central_state().delivery_counts()
            assert set(received) == set(queued)
            # Answered submissions no longer hold their envelopes: their pages are reused for new work.
            pair.store.checkpoint()
            queue_transaction(
                pair.store, build_car(test_data, tcn="VA2026AFTER0001"), identity=pair.identity, central=pair.info
            )
        finally:
            stop_pair(pair)
        with open_store(small / "station") as store:
            assert store.integrity_ok()
