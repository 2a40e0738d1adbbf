"""The local API's built-in session operations: hello, login, logout, lock, unlock, reauth, subscriptions, first boot.

Every connection walks the same path: `hello` (protocol version, the system-use banner) -> `login` (user, password,
TOTP, banner acknowledged) -> operations allowed by the role, each checked against the session rules (idle lock,
re-authentication for privileged actions, 12 h cap). Credential checks (`login`, `unlock`, `reauth`) run one at a
time per connection and one at a time per account, on a small pool of their own: a flood of attempts costs the
flooder its own turn, not everyone's threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from station import __version__
from station.accounts.service import AuthError
from station.accounts.sessions import Session
from station.api import protocol
from station.api.connection import ApiError, Connection
from station.daemon.logs import log_event

AUTH_THREADS = 2  # key derivations at once (each 32 MiB, ~0.1 s): a login flood cannot take every core or thread

Builtin = Callable[[Connection, dict[str, Any]], Awaitable[dict[str, Any]]]


def require_session(conn: Connection) -> Session:
    if conn.session is None:
        raise ApiError("login_required", "log in first", "send login with user, password and code")
    return conn.session


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


class SessionOperations:
    """The built-in operations of an `ApiServer` (its configuration, accounts and audit trail)."""

    def __init__(self, server: Any) -> None:
        self.config, self.accounts, self.audit = server.config, server.accounts, server.audit
        self._auth_turns = AsyncTurns()
        self._auth_pool = ThreadPoolExecutor(AUTH_THREADS, thread_name_prefix="auth")

    def table(self) -> dict[str, Builtin]:
        return {
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

    def close(self) -> None:
        self._auth_pool.shutdown(wait=False, cancel_futures=True)

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
        session = require_session(conn)
        self.audit.record(session.username, "logoff", conn.where, "success")
        conn.session = None
        conn.pending_since = time.monotonic()
        conn.subscriptions.clear()
        return {}

    async def _lock(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        session = require_session(conn)
        session.lock()
        self.audit.record(session.username, "session.lock", conn.where, "success")
        return {"state": "locked"}

    async def _unlock(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        session = require_session(conn)
        try:
            await self._authenticate(conn, session.username, args, "session.unlock")
        except AuthError as exc:
            if exc.code == "locked":  # the account itself is now locked: end this session
                conn.session = None
                conn.pending_since = time.monotonic()
            raise
        session.unlocked_by_auth()
        return {"state": "unlocked"}

    async def _reauth(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        session = require_session(conn)
        session.check_alive()
        await self._authenticate(conn, session.username, args, "reauth")
        session.unlocked_by_auth()
        return {"reauth_s": session.reauth_s}

    async def _subscribe(self, conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        from station.api.events import TOPICS

        require_session(conn).check_alive()
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
        session = require_session(conn)
        return {
            "user": session.username,
            "role": session.role.value,
            "locked": session.idle(),
            "session": session.id,
            "terminal": conn.where,
        }
