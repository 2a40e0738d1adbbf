"""A flood of idle connections on the real socket of a real daemon: an officer still logs in within 2 s.

The daemon runs with 1,024 descriptors (soft = hard), as a unit without `LimitNOFILE=` gets; 1,100 connections that
only send `hello` used to exhaust it, time the officer's login out and write a line per failed accept().
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_harness import OFFICER, OFFICER_PASSWORD, Codes, DaemonProcess, make_state, provision

from station.api import protocol
from station.api.client import StationClient

FLOOD = 1100
DAEMON_DESCRIPTORS = 1024


@pytest.fixture
def state() -> Iterator[Path]:
    path = make_state()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def descriptors_for_the_flood() -> Iterator[None]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = FLOOD + 256
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.fail(f"this test opens {FLOOD} sockets: raise the hard descriptor limit to {wanted} (ulimit -Hn)")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def connect(sock: socket.socket, path: Path, patience_s: float) -> bool:
    """Connect, waiting up to `patience_s` for room in the daemon's backlog (a Unix socket refuses at once with
    EAGAIN when it is full); False when there was none."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            sock.connect(str(path))
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)


def flood(path: Path, count: int) -> tuple[list[socket.socket], int]:
    """`count` connections that say hello and then nothing; returns them and how many could not connect (after 5
    connections in a row found no room for 0.2 s, the daemon has stopped accepting: the rest are not tried)."""
    hello = protocol.encode_frame({"id": 1, "op": "hello", "args": {"version": protocol.PROTOCOL_VERSION}})
    sockets, refused, stuck = [], 0, 0
    for _ in range(count):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setblocking(False)
        sockets.append(sock)
        if stuck >= 5 or not connect(sock, path, 0.2):
            refused, stuck = refused + 1, stuck + 1
            continue
        stuck = 0
        with contextlib.suppress(OSError):  # closed by the daemon already
            sock.send(hello)
    return sockets, refused


async def test_1100_idle_connections_leave_an_officer_able_to_log_in_within_2_s(
    state: Path, descriptors_for_the_flood: None
) -> None:
    codes = Codes(provision(state)[OFFICER])
    daemon = DaemonProcess(state, "sim://?seed=1", nofile=DAEMON_DESCRIPTORS).start()
    sockets: list[socket.socket] = []
    try:
        sockets, refused = flood(daemon.socket, FLOOD)
        await asyncio.sleep(1.0)  # the daemon takes in (or fails to take in) the flood
        log_before = len(daemon.log())
        started = time.monotonic()
        async with asyncio.timeout(2.0):
            client = await StationClient.connect(daemon.socket, timeout=2.0)
            await client.hello(terminal="desk")
            await client.login(OFFICER, OFFICER_PASSWORD, codes.next())
        elapsed = time.monotonic() - started
        await client.close()
        assert elapsed < 2.0
        log = daemon.log()
        assert log.count("accept") <= 2, "accept() failures must be logged once per interval, not once each"
        assert len(log) - log_before < 16_384
    finally:
        for sock in sockets:
            sock.close()
        daemon.close()
    print(f"login under {FLOOD} idle connections ({refused} could not connect): {elapsed * 1000:.0f} ms")
