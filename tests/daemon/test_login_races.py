"""Logins racing each other on real parallel connections to a real daemon: the lockout holds, one TOTP code opens
one session, and a right login never wins once the lock is on record.

Each client is its own Unix-socket connection (an asyncio task per connection); the daemon is `python -m station
daemon` in a subprocess. Accounts are made with a cheap key derivation (2**12) so that a test of 64 logins takes a
second, not ten: the race is in the daemon's decision, not in the hash's cost.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_harness import DaemonProcess, make_state

from station.accounts import totp
from station.accounts.db import AccountsDb
from station.accounts.service import AccountService
from station.api.client import ApiRequestError, StationClient
from station.audit.log import AuditLog, read_records

USER, PASSWORD = "jsmith", "desk sergeant 42"
CHEAP_KDF = 12


@pytest.fixture
def daemon() -> Iterator[tuple[DaemonProcess, str]]:
    state = make_state()
    audit = AuditLog(state / "audit")
    service = AccountService(AccountsDb(state / "accounts.sqlite"), audit, kdf_log2_n=CHEAP_KDF)
    service.bootstrap_admin("admin", "keys to the vault", where="test")
    secret = service.create(USER, "officer", PASSWORD, by="admin", where="test")
    service.db.close()
    audit.close()
    process = DaemonProcess(state, "sim://?seed=1")
    try:
        yield process.start(), secret
    finally:
        process.close()
        shutil.rmtree(state, ignore_errors=True)


def a_wrong_code(secret: str) -> str:
    """A well-formed code valid at no step the daemon would accept now."""
    now = int(time.time())
    valid = {totp.code_for(secret, now + k * totp.STEP_SECONDS) for k in range(-3, 4)}
    return next(c for c in (f"{n:06d}" for n in range(0, 10**6, 7919)) if c not in valid)


def fresh_code(secret: str) -> str:
    """The code for the current step (the account's last used step is reset by `reset_account`)."""
    return totp.code_for(secret, time.time())


def reset_account(state: Path) -> None:
    """What an admin's unlock does, plus forgetting the last TOTP step, straight in the daemon's database."""
    with sqlite3.connect(state / "accounts.sqlite", timeout=10) as conn:
        conn.execute("UPDATE users SET locked_at = NULL, last_totp_step = -1 WHERE username = ?", (USER,))
        conn.execute("DELETE FROM login_failures WHERE username = ?", (USER,))


def locked_in_db(state: Path) -> bool:
    with sqlite3.connect(state / "accounts.sqlite", timeout=10) as conn:
        return conn.execute("SELECT locked_at FROM users WHERE username = ?", (USER,)).fetchone()[0] is not None


async def connect(daemon: DaemonProcess) -> StationClient:
    client = await StationClient.connect(daemon.socket)
    await client.hello(terminal="race")
    return client


async def attempt(client: StationClient, password: str, code: str) -> str:
    """One login: "session" or the error code."""
    try:
        await client.login(USER, password, code)
    except ApiRequestError as exc:
        return exc.code
    return "session"


def logon_records(state: Path, since: int = 0) -> list[dict]:
    return [r for r in read_records(state / "audit") if r["seq"] > since and r["what"] in ("logon", "account.lock")]


async def test_eight_connections_of_eight_wrong_logins_check_at_most_five_passwords(daemon) -> None:
    process, secret = daemon
    wrong = a_wrong_code(secret)
    clients = [await connect(process) for _ in range(8)]

    async def eight(client: StationClient) -> list[str]:
        return [await attempt(client, f"not my password {i}", wrong) for i in range(8)]

    answers = [a for batch in await asyncio.gather(*(eight(c) for c in clients)) for a in batch]
    for client in clients:
        await client.close()
    checked = [
        r
        for r in logon_records(process.state)
        if r["what"] == "logon" and r["details"].get("reason") == "invalid_credentials"
    ]
    assert len(answers) == 64 and set(answers) == {"invalid_credentials"}, sorted(set(answers))
    assert len(checked) <= 5, f"{len(checked)} password checks against a limit of 5"
    assert locked_in_db(process.state)
    assert sum(r["what"] == "account.lock" for r in logon_records(process.state)) == 1


async def test_a_right_login_racing_wrong_ones_never_gets_a_session_after_the_lock(daemon) -> None:
    process, secret = daemon
    wrong = a_wrong_code(secret)
    sessions_after_lock, rounds_locked_first = [], 0
    for _ in range(6):
        reset_account(process.state)
        since = max((r["seq"] for r in read_records(process.state / "audit")), default=0)
        clients = [await connect(process) for _ in range(8)]
        wrong_logins = [asyncio.create_task(attempt(c, "not my password", wrong)) for c in clients[:7]]
        await asyncio.sleep(0)  # the wrong ones leave first
        right = await attempt(clients[7], PASSWORD, fresh_code(secret))
        await asyncio.gather(*wrong_logins)
        for client in clients:
            await client.close()
        records = logon_records(process.state, since)
        lock_seq = next((r["seq"] for r in records if r["what"] == "account.lock"), None)
        success_seq = next((r["seq"] for r in records if r["what"] == "logon" and r["outcome"] == "success"), None)
        if lock_seq is not None and (success_seq is None or lock_seq < success_seq):
            rounds_locked_first += 1
            if right == "session":
                sessions_after_lock.append(records)
        assert (right == "session") == (success_seq is not None)
    assert not sessions_after_lock, f"a session was returned after the lock was recorded: {sessions_after_lock[0]}"


async def test_one_totp_code_sent_on_six_connections_gives_one_session(daemon) -> None:
    process, secret = daemon
    for _ in range(3):
        reset_account(process.state)
        clients = [await connect(process) for _ in range(6)]
        code = fresh_code(secret)
        answers = await asyncio.gather(*(attempt(c, PASSWORD, code) for c in clients))
        for client in clients:
            await client.close()
        assert answers.count("session") == 1, answers
        assert set(answers) == {"session", "invalid_credentials"}, answers
