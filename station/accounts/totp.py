"""Time-based one-time passwords, RFC 6238 (HOTP of RFC 4226 over 30-second steps).

Secrets are random 20-byte keys, shown to the user base32-encoded and as an `otpauth://` URI for authenticator apps.
Verification accepts the current step and one step either side (clock drift) and returns the matched step, so
the caller can refuse a code whose step was already used (replay resistance, CJIS IA-2(8)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
from urllib.parse import quote

STEP_SECONDS = 30
DIGITS = 6
_ALGORITHMS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}


def new_secret() -> str:
    return base64.b32encode(os.urandom(20)).decode().rstrip("=")


def _key(secret_b32: str) -> bytes:
    padded = secret_b32.upper() + "=" * (-len(secret_b32) % 8)
    return base64.b32decode(padded)


def hotp(key: bytes, counter: int, digits: int = DIGITS, algorithm: str = "SHA1") -> str:
    """RFC 4226 HOTP value for `counter` (dynamic truncation of an HMAC)."""
    mac = hmac.new(key, struct.pack(">Q", counter), _ALGORITHMS[algorithm]).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % (10**digits)
    return str(code).zfill(digits)


def totp_at(key: bytes, unix_time: float, digits: int = DIGITS, algorithm: str = "SHA1") -> str:
    return hotp(key, int(unix_time // STEP_SECONDS), digits, algorithm)


def code_for(secret_b32: str, unix_time: float) -> str:
    """The 6-digit code an authenticator app would show at `unix_time` for this base32 secret."""
    return totp_at(_key(secret_b32), unix_time)


def verify(secret_b32: str, code: str, unix_time: float, *, after_step: int = -1, window: int = 1) -> int | None:
    """The time step `code` belongs to (within +-window steps and later than `after_step`), or None."""
    if not (isinstance(code, str) and len(code) == DIGITS and code.isdigit()):
        return None
    key = _key(secret_b32)
    now_step = int(unix_time // STEP_SECONDS)
    for step in range(now_step - window, now_step + window + 1):
        if step > after_step and hmac.compare_digest(hotp(key, step), code):
            return step
    return None


def provisioning_uri(secret_b32: str, username: str, issuer: str = "BookingStation") -> str:
    label = quote(f"{issuer}:{username}")
    return f"otpauth://totp/{label}?secret={secret_b32}&issuer={quote(issuer)}&digits={DIGITS}&period={STEP_SECONDS}"
