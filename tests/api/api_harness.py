"""The API test harness: a real ApiServer on a real Unix socket with real accounts and audit files."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from station.accounts import totp
from station.accounts.db import AccountsDb
from station.accounts.service import AccountService, Policy
from station.api.client import StationClient
from station.api.events import Audience, EventBus
from station.api.server import ApiServer, Connection
from station.audit.log import AuditLog
from station.config import load_config

PASSWORDS = {
    "admin": "keys to the vault",
    "jsmith": "desk sergeant 42",
    "mlee": "second shift desk",
    "kjones": "field tech 2026!",
}


@dataclass
class Harness:
    server: ApiServer
    accounts: AccountService
    audit: AuditLog
    bus: EventBus
    secrets: dict[str, str]
    socket: Path
    state: Path

    async def client(self, user: str | None = None, subscribe: list[str] | None = None) -> StationClient:
        client = await StationClient.connect(self.socket)
        await client.hello(terminal="test")
        if user is not None:
            await client.login(user, PASSWORDS[user], self.code(user))
            if subscribe is not None:
                await client.subscribe(subscribe)
        return client

    def code(self, user: str) -> str:
        """A fresh TOTP code: step forward past the last one used (replay protection) by moving the clock."""
        self.accounts.clock.now += 30  # type: ignore[attr-defined]
        return totp.code_for(self.secrets[user], self.accounts.clock())


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    overrides: dict[str, Any] = getattr(request, "param", {})
    state = Path(tempfile.mkdtemp(prefix="st-api-"))
    config = load_config(None, overrides={"state_dir": state, "socket_path": state / "s.sock", **overrides})
    audit = AuditLog(state / "audit")
    clock = Clock()
    accounts = AccountService(AccountsDb(state / "accounts.sqlite"), audit, Policy(), clock=clock, kdf_log2_n=10)
    secrets = {
        "admin": accounts.bootstrap_admin("admin", PASSWORDS["admin"], where="test"),
        "jsmith": accounts.create("jsmith", "officer", PASSWORDS["jsmith"], by="admin", where="test"),
        "mlee": accounts.create("mlee", "officer", PASSWORDS["mlee"], by="admin", where="test"),
        "kjones": accounts.create("kjones", "technician", PASSWORDS["kjones"], by="admin", where="test"),
    }
    bus = EventBus()
    server = ApiServer(config, accounts, audit, bus)

    async def whoami(conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        assert conn.session is not None
        return {"user": conn.session.username}

    async def secret_booking(conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        """Publishes case data to the caller's session only (stands for a booking's events)."""
        assert conn.session is not None
        bus.publish(
            "booking",
            {"owner": conn.session.username, "marker": args.get("marker", "")},
            Audience.session(conn.session.id),
        )
        return {}

    async def service(conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        return {"done": True}

    async def crash(conn: Connection, args: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("handler bug")

    server.add("whoami", None, whoami)
    server.add("booking.touch", "booking", secret_booking)
    server.add("device.reset", "device.service", service)
    server.add("crash", None, crash)
    await server.start()
    try:
        yield Harness(server, accounts, audit, bus, secrets, config.socket_path, state)
    finally:
        await server.stop()
        audit.close()
        shutil.rmtree(state, ignore_errors=True)
