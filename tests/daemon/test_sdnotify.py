"""The sd_notify client against real datagram sockets (filesystem path and abstract namespace)."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from pathlib import Path

from station.daemon.sdnotify import Notifier


def _receive_all(sock: socket.socket) -> list[str]:
    sock.setblocking(False)
    out = []
    while True:
        try:
            out.append(sock.recv(4096).decode())
        except BlockingIOError:
            return out


def test_path_socket_receives_ready_status_and_stopping(tmp_path: Path) -> None:
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        notifier = Notifier({"NOTIFY_SOCKET": str(path)})
        assert notifier.enabled
        assert notifier.ready("store open")
        assert notifier.status("2 items queued")
        assert notifier.stopping()
        assert _receive_all(server) == ["READY=1\nSTATUS=store open", "STATUS=2 items queued", "STOPPING=1"]


def test_abstract_namespace_socket() -> None:
    name = f"station-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(b"\0" + name.encode())
        assert Notifier({"NOTIFY_SOCKET": "@" + name}).ready()
        assert _receive_all(server) == ["READY=1"]


def test_without_notify_socket_everything_is_a_no_op() -> None:
    notifier = Notifier({})
    assert not notifier.enabled
    assert not notifier.ready()
    assert notifier.watchdog_period is None


def test_watchdog_period_is_half_and_respects_pid() -> None:
    assert Notifier({"WATCHDOG_USEC": "100000"}).watchdog_period == 0.05
    assert Notifier({"WATCHDOG_USEC": "100000", "WATCHDOG_PID": str(os.getpid())}).watchdog_period == 0.05
    assert Notifier({"WATCHDOG_USEC": "100000", "WATCHDOG_PID": "1"}).watchdog_period is None
    assert Notifier({"WATCHDOG_USEC": "garbage"}).watchdog_period is None


async def test_watchdog_pings_from_the_loop_and_stop_when_unhealthy(tmp_path: Path) -> None:
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        notifier = Notifier({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "40000"})
        healthy = True

        async def check() -> bool:
            return healthy

        task = asyncio.create_task(notifier.run_watchdog(check))
        await asyncio.sleep(0.2)
        pings = _receive_all(server)
        assert len(pings) >= 3 and set(pings) == {"WATCHDOG=1"}
        healthy = False
        await asyncio.sleep(0.1)
        _receive_all(server)
        await asyncio.sleep(0.1)
        assert _receive_all(server) == []
        task.cancel()


def test_a_receiver_that_stopped_reading_never_blocks_the_sender(tmp_path: Path) -> None:
    import time

    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        notifier = Notifier({"NOTIFY_SOCKET": str(path)})
        started = time.monotonic()
        results = [notifier.watchdog() for _ in range(5000)]
        assert time.monotonic() - started < 5
        assert results[0] and not all(results)  # the queue filled and later pings were dropped, not waited on
