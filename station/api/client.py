"""The asyncio client of the local API, used by the UI (`ui/`), the CLI and the tests.

    client = await StationClient.connect("/run/station/station.sock")
    hello = await client.hello(terminal="tty1")          # hello["banner"]: show it, then
    await client.login("jsmith", password, code)          # banner acknowledged by the caller
    await client.subscribe(["device", "booking", "answer"])
    result = await client.request("device.info")
    event = await client.next_event("answer", timeout=60)

Requests may be issued concurrently (each has its own id). A failed request raises `ApiRequestError` with the
daemon's error `code`, `message` and `hint`; a lost connection raises `ConnectionLost` from every pending call, and
the UI reconnects with `connect` (kiosk restarts of the daemon).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from station.api import protocol
from station.errors import StationError

EVENT_BACKLOG = 2048


class ApiRequestError(StationError):
    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message, hint or None)
        self.code = code


class ConnectionLost(StationError):
    def __init__(self) -> None:
        super().__init__("the connection to the station daemon was lost", "the daemon may be restarting; reconnect")


class StationClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue(EVENT_BACKLOG)
        self.closed = asyncio.Event()
        self.protocol_errors: list[dict[str, Any]] = []
        self._reader_task = asyncio.create_task(self._read_loop())

    @classmethod
    async def connect(cls, path: str | Path, timeout: float = 5.0) -> StationClient:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(str(path)), timeout)
        except (OSError, TimeoutError) as exc:
            raise StationError(
                f"cannot reach the station daemon at {path}: {exc}",
                "is 'station daemon' running, and are you in the station group?",
            ) from exc
        return cls(reader, writer)

    async def _read_loop(self) -> None:
        try:
            while True:
                message = await protocol.read_frame(self._reader, protocol.MAX_EVENT_FRAME)
                if message is None:
                    break
                if "event" in message:
                    if self.events.full():
                        with contextlib.suppress(asyncio.QueueEmpty):
                            self.events.get_nowait()
                    self.events.put_nowait(message)
                    continue
                future = self._pending.pop(message.get("id"), None) if isinstance(message.get("id"), int) else None
                if future is None:
                    self.protocol_errors.append(message)
                elif not future.done():
                    future.set_result(message)
        except (protocol.ProtocolError, ConnectionError, OSError):
            pass
        finally:
            self.closed.set()
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionLost())
            self._pending.clear()

    async def request(self, op: str, timeout: float | None = 60.0, **args: Any) -> dict[str, Any]:
        """Send one request and return its result, or raise ApiRequestError / ConnectionLost."""
        if self.closed.is_set():
            raise ConnectionLost()
        request_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            self._writer.write(protocol.encode_frame({"id": request_id, "op": op, "args": args}))
            await self._writer.drain()
        except (ConnectionError, OSError) as exc:
            self._pending.pop(request_id, None)
            raise ConnectionLost() from exc
        try:
            message = await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(request_id, None)
        if not message.get("ok"):
            err = message.get("error") or {}
            code, text, hint = (str(err.get(k, "")) for k in ("code", "message", "hint"))
            raise ApiRequestError(code or "internal", text, hint)
        return dict(message.get("result") or {})

    # -- conveniences --------------------------------------------------------------------------------------------
    async def hello(self, terminal: str = "local") -> dict[str, Any]:
        return await self.request("hello", version=protocol.PROTOCOL_VERSION, terminal=terminal)

    async def login(self, username: str, password: str, totp: str, banner_acknowledged: bool = True) -> dict[str, Any]:
        return await self.request(
            "login", username=username, password=password, totp=totp, banner_acknowledged=banner_acknowledged
        )

    async def subscribe(self, topics: list[str] | None = None) -> dict[str, Any]:
        return await self.request("subscribe", **({"topics": topics} if topics is not None else {}))

    async def next_event(
        self, topic: str | None = None, timeout: float = 30.0, where: Callable[[dict[str, Any]], bool] | None = None
    ) -> dict[str, Any]:
        """The next event (of `topic`, matching `where`), discarding others; raises TimeoutError."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.events.get()
                if (topic is None or message["event"] == topic) and (where is None or where(message["data"])):
                    return message

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self._writer.close()
            await self._writer.wait_closed()
        self._reader_task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader_task

    async def __aenter__(self) -> StationClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
