"""Pool workers end when the process that owns the pool is killed outright (SIGKILL): real processes, real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

OWNER = """
import os, sys
from station.booking import parallel
pool, _ = parallel.start_pool()
if pool is None:
    print("none", flush=True)
else:
    print(" ".join(str(pid) for pid in pool._processes), flush=True)
sys.stdin.read()  # until the test kills this process
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is gone for our purpose
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_workers_end_when_the_pool_owner_is_killed() -> None:
    owner = subprocess.Popen([sys.executable, "-c", OWNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = owner.stdout.readline().strip()  # type: ignore[union-attr]
        if line == "none":
            pytest.skip("one core: no pool")
        workers = [int(pid) for pid in line.split()]
        assert workers and all(_alive(pid) for pid in workers)
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in workers), "pool workers outlived the killed owner"
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait(10)
