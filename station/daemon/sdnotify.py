"""A small sd_notify client of our own: systemd's readiness and watchdog protocol.

The protocol (documented by systemd, stable): newline-separated `KEY=VALUE` lines sent as one datagram on an
`AF_UNIX`/`SOCK_DGRAM` socket to the path in `$NOTIFY_SOCKET`; a leading `@` names the Linux abstract namespace
(replaced by a NUL byte). Without `$NOTIFY_SOCKET` (not run by systemd, tests) every call is a no-op returning False.

The watchdog: systemd sets `$WATCHDOG_USEC` (and `$WATCHDOG_PID`); we ping at half that period, from the event loop
itself, so a stalled loop stops the pings and systemd restarts the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Awaitable, Callable, Mapping


class Notifier:
    """Sends sd_notify messages to the socket named by the environment at construction."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        raw = env.get("NOTIFY_SOCKET", "")
        self._address: str | bytes | None = None
        if raw.startswith("@"):
            self._address = b"\0" + raw[1:].encode()
        elif raw.startswith("/"):
            self._address = raw
        usec, pid = env.get("WATCHDOG_USEC", ""), env.get("WATCHDOG_PID", "")
        self.watchdog_period: float | None = None
        if usec.isdigit() and int(usec) > 0 and (not pid or (pid.isdigit() and int(pid) == os.getpid())):
            self.watchdog_period = int(usec) / 2e6

    @property
    def enabled(self) -> bool:
        return self._address is not None

    def notify(self, *lines: str) -> bool:
        """Send one datagram with the given `KEY=VALUE` lines. Never raises: systemd gone is not our failure."""
        if self._address is None:
            return False
        payload = "\n".join(line.replace("\n", " ") for line in lines).encode()
        try:
            # Non-blocking: a receiver that stopped reading (full queue) must never stall the event loop.
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC | socket.SOCK_NONBLOCK) as sock:
                sock.sendto(payload, self._address)
        except OSError:  # includes BlockingIOError
            return False
        return True

    def ready(self, status: str = "") -> bool:
        return self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={text}")

    def stopping(self, status: str = "") -> bool:
        return self.notify("STOPPING=1", *([f"STATUS={status}"] if status else []))

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    async def run_watchdog(self, healthy: Callable[[], Awaitable[bool]] | None = None) -> None:
        """Ping WATCHDOG=1 every half period while `healthy()` says so; returns at once when no watchdog is set."""
        if self.watchdog_period is None:
            return
        while True:
            ok = True
            if healthy is not None:
                with contextlib.suppress(Exception):
                    ok = await healthy()
            if ok:
                self.watchdog()
            await asyncio.sleep(self.watchdog_period)
