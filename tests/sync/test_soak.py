"""Soak: the forwarder is killed with SIGKILL at random moments while the central drops, fails, stalls, cuts and
repeats; in the end every TCN reached the central exactly once as new, every submission is answered on the station,
none is lost or stuck, and the database is intact. CI runs 50 submissions; `make soak` runs 1,000."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sync_kit import start_pair, stop_pair

from station.store import open_store, outbox
from sync.central.faults import Faults

PROJECT = Path(__file__).resolve().parents[2]


def forwarder_process(state_dir: Path, log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "sync",
        "--state-dir",
        str(state_dir),
        "--backoff-base",
        "0.02",
        "--backoff-cap",
        "0.3",
        "--poll-interval",
        "0.1",
        "--timeout",
        "1",
        "--breaker-cooldown",
        "0.3",
        "-q",
    ]
    with log.open("ab") as sink:
        return subprocess.Popen(command, cwd=PROJECT, stdout=sink, stderr=sink)


def answered_count(state_dir: Path) -> int:
    """Read-only peek (no write lock, no migration check) while the forwarder owns the database."""
    connection = sqlite3.connect(f"file:{state_dir / 'station.db'}?mode=ro", uri=True, timeout=10)
    try:
        return connection.execute("SELECT count(*) FROM submissions WHERE state = 'answered'").fetchone()[0]
    finally:
        connection.close()


def run_soak(
    tmp_path: Path, central_template: Path, test_data: Path, *, submissions: int, seed: int, deadline: float
) -> None:
    rng = random.Random(seed)
    faults = Faults(drop=0.08, error=0.08, stall=0.02, cut=0.05, repeat=0.2, stall_seconds=1.5, seed=seed)
    pair = start_pair(tmp_path, central_template, test_data, faults=faults)
    log = tmp_path / "forwarder.log"
    kills = 0
    try:
        tcns = [s.tcn for s in pair.queue(submissions, prefix="VA2026SOAK")]
        pair.store.close()  # the forwarder process owns the station database now
        end = time.monotonic() + deadline
        done = False
        while not done and time.monotonic() < end:
            process = forwarder_process(pair.state_dir, log)
            lifetime = rng.uniform(0.8, 3.0)
            stop_at = time.monotonic() + lifetime
            while time.monotonic() < stop_at:
                time.sleep(0.1)
                if answered_count(pair.state_dir) == submissions:
                    done = True
                    break
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            kills += 1
        with open_store(pair.state_dir) as store:
            counts = outbox.counts(store)
            answered = {s.tcn for s in outbox.list_submissions(store, "answered", limit=submissions + 10)}
            integrity = store.integrity_ok()
        received = pair.central_state().delivery_counts()
        assert integrity
        assert counts == {"sealed": 0, "sending": 0, "accepted": 0, "answered": submissions, "failed": 0}, (
            f"after {kills} kills: {counts}; log tail: {log.read_text()[-2000:]}"
        )
        assert answered == set(tcns)
        assert set(received) == set(tcns), "the central received exactly the queued TCNs"
        assert all(c["new"] == 1 for c in received.values()), "each TCN was new exactly once"
        assert not any("conflict" in c for c in received.values())
        assert kills >= 2, "the forwarder must have been killed during the run"
        duplicates = sum(c.get("duplicate", 0) for c in received.values())
        rejections = len(pair.central_state().rows("SELECT id FROM rejections"))
        print(
            f"soak: {submissions} submissions, {kills} kills, {duplicates} duplicate deliveries, "
            f"{rejections} rejections at the central"
        )
    finally:
        pair.store = open_store(pair.state_dir)
        stop_pair(pair)


def test_soak_50_submissions_with_kills_and_faults(tmp_path: Path, central_template: Path, test_data: Path) -> None:
    run_soak(tmp_path, central_template, test_data, submissions=50, seed=2026, deadline=60)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_soak_1000_submissions_with_kills_and_faults(tmp_path: Path, central_template: Path, test_data: Path) -> None:
    run_soak(tmp_path, central_template, test_data, submissions=1000, seed=1000, deadline=1500)
