"""The daemon side of the local API: accept within the limits, check peer credentials, read requests, dispatch.

Connections are accepted by an own loop (`station.api.limits` says what a peer may cost: connections per uid and in
all, a deadline for getting a session, accept() failures logged once per interval with a count). Requests run as
tasks (a long capture does not block a `capture.cancel`), answers carry the request id. Nothing a client sends can
crash the daemon: protocol errors are answered, repeated ones or an oversized frame close that connection only,
handler exceptions become `internal` errors. The session operations (hello, login, ...) are in `session_ops`, a
connection and its outgoing queue in `connection`.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drivers.errors import ScannerBusy
from station.accounts.roles import PRIVILEGED
from station.accounts.service import AccountService, AuthError
from station.accounts.sessions import SessionError
from station.api import limits, protocol
from station.api.connection import ApiError, Connection
from station.api.events import EventBus
from station.api.peercred import group_id, may_connect, peer_credentials
from station.api.session_ops import SessionOperations, require_session
from station.audit.log import AuditLog
from station.config import Config
from station.daemon.logs import log_event
from station.errors import DeviceError, InputError, StorageError, TransportError
from station.private_files import private_dir
from station.state_folder import StateFolderInUse

MAX_STRIKES = 16
MAX_INFLIGHT = 8
RESOURCE_ERRORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})

Handler = Callable[[Connection, dict[str, Any]], Awaitable[dict[str, Any]]]

__all__ = ["ApiError", "ApiServer", "Connection", "Handler", "Operation"]


@dataclass(frozen=True)
class Operation:
    """An API operation: the permission it needs (None: any logged-in session) and its coroutine."""

    permission: str | None
    handler: Handler


def _refuse(sock: socket.socket, code: str, message: str, hint: str) -> None:
    """Say why in one frame (if the peer reads) and close, without waiting on the peer."""
    with contextlib.suppress(OSError):
        sock.setblocking(False)
        sock.send(protocol.encode_frame(protocol.error(None, code, message, hint)))
    sock.close()


def _answers(path: Path) -> bool:
    """Whether something accepts connections on the Unix socket at `path`."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


class ApiServer:
    def __init__(
        self,
        config: Config,
        accounts: AccountService,
        audit: AuditLog,
        bus: EventBus,
        operations: dict[str, Operation] | None = None,
    ) -> None:
        self.config, self.accounts, self.audit, self.bus = config, accounts, audit, bus
        self.operations: dict[str, Operation] = dict(operations or {})
        self.connections: set[Connection] = set()
        self._gid = group_id(config.group)
        self._listener: socket.socket | None = None
        self._acceptor: asyncio.Task[None] | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._clients: set[asyncio.Task[None]] = set()
        self.admission = limits.Admission()
        self.session_ops = SessionOperations(self)
        self.builtin = self.session_ops.table()

    def add(self, name: str, permission: str | None, handler: Handler) -> None:
        self.operations[name] = Operation(permission, handler)

    # -- lifecycle -----------------------------------------------------------------------------------------------
    async def start(self) -> None:
        path = self.config.socket_path
        private_dir(path.parent)
        if path.is_socket():
            if _answers(path):
                raise StateFolderInUse(
                    f"another station daemon serves on {path}", "stop it first, or give this one another [api] socket"
                )
            path.unlink()  # left by a daemon that was killed
        self.admission = limits.Admission(limits.connection_budget(), limits.MAX_PER_UID)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)
        try:
            listener.bind(str(path))
        finally:
            os.umask(old_umask)
        os.chmod(path, 0o660 if self._gid is not None else 0o600)
        if self._gid is not None:
            with contextlib.suppress(PermissionError):
                os.chown(path, -1, self._gid)
        if self.config.group and self._gid is None:
            log_event("api.group_missing", level="warning", kind=self.config.group)
        listener.listen(limits.LISTEN_BACKLOG)
        listener.setblocking(False)
        self._listener = listener
        self._acceptor = asyncio.create_task(self._accept_loop(listener))
        self._sweeper = asyncio.create_task(self._sweep())
        log_event("api.listening", socket=str(path), count=self.admission.total)

    async def stop(self) -> None:
        for task in (self._sweeper, self._acceptor):
            if task is not None:
                task.cancel()
        if self._listener is not None:
            self._listener.close()
        for conn in list(self.connections):
            conn.close()
            conn.abort()
        if self._clients:
            with contextlib.suppress(Exception):
                await asyncio.wait(self._clients, timeout=2)
        with contextlib.suppress(FileNotFoundError):
            self.config.socket_path.unlink()
        self.session_ops.close()

    async def _sweep(self) -> None:
        """Lock idle sessions even when their client is silent, and tell them (the UI hides the screen); close
        connections that stayed without a session past the login deadline."""
        while True:
            await asyncio.sleep(min(5.0, self.config.idle_lock_minutes * 60 / 4, self.config.login_deadline_s / 4))
            for conn in list(self.connections):
                session = conn.session
                if session and not session.locked and session.idle():
                    self.audit.record(session.username, "session.idle_lock", conn.where, "success")
                    conn.send({"event": "session", "seq": 0, "data": {"state": "locked", "reason": "idle"}})
            for conn in self.admission.pending_past(self.config.login_deadline_s, time.monotonic()):
                assert isinstance(conn, Connection)
                conn.send(protocol.error(None, "login_deadline", "no login in time", "connect again to log in"))
                conn.close()

    # -- connections ---------------------------------------------------------------------------------------------
    async def _accept_loop(self, listener: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        errors = limits.AcceptErrors()
        while True:
            try:
                client, _ = await loop.sock_accept(listener)
            except OSError as exc:
                errors.note(exc)
                await asyncio.sleep(limits.ACCEPT_RETRY_S if exc.errno in RESOURCE_ERRORS else 0)
                continue
            task = asyncio.create_task(self._on_client(client))
            self._clients.add(task)
            task.add_done_callback(self._clients.discard)

    async def _on_client(self, sock: socket.socket) -> None:
        try:
            peer = peer_credentials(sock)
        except OSError:
            sock.close()
            return
        if not may_connect(peer, self._gid):
            log_event("api.refused", level="warning", uid=peer.uid, pid=peer.pid)
            self.audit.record(f"uid:{peer.uid}", "api.connect", f"pid={peer.pid}", "failure", reason="group")
            _refuse(sock, "not_allowed", "not in the station group", "ask an admin to add you to the station group")
            return
        try:
            reader, writer = await asyncio.open_unix_connection(sock=sock)
        except OSError:
            sock.close()
            return
        conn = Connection(self, reader, writer, peer)
        admitted, evicted = self.admission.admit(conn)
        for old in evicted:
            assert isinstance(old, Connection)
            old.send(protocol.error(None, "evicted", "too many connections without a session", "connect again"))
            old.close()
        if not admitted:
            log_event("api.full", level="warning", uid=peer.uid, count=self.admission.count)
            message = protocol.error(None, "busy", "the station has too many connections", "log out elsewhere first")
            writer.write(protocol.encode_frame(message))
            writer.close()
            return
        self.connections.add(conn)
        self.bus.attach(conn)
        writer_task = asyncio.create_task(conn.writer_loop())
        try:
            await self._read_loop(conn)
        finally:
            if conn.session is not None:
                self.audit.record(conn.session.username, "logoff", conn.where, "success", reason="disconnected")
                log_event("session.ended", user=conn.session.username, reason="disconnected")
            conn.close()
            self.connections.discard(conn)
            self.admission.forget(conn)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer_task, 2)
            conn.abort()

    async def _read_loop(self, conn: Connection) -> None:
        limit = self.config.max_message_bytes
        semaphore = asyncio.Semaphore(MAX_INFLIGHT)
        while not conn.closed:
            try:
                message = await protocol.read_frame(conn.reader, limit)
            except protocol.ProtocolError as exc:
                conn.send(protocol.error(None, exc.code, str(exc), "see docs/local-api.md"))
                if exc.code == "too_large" or "closed" in str(exc):
                    return
                if self._strike(conn):
                    return
                continue
            except (ConnectionError, OSError):
                return
            if message is None:
                return
            try:
                request = protocol.parse_request(message)
            except protocol.ProtocolError as exc:
                raw_id = message.get("id")
                valid_id = raw_id if isinstance(raw_id, int) and not isinstance(raw_id, bool) else None
                conn.send(protocol.error(valid_id, exc.code, str(exc), "see docs/local-api.md"))
                if self._strike(conn):
                    return
                continue
            if semaphore.locked():
                conn.send(protocol.error(request.id, "busy", "too many requests in flight", "wait for answers"))
                continue
            task = asyncio.create_task(self._run(conn, request, semaphore))
            conn.tasks.add(task)
            task.add_done_callback(conn.tasks.discard)

    def _strike(self, conn: Connection) -> bool:
        conn.strikes += 1
        if conn.strikes >= MAX_STRIKES:
            log_event("api.too_many_errors", level="warning", pid=conn.peer.pid)
            return True
        return False

    async def _run(self, conn: Connection, request: protocol.Request, semaphore: asyncio.Semaphore) -> None:
        async with semaphore:
            try:
                result = await self._dispatch(conn, request)
                conn.send(protocol.ok(request.id, result))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # every failure becomes an answer; the daemon carries on
                code, hint = _classify(exc)
                if code == "internal":
                    log_event("api.internal_error", level="error", op=request.op, error=exc)
                    message = "internal error; the daemon log has the details"
                else:
                    message = getattr(exc, "message", str(exc))
                conn.send(protocol.error(request.id, code, message, hint))

    async def _dispatch(self, conn: Connection, request: protocol.Request) -> dict[str, Any]:
        builtin = self.builtin.get(request.op)
        if builtin is not None:
            if request.op != "hello" and not conn.hello:
                raise ApiError("hello_required", "send hello first", "start every connection with hello")
            return await builtin(conn, request.args)
        operation = self.operations.get(request.op)
        if operation is None:
            raise ApiError("unknown_op", f"no operation {request.op!r}", "see docs/local-api.md")
        if not conn.hello:
            raise ApiError("hello_required", "send hello first", "start every connection with hello")
        session = require_session(conn)
        permission = operation.permission
        try:
            if permission is None:
                session.check_alive()
            else:
                session.check(permission)
        except SessionError as exc:
            if permission in PRIVILEGED:
                self.audit.record(session.username, request.op, conn.where, "failure", reason=exc.code)
            raise
        if permission in PRIVILEGED:
            try:
                result = await operation.handler(conn, request.args)
            except Exception as exc:
                self.audit.record(session.username, request.op, conn.where, "failure", reason=_classify(exc)[0])
                raise
            self.audit.record(session.username, request.op, conn.where, "success")
            return result
        return await operation.handler(conn, request.args)


def _classify(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, ApiError | SessionError | AuthError | protocol.ProtocolError):
        code = exc.code
        if code == "locked" and isinstance(exc, SessionError):
            code = "session_locked"
        if code == "expired" and isinstance(exc, SessionError):
            code = "session_expired"
        return code, getattr(exc, "hint", "") or ""
    if isinstance(exc, ScannerBusy):
        return "busy", "wait for the capture in progress or cancel it"
    if isinstance(exc, DeviceError):
        return "device", exc.hint or ""
    if isinstance(exc, StorageError):
        return "storage", exc.hint or ""
    if isinstance(exc, TransportError):
        return "transport", exc.hint or ""
    if isinstance(exc, InputError):
        return "invalid", exc.hint or ""
    return "internal", ""
