"""Station cryptography: key files, sealed submission envelopes, per-booking storage keys, TLS identities.

Only FIPS-approved algorithms are used: AES-256-GCM, AES key wrap (SP 800-38F), RSA-OAEP-3072 with SHA-256,
ECDH P-384 with HKDF-SHA-384, ECDSA P-384 with SHA-384, SHA-256/384.
"""

from station.errors import StationError


class CryptoError(StationError):
    """A key is missing or wrong, or data failed an integrity or signature check."""
