"""Accounts on a real SQLite file with a fake clock: login, lockout, unlock, expiry, sessions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from station.accounts import totp
from station.accounts.db import AccountsDb
from station.accounts.roles import Role
from station.accounts.service import DAY, AccountService, AuthError
from station.accounts.sessions import Session, SessionError
from station.errors import InputError


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    def __init__(self) -> None:
        self.records: list[tuple[str, str, str, str, dict[str, Any]]] = []

    def record(self, who: str, what: str, where: str, outcome: str, **details: Any) -> None:
        self.records.append((who, what, where, outcome, details))


@pytest.fixture
def env(tmp_path: Path) -> tuple[AccountService, Clock, Recorder, Path]:
    clock, audit = Clock(), Recorder()
    path = tmp_path / "accounts.sqlite"
    return AccountService(AccountsDb(path), audit, clock=clock, kdf_log2_n=10), clock, audit, path


def test_first_boot_admin_then_officer_login(env) -> None:
    service, clock, audit, _ = env
    secret = service.bootstrap_admin("admin", "keys to the vault", where="console")
    with pytest.raises(InputError, match="already exists"):
        service.bootstrap_admin("admin2", "keys to the vault", where="console")
    account = service.authenticate("admin", "keys to the vault", totp.code_for(secret, clock.now), where="tty1")
    assert account.role is Role.ADMIN
    officer_secret = service.create("jsmith", "officer", "desk sergeant 42", by="admin", where="tty1")
    clock.now += 60
    assert service.authenticate("jsmith", "desk sergeant 42", totp.code_for(officer_secret, clock.now), where="t").role
    whats = [(r[1], r[3]) for r in audit.records]
    assert ("account.create", "success") in whats and ("logon", "success") in whats


def test_totp_code_cannot_be_replayed(env) -> None:
    service, clock, _, _ = env
    secret = service.create("jsmith", "officer", "desk sergeant 42", by="admin", where="t")
    code = totp.code_for(secret, clock.now)
    service.authenticate("jsmith", "desk sergeant 42", code, where="t")
    with pytest.raises(AuthError) as info:
        service.authenticate("jsmith", "desk sergeant 42", code, where="t")
    assert info.value.code == "invalid_credentials"


def test_five_failures_in_fifteen_minutes_lock_until_admin_unlocks(env) -> None:
    service, clock, audit, path = env
    secret = service.create("jsmith", "officer", "desk sergeant 42", by="admin", where="t")
    for _ in range(4):
        with pytest.raises(AuthError, match="wrong"):
            service.authenticate("jsmith", "wrong password", "000000", where="t")
        clock.now += 60
    with pytest.raises(AuthError) as info:
        service.authenticate("jsmith", "desk sergeant 42", "000000", where="t")  # right password, wrong code
    assert info.value.code == "invalid_credentials"  # the fifth failure locks, and says nothing more
    assert any(r[1] == "account.lock" for r in audit.records)
    # The lock survives a restart (a new service on the same file); the owner, and only the owner, is told of it.
    reopened = AccountService(AccountsDb(path), clock=clock, kdf_log2_n=10)
    clock.now += 3600
    with pytest.raises(AuthError) as info:
        reopened.authenticate("jsmith", "wrong password", totp.code_for(secret, clock.now), where="t")
    assert info.value.code == "invalid_credentials"
    clock.now += 30
    with pytest.raises(AuthError) as info:
        reopened.authenticate("jsmith", "desk sergeant 42", totp.code_for(secret, clock.now), where="t")
    assert info.value.code == "locked"
    reopened.unlock("jsmith", by="admin", where="t")
    clock.now += 30
    assert reopened.authenticate("jsmith", "desk sergeant 42", totp.code_for(secret, clock.now), where="t")


def test_an_accounts_state_is_told_only_after_its_right_password_and_code(env) -> None:
    """Locked, disabled, expired and unknown all answer like a wrong password until both factors are right."""
    service, clock, audit, _ = env
    password = "desk sergeant 42"
    secrets = {name: service.create(name, "officer", password, by="admin", where="t") for name in ("lk", "ds", "ex")}
    secrets["nobody"] = totp.new_secret()
    for _ in range(5):
        with pytest.raises(AuthError):
            service.authenticate("lk", "wrong password", "000000", where="t")
    service.disable("ds", by="admin", where="t")
    clock.now += 91 * DAY  # "ex" was never used: expired (the locked and the disabled account stay what they are)

    def answer(name: str, password: str, right_code: bool) -> str:
        clock.now += 30
        code = totp.code_for(secrets[name], clock.now) if right_code else "000000"
        with pytest.raises(AuthError) as info:
            service.authenticate(name, password, code, where="t")
        return info.value.code

    for name in secrets:
        assert answer(name, "wrong password", right_code=True) == "invalid_credentials", name
        assert answer(name, password, right_code=False) == "invalid_credentials", name
    told = {name: answer(name, password, right_code=True) for name in secrets}
    assert told == {"lk": "locked", "ds": "disabled", "ex": "expired", "nobody": "invalid_credentials"}
    reasons = {r[4].get("reason") for r in audit.records if r[1] == "logon"}
    assert {"locked", "disabled", "expired", "unknown_user"} <= reasons  # the trail knows why


def test_failures_spread_beyond_the_window_do_not_lock(env) -> None:
    service, clock, _, _ = env
    secret = service.create("jsmith", "officer", "desk sergeant 42", by="admin", where="t")
    for _ in range(8):
        with pytest.raises(AuthError, match="wrong"):
            service.authenticate("jsmith", "wrong password", "000000", where="t")
        clock.now += 4 * 60
    assert service.authenticate("jsmith", "desk sergeant 42", totp.code_for(secret, clock.now), where="t")


def test_unknown_user_fails_like_a_wrong_password(env) -> None:
    service, _, audit, _ = env
    with pytest.raises(AuthError) as info:
        service.authenticate("nobody", "whatever pass", "123456", where="t")
    assert info.value.code == "invalid_credentials" and audit.records[-1][3] == "failure"


def test_account_expires_after_90_days_without_use(env) -> None:
    service, clock, _, _ = env
    secret = service.create("jsmith", "officer", "desk sergeant 42", by="admin", where="t")
    service.create("kjones", "technician", "field tech 2026!", by="admin", where="t")
    clock.now += 89 * DAY
    service.authenticate("jsmith", "desk sergeant 42", totp.code_for(secret, clock.now), where="t")
    clock.now += 2 * DAY
    assert service.expire_inactive() == ["kjones"]
    clock.now += 89 * DAY
    with pytest.raises(AuthError) as info:
        service.authenticate("jsmith", "desk sergeant 42", totp.code_for(secret, clock.now), where="t")
    assert info.value.code == "expired"
    service.unlock("jsmith", by="admin", where="t")
    clock.now += 30
    assert service.authenticate("jsmith", "desk sergeant 42", totp.code_for(secret, clock.now), where="t")


def test_session_idle_lock_reauth_and_roles() -> None:
    clock = Clock()
    session = Session("kjones", Role.TECHNICIAN, "ssh", idle_lock_s=1800, reauth_s=300, clock=clock)
    session.check("device.service")
    with pytest.raises(SessionError) as info:
        session.check("booking")
    assert info.value.code == "not_allowed"
    clock.now += 600
    with pytest.raises(SessionError) as info:
        session.check("device.service")
    assert info.value.code == "reauth_required"
    session.check("device.read")
    clock.now += 1800
    with pytest.raises(SessionError) as info:
        session.check("device.read")
    assert info.value.code == "locked" and session.locked
    session.unlocked_by_auth()
    session.check("device.service")
    clock.now += 12 * 3600
    with pytest.raises(SessionError) as info:
        session.check("device.read")
    assert info.value.code == "expired"
