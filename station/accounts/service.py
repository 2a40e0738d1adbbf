"""Accounts: create, authenticate (password + TOTP), lockout after failures, admin unlock, expiry after disuse.

Rules (CJIS Security Policy, see docs/daemon.md): 5 failed attempts within 15 minutes lock the account until an
admin unlocks it (AC-7) — the counter lives in SQLite and survives restarts; an account unused for 90 days is
disabled at its next login attempt or by the daily sweep (AC-2(3)); every change and every attempt goes to the audit
trail. Error messages for a failed login do not say which factor was wrong.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from station.accounts import passwords, totp
from station.accounts.db import AccountsDb
from station.accounts.roles import Role
from station.errors import InputError, StationError

DAY = 86400.0


class AuditSink(Protocol):
    def record(self, who: str, what: str, where: str, outcome: str, **details: Any) -> Any: ...


class AuthError(StationError):
    """A login or re-authentication refused; `code` is one of invalid_credentials, locked, disabled, expired."""

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.code = code


@dataclass(frozen=True)
class Account:
    username: str
    role: Role
    created_at: float
    last_login_at: float | None
    disabled_reason: str | None
    locked: bool


@dataclass(frozen=True)
class Policy:
    lockout_failures: int = 5
    lockout_window_s: float = 15 * 60
    expiry_days: int = 90


class AccountService:
    def __init__(
        self,
        db: AccountsDb,
        audit: AuditSink | None = None,
        policy: Policy | None = None,
        clock: Callable[[], float] = time.time,
        kdf_log2_n: int = passwords.LOG2_N,
    ) -> None:
        self.db, self.audit, self.policy, self.clock = db, audit, policy or Policy(), clock
        self.kdf_log2_n = kdf_log2_n

    # -- queries -------------------------------------------------------------------------------------------------
    def _row(self, username: str) -> Any:
        return self.db.conn.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()

    @staticmethod
    def _account(row: Any) -> Account:
        return Account(
            row["username"],
            Role(row["role"]),
            row["created_at"],
            row["last_login_at"],
            row["disabled_reason"],
            row["locked_at"] is not None,
        )

    def get(self, username: str) -> Account | None:
        with self.db.lock:
            row = self._row(username)
        return self._account(row) if row else None

    def list(self) -> list[Account]:
        with self.db.lock:
            rows = self.db.conn.execute("SELECT * FROM users ORDER BY username").fetchall()
        return [self._account(r) for r in rows]

    def has_admin(self) -> bool:
        with self.db.lock:
            row = self.db.conn.execute(
                "SELECT 1 FROM users WHERE role = 'admin' AND disabled_reason IS NULL LIMIT 1"
            ).fetchone()
        return row is not None

    # -- changes -------------------------------------------------------------------------------------------------
    def _audit(self, who: str, what: str, where: str, outcome: str, **details: Any) -> None:
        if self.audit is not None:
            self.audit.record(who, what, where, outcome, **details)

    def create(self, username: str, role: Role | str, password: str, *, by: str, where: str) -> str:
        """Create an account; returns its new TOTP secret (base32), to be shown once to the user."""
        role = Role(role)
        if not (username.isascii() and username.replace(".", "").replace("-", "").replace("_", "").isalnum()):
            raise InputError(f"user name {username!r} is not allowed", "use letters, digits, '.', '-', '_'")
        if not 2 <= len(username) <= 32:
            raise InputError("user name must have 2 to 32 characters", "choose another user name")
        passwords.check_policy(password, username)
        secret = totp.new_secret()
        now = self.clock()
        digest = passwords.hash_password(password, log2_n=self.kdf_log2_n)
        with self.db.lock:
            if self._row(username) is not None:
                raise InputError(f"user {username} already exists", "choose another user name")
            self.db.conn.execute(
                "INSERT INTO users (username, role, password_hash, totp_secret, created_at, password_changed_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (username, role.value, digest, secret, now, now),
            )
        self._audit(by, "account.create", where, "success", target=username, role=role.value)
        return secret

    def bootstrap_admin(self, username: str, password: str, *, where: str) -> str:
        """First boot: create the first admin. Refused once any admin exists."""
        if self.has_admin():
            raise InputError("an admin account already exists", "log in as that admin to create more accounts")
        return self.create(username, Role.ADMIN, password, by="system", where=where)

    def unlock(self, username: str, *, by: str, where: str) -> None:
        """Release a lockout (and a disuse expiry): the admin's action required by AC-7."""
        with self.db.lock:
            self.db.conn.execute("BEGIN IMMEDIATE")
            changed = self.db.conn.execute(
                "UPDATE users SET locked_at = NULL, last_login_at = ?,"
                " disabled_reason = CASE disabled_reason WHEN 'expired' THEN NULL ELSE disabled_reason END"
                " WHERE username = ?",
                (self.clock(), username),
            ).rowcount
            self.db.conn.execute("DELETE FROM login_failures WHERE username = ?", (username,))
            self.db.conn.execute("COMMIT")
        self._require_changed(changed, username)
        self._audit(by, "account.unlock", where, "success", target=username)

    def disable(self, username: str, *, by: str, where: str, reason: str = "admin") -> None:
        with self.db.lock:
            changed = self.db.conn.execute(
                "UPDATE users SET disabled_reason = ? WHERE username = ?", (reason, username)
            ).rowcount
        self._require_changed(changed, username)
        self._audit(by, "account.disable", where, "success", target=username, reason=reason)

    def enable(self, username: str, *, by: str, where: str) -> None:
        with self.db.lock:
            changed = self.db.conn.execute(
                "UPDATE users SET disabled_reason = NULL, last_login_at = ? WHERE username = ?",
                (self.clock(), username),
            ).rowcount
        self._require_changed(changed, username)
        self._audit(by, "account.enable", where, "success", target=username)

    @staticmethod
    def _require_changed(changed: int, username: str) -> None:
        if not changed:
            raise InputError(f"no user {username}", "list the accounts with 'station users list'")

    def expire_inactive(self) -> list[str]:
        """Disable every enabled account unused for the expiry period; returns their names (AC-2(3))."""
        cutoff = self.clock() - self.policy.expiry_days * DAY
        with self.db.lock:
            rows = self.db.conn.execute(
                "SELECT username FROM users WHERE disabled_reason IS NULL AND COALESCE(last_login_at, created_at) < ?",
                (cutoff,),
            ).fetchall()
            names = [r["username"] for r in rows]
            for name in names:
                self.db.conn.execute("UPDATE users SET disabled_reason = 'expired' WHERE username = ?", (name,))
        for name in names:
            self._audit("system", "account.expire", "station", "success", target=name)
        return names

    # -- authentication ------------------------------------------------------------------------------------------
    def authenticate(self, username: str, password: str, code: str, *, where: str, what: str = "logon") -> Account:
        """Check password and TOTP; raise AuthError (and count the failure) or return the account."""
        now = self.clock()
        with self.db.lock:
            row = self._row(username)
        if row is None:
            # Spend the same time as a real check so that timing does not reveal which names exist.
            passwords.verify_password(password, passwords.decoy_hash(self.kdf_log2_n))
            self._audit(username, what, where, "failure", reason="invalid_credentials")
            raise AuthError("invalid_credentials", "user name, password or code is wrong", "try again")
        if row["locked_at"] is not None:
            self._audit(username, what, where, "failure", reason="locked")
            raise AuthError("locked", f"account {username} is locked after repeated failures", "ask an admin to unlock")
        if row["disabled_reason"] is None and (now - (row["last_login_at"] or row["created_at"])) > (
            self.policy.expiry_days * DAY
        ):
            self.disable(username, by="system", where=where, reason="expired")
            row = self._row(username)
        if row["disabled_reason"] is not None:
            code_name = "expired" if row["disabled_reason"] == "expired" else "disabled"
            self._audit(username, what, where, "failure", reason=code_name)
            raise AuthError(code_name, f"account {username} is disabled ({row['disabled_reason']})", "ask an admin")
        password_ok = passwords.verify_password(password, row["password_hash"])
        step = totp.verify(row["totp_secret"], code, now, after_step=row["last_totp_step"]) if password_ok else None
        if step is None:
            self._fail(username, where, what, now)
        with self.db.lock:
            self.db.conn.execute("BEGIN IMMEDIATE")
            self.db.conn.execute(
                "UPDATE users SET last_login_at = ?, last_totp_step = ? WHERE username = ?", (now, step, username)
            )
            self.db.conn.execute("DELETE FROM login_failures WHERE username = ?", (username,))
            self.db.conn.execute("COMMIT")
            row = self._row(username)
        self._audit(username, what, where, "success", role=row["role"])
        return self._account(row)

    def _fail(self, username: str, where: str, what: str, now: float) -> None:
        with self.db.lock:
            self.db.conn.execute("BEGIN IMMEDIATE")
            self.db.conn.execute("INSERT INTO login_failures (username, at) VALUES (?, ?)", (username, now))
            recent = self.db.conn.execute(
                "SELECT COUNT(*) FROM login_failures WHERE username = ? AND at > ?",
                (username, now - self.policy.lockout_window_s),
            ).fetchone()[0]
            lock = recent >= self.policy.lockout_failures
            if lock:
                self.db.conn.execute("UPDATE users SET locked_at = ? WHERE username = ?", (now, username))
            self.db.conn.execute("COMMIT")
        self._audit(username, what, where, "failure", reason="invalid_credentials", attempt=recent)
        if lock:
            self._audit("system", "account.lock", where, "success", target=username, attempt=recent)
            raise AuthError("locked", f"account {username} is now locked after {recent} failures", "ask an admin")
        raise AuthError("invalid_credentials", "user name, password or code is wrong", "try again")

    def totp_secret(self, username: str) -> str:
        with self.db.lock:
            row = self._row(username)
        if row is None:
            raise InputError(f"no user {username}", "list the accounts with 'station users list'")
        return str(row["totp_secret"])
