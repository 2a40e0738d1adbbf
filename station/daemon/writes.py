"""Track durable writes running in threads, so shutdown can wait for the one in progress to commit.

A write started in a worker thread cannot be interrupted half-way (and must not be): `WriteTracker.run` starts it
and remembers its future; `drain()` at shutdown waits for every outstanding write to finish before the databases
are closed. A handler cancelled by the shutdown still has its write completed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class WriteTracker:
    def __init__(self) -> None:
        self._pending: set[asyncio.Future[Any]] = set()
        self.closing = False

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self.closing:
            from station.errors import StorageError

            raise StorageError("the station is shutting down", "retry when it is back")
        future = asyncio.get_running_loop().run_in_executor(None, fn, *args)
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)
        return await asyncio.shield(future)

    async def drain(self, timeout: float = 30.0) -> int:
        """Refuse new writes and wait for those in flight; returns how many were waited for."""
        self.closing = True
        pending = list(self._pending)
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        return len(pending)
