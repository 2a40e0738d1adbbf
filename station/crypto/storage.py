"""Working data at rest: per-booking AES-256-GCM keys wrapped (AES key wrap) by the station's storage key.

Destroying a booking's wrapped key makes every blob of that booking unreadable (crypto-shredding). The storage key
itself lives in a 0600 file beside the station's other keys, sealed under the master key (`station.crypto.sealing`);
re-wrapping under a new storage key is `rewrap`.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from station.crypto import CryptoError
from station.crypto.keys import load_secret, save_secret

KEY_BYTES = 32
NONCE_BYTES = 12


class StorageKey:
    """The station's key-encryption key for working data."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise CryptoError("storage key must be 32 bytes", "re-provision the station")
        self._key = key

    @classmethod
    def generate(cls) -> StorageKey:
        return cls(os.urandom(KEY_BYTES))

    @classmethod
    def load(cls, path: Path) -> StorageKey:
        return cls(load_secret(Path(path), size=KEY_BYTES))

    def save(self, path: Path, *, overwrite: bool = False) -> None:
        save_secret(path, self._key, overwrite=overwrite)

    def new_booking_key(self) -> tuple[bytes, bytes]:
        """A fresh per-booking key and its wrapped form (store only the wrapped form)."""
        key = AESGCM.generate_key(bit_length=256)
        return key, aes_key_wrap(self._key, key)

    def unwrap(self, wrapped: bytes) -> bytes:
        try:
            return aes_key_unwrap(self._key, wrapped)
        except InvalidUnwrap:
            raise CryptoError(
                "a booking key does not unwrap with this storage key",
                "the database belongs to another station or the key was rotated wrongly",
            ) from None

    def rewrap(self, wrapped: bytes, new: StorageKey) -> bytes:
        return aes_key_wrap(new._key, self.unwrap(wrapped))


def encrypt_blob(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """nonce | AES-256-GCM(plaintext) bound to `aad` (booking id, kind, position)."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt_blob(key: bytes, blob: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError):
        raise CryptoError("working data fails its integrity check", "the stored item was altered or moved") from None
