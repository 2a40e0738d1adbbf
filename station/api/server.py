"""The daemon side of the local API: accept, check peer credentials, bind each connection to a logged-in session.

Every connection walks the same path: `hello` (protocol version, the system-use banner) -> `login` (user, password,
TOTP, banner acknowledged) -> operations allowed by the role, each checked against the session rules (idle lock,
re-authentication for privileged actions, 12 h cap). Requests run as tasks (a long capture does not block a
`capture.cancel`), answers carry the request id. Nothing a client sends can crash the daemon: protocol errors are
answered, repeated ones or an oversized frame close that connection only, handler exceptions become `internal`
errors. Outgoing frames go through a bounded queue per connection; previews are dropped for a slow reader, and a
reader too slow even for answers is disconnected rather than letting memory grow.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drivers.errors import ScannerBusy
from station import __version__
from station.accounts.roles import PRIVILEGED
from station.accounts.service import AccountService, AuthError
from station.accounts.sessions import Session, SessionError
from station.api import protocol
from station.api.events import Audience, EventBus
from station.api.peercred import PeerCredentials, group_id, may_connect, peer_credentials
from station.audit.log import AuditLog
from station.config import Config
from station.daemon.logs import log_event
from station.errors import DeviceError, InputError, StationError, StorageError, TransportError
from station.private_files import private_dir
from station.state_folder import StateFolderInUse

AUTH_THREADS = 2  # key derivations at once (each 32 MiB, ~0.1 s): a login flood cannot take every core or thread
MAX_STRIKES = 16
MAX_INFLIGHT = 8
QUEUE_LIMIT = 512
LOSSY_LIMIT = 16  # previews are dropped once this many frames wait: a live view wants the newest frame, not a backlog
LOSSY_TOPICS = frozenset({"preview"})

Handler = Callable[["Connection", dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Operation:
    """An API operation: the permission it needs (None: any logged-in session) and its coroutine."""

    permission: str | None
    handler: Handler


class ApiError(StationError):
    """Raised by handlers to answer with a specific error code."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message, hint)
        self.code = code


class Connection:
    """One client connection and its session."""

    def __init__(
        self, server: ApiServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: PeerCredentials
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
        elif audience.permission is not None and not _has(session, audience.permission):
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


class AsyncTurns:
    """One task at a time per key; an entry lives only while someone holds or awaits it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._locks[key]


def _answers(path: Path) -> bool:
    """Whether something accepts connections on the Unix socket at `path`."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def _has(session: Session, permission: str) -> bool:
    from station.accounts.roles import allowed

    return allowed(session.role, permission)


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
        self._server: asyncio.base_events.Server | None = None
        self._gid = group_id(config.group)
        self._sweeper: asyncio.Task[None] | None = None
        self._auth_turns = AsyncTurns()
        self._auth_pool = ThreadPoolExecutor(AUTH_THREADS, thread_name_prefix="auth")
        self.builtin: dict[str, Callable[[Connection, dict[str, Any]], Awaitable[dict[str, Any]]]] = {
            "hello": self._hello,
            "login": self._login,
            "logout": self._logout,
            "lock": self._lock,
            "unlock": self._unlock,
            "reauth": self._reauth,
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
            "ping": self._ping,
            "session.info": self._session_info,
            "setup.admin": self._setup_admin,
        }

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
        old_umask = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(self._on_client, path=str(path))
        finally:
            os.umask(old_umask)
        os.chmod(path, 0o660 if self._gid is not None else 0o600)
        if self._gid is not None:
            with contextlib.suppress(PermissionError):
                os.chown(path, -1, self._gid)
        if self.config.group and self._gid is None:
            log_event("api.group_missing", level="warning", kind=self.config.group)
        self._sweeper = asyncio.create_task(self._sweep_idle())
        log_event("api.listening", socket=str(path))

    async def stop(self) -> None:
        if self._sweeper:
            self._sweeper.cancel()
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections):
            conn.close()
            conn.abort()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
        with contextlib.suppress(FileNotFoundError):
            self.config.socket_path.unlink()
        self._auth_pool.shutdown(wait=False, cancel_futures=True)

    async def _sweep_idle(self) -> None:
        """Lock idle sessions even when their client is silent, and tell them (the UI hides the screen)."""
        while True:
            await asyncio.sleep(min(5.0, self.config.idle_lock_minutes * 60 / 4))
            for conn in list(self.connections):
                session = conn.session
                if session and not session.locked and session.idle():
                    self.audit.record(session.username, "session.idle_lock", conn.where, "success")
                    conn.send({"event": "session", "seq": 0, "data": {"state": "locked", "reason": "idle"}})

    # -- connections ---------------------------------------------------------------------------------------------
    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock: socket.socket = writer.get_extra_info("socket")
        try:
            peer = peer_credentials(sock)
        except OSError:
            writer.close()
            return
        if not may_connect(peer, self._gid):
            log_event("api.refused", level="warning", uid=peer.uid, pid=peer.pid)
            self.audit.record(f"uid:{peer.uid}", "api.connect", f"pid={peer.pid}", "failure", reason="group")
            writer.write(protocol.encode_frame(protocol.error(None, "not_allowed", "not in the station group")))
            with contextlib.suppress(Exception):
                await writer.drain()
            writer.close()
            return
        conn = Connection(self, reader, writer, peer)
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
        session = self._session(conn)
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

    @staticmethod
    def _session(conn: Connection) -> Session:
        if conn.session is None:
            raise ApiError("login_required", "log in first", "send login with user, password and code")
        return conn.session

    # -- built-in operations -------------------------------------------------------------------------------------
    async def _hello(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        version = args.get("version", protocol.PROTOCOL_VERSION)
        if version != protocol.PROTOCOL_VERSION:
            raise ApiError(
                "version_unsupported",
                f"protocol version {version!r} is not supported",
                f"this daemon speaks version {protocol.PROTOCOL_VERSION}",
            )
        terminal = args.get("terminal", "local")
        if isinstance(terminal, str) and terminal.isprintable():
            conn.terminal = terminal[:64]
        conn.hello = True
        return {
            "protocol": protocol.PROTOCOL_VERSION,
            "daemon": __version__,
            "station_id": self.config.station_id,
            "mode": self.config.mode,
            "banner": self.config.banner,
            "max_message_bytes": self.config.max_message_bytes,
            "needs_admin": not self.accounts.has_admin(),
        }

    def _new_session(self, conn: Connection, username: str, role: Any) -> Session:
        c = self.config
        return Session(
            username,
            role,
            conn.where,
            idle_lock_s=c.idle_lock_minutes * 60,
            reauth_s=c.reauth_minutes * 60,
            max_age_s=c.session_max_hours * 3600,
            clock=self.accounts.clock,
        )

    async def _authenticate(self, conn: Connection, username: str, args: dict[str, Any], what: str) -> Any:
        """One credential check: one at a time per connection, one at a time per account (a flood of attempts on
        one account then holds one of the checking threads, not all), on threads of its own."""
        password, code = args.get("password"), args.get("totp")
        if not isinstance(password, str) or not isinstance(code, str) or len(password) > 1024:
            raise ApiError("bad_request", "password and totp must be strings", "send both")
        if conn.authenticating:
            raise ApiError("busy", "a login is already being checked on this connection", "wait for its answer")
        conn.authenticating = True
        try:
            async with self._auth_turns.hold(username):
                check = functools.partial(
                    self.accounts.authenticate, username, password, code, where=conn.where, what=what
                )
                return await asyncio.get_running_loop().run_in_executor(self._auth_pool, check)
        finally:
            conn.authenticating = False

    async def _login(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        if conn.session is not None:
            raise ApiError("bad_request", "this connection is already logged in", "log out first")
        if args.get("banner_acknowledged") is not True:
            raise ApiError(
                "banner_not_acknowledged",
                "the system-use notice must be acknowledged before login",
                "show the banner from hello and send banner_acknowledged: true",
            )
        username = args.get("username")
        if not isinstance(username, str) or not 0 < len(username) <= 64:
            raise ApiError("bad_request", "username must be a string", "send username")
        account = await self._authenticate(conn, username, args, "logon")
        conn.session = self._new_session(conn, account.username, account.role)
        log_event("session.started", user=account.username, role=account.role.value, session=conn.session.id)
        return {
            "user": account.username,
            "role": account.role.value,
            "session": conn.session.id,
            "idle_lock_s": conn.session.idle_lock_s,
            "reauth_s": conn.session.reauth_s,
        }

    async def _logout(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        session = self._session(conn)
        self.audit.record(session.username, "logoff", conn.where, "success")
        conn.session = None
        conn.subscriptions.clear()
        return {}

    async def _lock(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        session = self._session(conn)
        session.lock()
        self.audit.record(session.username, "session.lock", conn.where, "success")
        return {"state": "locked"}

    async def _unlock(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        session = self._session(conn)
        try:
            await self._authenticate(conn, session.username, args, "session.unlock")
        except AuthError as exc:
            if exc.code == "locked":  # the account itself is now locked: end this session
                conn.session = None
            raise
        session.unlocked_by_auth()
        return {"state": "unlocked"}

    async def _reauth(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        session = self._session(conn)
        session.check_alive()
        await self._authenticate(conn, session.username, args, "reauth")
        session.unlocked_by_auth()
        return {"reauth_s": session.reauth_s}

    async def _subscribe(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        from station.api.events import TOPICS

        self._session(conn).check_alive()
        topics = args.get("topics", list(TOPICS))
        if not isinstance(topics, list) or not all(isinstance(t, str) and t in TOPICS for t in topics):
            raise ApiError("bad_request", f"topics must be a list drawn from {', '.join(TOPICS)}", "fix the list")
        conn.subscriptions.update(topics)
        return {"topics": sorted(conn.subscriptions)}

    async def _unsubscribe(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        topics = args.get("topics", [])
        if not isinstance(topics, list):
            raise ApiError("bad_request", "topics must be a list", "fix the list")
        conn.subscriptions.difference_update(t for t in topics if isinstance(t, str))
        return {"topics": sorted(conn.subscriptions)}

    async def _setup_admin(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        """First boot from the console UI: create the first admin. Only while none exists, only for a local peer
        running as root or as the daemon's own user (the kiosk), never for group members at large."""
        if self.accounts.has_admin():
            raise ApiError("not_allowed", "the station already has an admin", "log in as that admin")
        if conn.peer.uid not in (0, os.getuid()):
            raise ApiError(
                "not_allowed",
                "first-boot set-up is only possible from the station console",
                "run 'station users bootstrap' on the station",
            )
        username, password = args.get("username"), args.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise ApiError("bad_request", "username and password must be strings", "send both")
        bootstrap = functools.partial(self.accounts.bootstrap_admin, username, password, where=conn.where)
        secret = await asyncio.get_running_loop().run_in_executor(self._auth_pool, bootstrap)
        from station.accounts.totp import provisioning_uri

        return {"username": username, "totp_secret": secret, "totp_uri": provisioning_uri(secret, username)}

    async def _ping(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        return {"pong": True}

    async def _session_info(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        session = self._session(conn)
        return {
            "user": session.username,
            "role": session.role.value,
            "locked": session.idle(),
            "session": session.id,
            "terminal": conn.where,
        }


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
