"""A logged-in session: who, where, idle lock (AC-11), re-authentication before privileged actions (IA-11), 12 h cap.

A Session is plain state plus rules evaluated against a clock. The API server keeps one per client connection and
calls `check(permission)` before every operation; a locked session answers only `unlock` and `logout`, and the
server stops sending it events that carry case data (it "hides the screen content").
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from station.accounts.roles import PRIVILEGED, Role, allowed
from station.errors import StationError


class SessionError(StationError):
    """Refused by the session rules; `code` is not_allowed, locked, reauth_required or expired."""

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.code = code


@dataclass
class Session:
    username: str
    role: Role
    terminal: str
    idle_lock_s: float = 30 * 60
    reauth_s: float = 5 * 60
    max_age_s: float = 12 * 3600
    clock: Callable[[], float] = time.time
    id: str = field(default_factory=lambda: secrets.token_hex(8))
    created_at: float = 0.0
    last_activity: float = 0.0
    last_auth: float = 0.0
    locked: bool = False

    def __post_init__(self) -> None:
        now = self.clock()
        self.created_at = self.created_at or now
        self.last_activity = self.last_activity or now
        self.last_auth = self.last_auth or now

    def idle(self) -> bool:
        """True when the idle period has passed (and locks the session)."""
        if not self.locked and self.clock() - self.last_activity >= self.idle_lock_s:
            self.locked = True
        return self.locked

    def expired(self) -> bool:
        return self.clock() - self.created_at >= self.max_age_s

    def touch(self) -> None:
        self.last_activity = self.clock()

    def lock(self) -> None:
        self.locked = True

    def unlocked_by_auth(self) -> None:
        self.locked = False
        self.last_auth = self.last_activity = self.clock()

    def check_alive(self) -> None:
        """Raise SessionError when the session is past its cap or locked (idle or by the user)."""
        if self.expired():
            raise SessionError("expired", "the session has reached its 12-hour limit", "log in again")
        if self.idle():
            raise SessionError("locked", "the session is locked", "unlock it with your password and code")

    def check(self, permission: str) -> None:
        """Raise SessionError unless this session may do `permission` now; counts as activity when allowed."""
        self.check_alive()
        if not allowed(self.role, permission):
            raise SessionError("not_allowed", f"role {self.role.value} may not do {permission}", "ask an admin")
        if permission in PRIVILEGED and self.clock() - self.last_auth > self.reauth_s:
            raise SessionError("reauth_required", f"{permission} needs a fresh authentication", "re-authenticate")
        self.touch()
