"""Password policy and storage (CJIS IA-5(1)): >= 8 characters, a banned list, a salted memory-hard KDF.

Hashes use scrypt (RFC 7914) from `cryptography` with N = 2**15, r = 8, p = 1 (32 MiB of memory per attempt, about
0.1 s on a desk PC), a 16-byte random salt and a 32-byte output, stored as
`scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>` so that the cost can be raised later without breaking old hashes.
"""

from __future__ import annotations

import base64
import hmac
import os
import secrets
from functools import cache, lru_cache
from importlib import resources

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from station.errors import InputError

MIN_LENGTH = 8
MAX_LENGTH = 256
LOG2_N, R, P, SALT_BYTES, HASH_BYTES = 15, 8, 1, 16, 32


class WeakPasswordError(InputError):
    """A password that the policy refuses."""


@lru_cache(maxsize=1)
def banned_passwords() -> frozenset[str]:
    text = resources.files("station.accounts").joinpath("banned_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def check_policy(password: str, username: str = "") -> None:
    """Raise WeakPasswordError saying why, or return. No composition rules: long passphrases are welcome."""
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError(f"password has {len(password)} characters", f"use at least {MIN_LENGTH}")
    if len(password) > MAX_LENGTH:
        raise WeakPasswordError("password is too long", f"use at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if lowered in banned_passwords():
        raise WeakPasswordError("password is on the list of common passwords", "choose a less guessable passphrase")
    if len(set(lowered)) <= 2:
        raise WeakPasswordError("password repeats one or two characters", "choose a less guessable passphrase")
    if username and username.lower() in lowered:
        raise WeakPasswordError("password contains the user name", "choose a password without the user name")
    sequences = ("abcdefghijklmnopqrstuvwxyz0123456789", "0123456789" * 3, "9876543210" * 3, "qwertyuiopasdfghjkl")
    if any(lowered in sequence for sequence in sequences):
        raise WeakPasswordError("password is a keyboard or alphabet sequence", "choose a less guessable passphrase")


def _kdf(salt: bytes, log2_n: int, r: int, p: int) -> Scrypt:
    return Scrypt(salt=salt, length=HASH_BYTES, n=1 << log2_n, r=r, p=p)


def hash_password(password: str, *, log2_n: int = LOG2_N) -> str:
    salt = os.urandom(SALT_BYTES)
    digest = _kdf(salt, log2_n, R, P).derive(password.encode())
    b64 = base64.b64encode
    return f"scrypt${log2_n}${R}${P}${b64(salt).decode()}${b64(digest).decode()}"


@cache
def decoy_hash(log2_n: int = LOG2_N) -> str:
    """A hash of no one's password at this cost, made once: checking a password against it for an unknown user name
    costs one key derivation, as for a real user, so timing does not tell which names exist."""
    return hash_password(secrets.token_urlsafe(16), log2_n=log2_n)


def decoy_like(stored: str) -> str:
    """A decoy hash at the cost `stored` was made with (the default cost if it cannot be read): refusing an account
    without checking its password then takes as long as checking it."""
    try:
        return decoy_hash(int(stored.split("$")[1]))
    except (IndexError, ValueError):
        return decoy_hash()


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches `stored`; a malformed stored hash never matches."""
    try:
        scheme, log2_n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _kdf(base64.b64decode(salt), int(log2_n), int(r), int(p)).derive(password.encode())
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)
