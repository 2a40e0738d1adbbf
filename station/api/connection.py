"""One client connection of the local API: its peer, its session, and its bounded queue of outgoing frames.

Outgoing frames go through a bounded queue per connection; previews are dropped for a slow reader, and a reader too
slow even for answers is disconnected rather than letting memory grow. `ApiError` is what a handler raises to answer
a request with a specific error code.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from station.accounts.roles import allowed
from station.accounts.sessions import Session
from station.api import protocol
from station.api.events import Audience
from station.api.peercred import PeerCredentials
from station.daemon.logs import log_event
from station.errors import StationError

QUEUE_LIMIT = 512
LOSSY_LIMIT = 16  # previews are dropped once this many frames wait: a live view wants the newest frame, not a backlog
LOSSY_TOPICS = frozenset({"preview"})


class ApiError(StationError):
    """Raised by handlers to answer with a specific error code."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message, hint)
        self.code = code


class Connection:
    """One client connection and its session."""

    def __init__(
        self, server: Any, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: PeerCredentials
    ) -> None:
        self.server, self.reader, self.writer, self.peer = server, reader, writer, peer
        self.terminal = "local"
        self.hello = False
        self.session: Session | None = None
        self.subscriptions: set[str] = set()
        self.outbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.tasks: set[asyncio.Task[None]] = set()
        self.strikes = 0
        self.closed = False
        self.authenticating = False
        self.pending_since = time.monotonic()  # when it last had no session (the pre-login deadline runs from here)

    @property
    def uid(self) -> int:
        return self.peer.uid

    @property
    def where(self) -> str:
        return f"{self.terminal} pid={self.peer.pid} uid={self.peer.uid}"

    # -- outgoing ------------------------------------------------------------------------------------------------
    def send(self, message: dict[str, Any], lossy: bool = False) -> None:
        if self.closed:
            return
        if lossy and self.outbox.qsize() >= LOSSY_LIMIT:
            return
        if self.outbox.qsize() >= QUEUE_LIMIT:
            log_event("api.slow_client_dropped", level="warning", pid=self.peer.pid)
            self.close()
            self.abort()
            return
        try:
            self.outbox.put_nowait(protocol.encode_frame(message))
        except (TypeError, ValueError) as exc:
            log_event("api.unserialisable", level="error", error=exc)

    def deliver(self, topic: str, message: dict[str, Any], audience: Audience) -> None:
        session = self.session
        if session is None or topic not in self.subscriptions:
            return
        if audience.session_id is not None:
            if audience.session_id != session.id:
                return
        elif audience.username is not None:
            if audience.username != session.username:
                return
        elif audience.permission is not None and not allowed(session.role, audience.permission):
            return
        if session.locked and topic != "session":
            return
        self.send(message, lossy=topic in LOSSY_TOPICS)

    async def writer_loop(self) -> None:
        try:
            while (frame := await self.outbox.get()) is not None:
                self.writer.write(frame)
                await self.writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self.close()
            self.abort()

    def close(self) -> None:
        """Stop taking work and events; frames already queued (a final error) are still written."""
        if self.closed:
            return
        self.closed = True
        self.server.bus.detach(self)
        self.outbox.put_nowait(None)
        for task in self.tasks:
            task.cancel()

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
