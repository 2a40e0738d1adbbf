"""Accounts: create, authenticate (password + TOTP), lockout after failures, admin unlock, expiry after disuse.

Rules (CJIS Security Policy, see docs/daemon.md): 5 failed attempts within 15 minutes lock the account until an
admin unlocks it (AC-7) — the counter lives in SQLite and survives restarts; an account unused for 90 days is
disabled at its next login attempt or by the daily sweep (AC-2(3)); every change and every attempt goes to the audit
trail. A failed login is answered `invalid_credentials` whatever was wrong, including the account's own state,
which only its owner (right password, fresh right code) is told; see `authenticate`.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn, Protocol

from station.accounts import passwords, totp
from station.accounts.db import AccountsDb, open_seed, seal_seed
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


class Turns:
    """One thread at a time per key (a user name); entries live only while someone waits, so names an attacker makes
    up do not accumulate."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, list[int]]] = {}

    @contextlib.contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._guard:
            lock, waiting = self._locks.setdefault(key, (threading.Lock(), [0]))
            waiting[0] += 1
        try:
            with lock:
                yield
        finally:
            with self._guard:
                waiting[0] -= 1
                if not waiting[0]:
                    del self._locks[key]


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
        self._turns = Turns()

    # -- queries -------------------------------------------------------------------------------------------------
    def _secret(self, row: Any) -> str:
        return open_seed(row["username"], row["totp_secret"])

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
                (username, role.value, digest, seal_seed(username, secret), now, now),
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
        """Check password and TOTP as one decision; raise AuthError (and count the failure) or return the account.

        Attempts on one account are serialised, and the outcome is written in one `BEGIN IMMEDIATE` transaction that
        reads the account again after the slow hash: a lock recorded meanwhile (here or by another process) is
        honoured, and a code's step is consumed in the same transaction that accepts it, so one code opens one
        session. The answer is `invalid_credentials` whatever is wrong - unknown user, wrong password or code, a
        replayed code, a locked account - and an account's state (locked, disabled, expired) is told only to someone
        who gave its right password and a fresh right code. Every attempt costs one key derivation.
        """
        with self._turns.hold(username):
            return self._decide(username, password, code, where, what)

    def _state(self, row: Any, now: float) -> str:
        if row["locked_at"] is not None:
            return "locked"
        if row["disabled_reason"] is not None:
            return "expired" if row["disabled_reason"] == "expired" else "disabled"
        if now - (row["last_login_at"] or row["created_at"]) > self.policy.expiry_days * DAY:
            return "expired"
        return "active"

    def _decide(self, username: str, password: str, code: str, where: str, what: str) -> Account:
        now = self.clock()
        with self.db.lock:
            row = self._row(username)
        if row is None:
            passwords.verify_password(password, passwords.decoy_hash(self.kdf_log2_n))
            self._refuse(username, where, what, "unknown_user")
        step = totp.verify(self._secret(row), code, now, after_step=row["last_totp_step"])
        if row["locked_at"] is not None and step is None:
            # Locked: the password is looked at only beside a fresh right code (which the attempt then uses up), so
            # guessing it after the lock needs the authenticator too; the same work is spent either way.
            passwords.verify_password(password, passwords.decoy_like(row["password_hash"]))
            self._refuse(username, where, what, "locked")
        password_ok = passwords.verify_password(password, row["password_hash"])
        with self.db.lock:
            self.db.conn.execute("BEGIN IMMEDIATE")
            try:
                row = self._row(username)
                state = self._state(row, now)
                if step is not None and step <= row["last_totp_step"]:
                    step = None  # used meanwhile by another process
                if step is not None and (password_ok or state == "locked"):
                    self.db.conn.execute("UPDATE users SET last_totp_step = ? WHERE username = ?", (step, username))
                newly_expired = state == "expired" and row["disabled_reason"] is None
                if newly_expired:
                    self.db.conn.execute("UPDATE users SET disabled_reason = 'expired' WHERE username = ?", (username,))
                attempt = None
                if state == "active" and not (password_ok and step is not None):
                    attempt, locked_now = self._count_failure(username, now)
                elif state == "active":
                    self.db.conn.execute("UPDATE users SET last_login_at = ? WHERE username = ?", (now, username))
                    self.db.conn.execute("DELETE FROM login_failures WHERE username = ?", (username,))
                    row = self._row(username)
                self.db.conn.execute("COMMIT")
            except BaseException:
                self.db.conn.execute("ROLLBACK")
                raise
        if newly_expired:
            self._audit("system", "account.expire", where, "success", target=username)
        if attempt is not None:
            self._audit(username, what, where, "failure", reason="invalid_credentials", attempt=attempt)
            if locked_now:
                self._audit("system", "account.lock", where, "success", target=username, attempt=attempt)
            raise _invalid()
        if not (password_ok and step is not None):
            self._refuse(username, where, what, state)
        if state != "active":
            self._audit(username, what, where, "failure", reason=state)
            raise _told(state, username)
        self._audit(username, what, where, "success", role=row["role"])
        return self._account(row)

    def _count_failure(self, username: str, now: float) -> tuple[int, bool]:
        """Inside the caller's transaction: record a failed attempt, lock at the policy's count."""
        conn = self.db.conn
        conn.execute("INSERT INTO login_failures (username, at) VALUES (?, ?)", (username, now))
        recent = conn.execute(
            "SELECT COUNT(*) FROM login_failures WHERE username = ? AND at > ?",
            (username, now - self.policy.lockout_window_s),
        ).fetchone()[0]
        lock = recent >= self.policy.lockout_failures
        if lock:
            conn.execute("UPDATE users SET locked_at = ? WHERE username = ?", (now, username))
        return recent, lock

    def _refuse(self, username: str, where: str, what: str, reason: str) -> NoReturn:
        """Audit why (the trail may know), answer the same as for a wrong password (the caller may not)."""
        self._audit(username, what, where, "failure", reason=reason)
        raise _invalid()

    def totp_secret(self, username: str) -> str:
        with self.db.lock:
            row = self._row(username)
        if row is None:
            raise InputError(f"no user {username}", "list the accounts with 'station users list'")
        return self._secret(row)


def _invalid() -> AuthError:
    return AuthError("invalid_credentials", "user name, password or code is wrong", "try again")


def _told(state: str, username: str) -> AuthError:
    """The account's state, for someone who proved they own it."""
    if state == "locked":
        return AuthError("locked", f"account {username} is locked after repeated failures", "ask an admin to unlock")
    if state == "expired":
        return AuthError("expired", f"account {username} expired after disuse", "ask an admin to re-enable it")
    return AuthError("disabled", f"account {username} is disabled", "ask an admin")
