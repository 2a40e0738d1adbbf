"""The UI's link to the daemon: connects, says hello, relays events, and reconnects when the daemon restarts.

The link owns one `StationClient` at a time. A lost connection posts `DaemonDisconnected` and retries with a capped
backoff; the new connection has no session (the daemon's sessions do not survive it), so the app returns to the
banner and login. Requests go through `request`, which turns a lost link into the same `ConnectionLost` error.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from textual.app import App

from station.api.client import ConnectionLost, StationClient
from station.errors import StationError
from ui.messages import DaemonConnected, DaemonDisconnected, EventReceived

RECONNECT_FIRST_S = 0.2
RECONNECT_MAX_S = 3.0


class DaemonLink:
    def __init__(self, app: App[Any], socket_path: Path, terminal: str) -> None:
        self.app = app
        self.socket_path = socket_path
        self.terminal = terminal
        self.client: StationClient | None = None
        self.hello: dict[str, Any] = {}
        self.last_error = ""
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="daemon-link")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self.client:
            await self.client.close()

    @property
    def connected(self) -> bool:
        return self.client is not None and not self.client.closed.is_set()

    async def request(self, op: str, timeout: float | None = 60.0, **args: Any) -> dict[str, Any]:
        if not self.connected:
            raise ConnectionLost()
        assert self.client is not None
        return await self.client.request(op, timeout=timeout, **args)

    async def _run(self) -> None:
        delay = RECONNECT_FIRST_S
        while True:
            try:
                client = await StationClient.connect(self.socket_path, timeout=3.0)
                self.hello = await client.hello(terminal=self.terminal)
            except (StationError, OSError, TimeoutError) as exc:
                self.last_error = str(exc)
                await asyncio.sleep(delay)
                delay = min(RECONNECT_MAX_S, delay * 2)
                continue
            delay = RECONNECT_FIRST_S
            self.client = client
            self.app.post_message(DaemonConnected(self.hello))
            try:
                await self._relay_events(client)
            finally:
                await client.close()
                self.client = None
                self.app.post_message(DaemonDisconnected("the connection to the station daemon was lost"))

    async def _relay_events(self, client: StationClient) -> None:
        """Post every event until the connection closes (then drain what arrived before it)."""
        closed = asyncio.create_task(client.closed.wait())
        try:
            while True:
                getter = asyncio.create_task(client.events.get())
                done, _ = await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    getter.cancel()
                    break
                self._post_event(getter.result())
            while not client.events.empty():
                self._post_event(client.events.get_nowait())
        finally:
            closed.cancel()

    def _post_event(self, message: dict[str, Any]) -> None:
        self.app.post_message(EventReceived(str(message.get("event")), dict(message.get("data") or {})))
