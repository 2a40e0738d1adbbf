"""Local accounts for the station: roles, password and TOTP login, lockout, expiry, sessions (CJIS AC-2/7/11, IA-2/5).

passwords  scrypt hashing and the password policy (length, banned list)
totp       RFC 6238 one-time codes
db         the accounts database (SQLite, versioned schema)
service    AccountService: create, authenticate, lock/unlock, expire
sessions   a logged-in session: idle lock, re-authentication, session cap
"""

from station.accounts.roles import PERMISSIONS, Role

__all__ = ["PERMISSIONS", "Role"]
