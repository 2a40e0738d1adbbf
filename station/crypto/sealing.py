"""The station's master key: what seals its secrets at rest, and where it comes from (never from the state folder).

Sealed with it: every private key file (encrypted PKCS#8 PEM, which OpenSSL opens for TLS with the password derived
here), the storage key and other symmetric key files, the TOTP seeds in the accounts database, the demo's account
list. Someone with a copy of the state folder alone therefore holds ciphertext. Each use gets its own key, derived
with HKDF-SHA-256 from the master key and a purpose; a sealed value is bound to its purpose and to its place (the
associated data, e.g. the user name of a TOTP seed), so it cannot be moved to another row or file.

Where the master key comes from, first found wins:

1. the systemd credential `station-master-key` (`$CREDENTIALS_DIRECTORY/station-master-key`): on the appliance the
   unit's `LoadCredentialEncrypted=` decrypts it at start with the TPM2 and/or the host key (systemd-creds);
2. `$STATION_MASTER_KEY_FILE`: a file of 32 random bytes, mode 0600;
3. `$XDG_CONFIG_HOME/booking-station/master.key` (default `~/.config/...`), made 0600 on first use: for the demo and
   development, outside every state folder.

The daemon refuses a master key file inside its state folder (`require_outside`). Recovery: docs/operations.md.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from station.crypto import CryptoError
from station.private_files import private_dir

CREDENTIAL_NAME = "station-master-key"
KEY_FILE_VARIABLE = "STATION_MASTER_KEY_FILE"
KEY_BYTES = 32
MAGIC = b"BSS1"
NONCE_BYTES = 12
PEM_PURPOSE = "private-key"
_INFO = b"booking-station sealing v1:"


@dataclass(frozen=True)
class MasterKey:
    """The master key and where it was read (for messages and the state-folder check)."""

    secret: bytes = field(repr=False)
    source: Path

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise CryptoError(
                f"the master key in {self.source} has {len(self.secret)} bytes, not {KEY_BYTES}",
                "restore the station's master key (docs/operations.md, recovery)",
            )

    @property
    def key_id(self) -> str:
        """Names the key in messages without giving anything away."""
        return hashlib.sha256(self._derive("id")).hexdigest()[:12]

    def _derive(self, purpose: str) -> bytes:
        return HKDF(hashes.SHA256(), KEY_BYTES, salt=None, info=_INFO + purpose.encode()).derive(self.secret)

    def seal(self, plaintext: bytes, purpose: str, place: bytes = b"") -> bytes:
        """MAGIC | nonce | AES-256-GCM(plaintext), bound to `purpose` and `place`."""
        nonce = os.urandom(NONCE_BYTES)
        return MAGIC + nonce + AESGCM(self._derive(purpose)).encrypt(nonce, plaintext, MAGIC + place)

    def open(self, sealed: bytes, purpose: str, place: bytes = b"", *, what: str = "a sealed secret") -> bytes:
        if not is_sealed(sealed):
            raise CryptoError(f"{what} is not sealed", "it was written by another program; restore it")
        nonce, body = sealed[len(MAGIC) : len(MAGIC) + NONCE_BYTES], sealed[len(MAGIC) + NONCE_BYTES :]
        try:
            return AESGCM(self._derive(purpose)).decrypt(nonce, body, MAGIC + place)
        except InvalidTag:
            raise CryptoError(
                f"{what} does not open with the master key {self.key_id} (from {self.source})",
                "it belongs to another station or was altered; restore the station's master key (docs/operations.md)",
            ) from None

    def pem_password(self) -> bytes:
        """The password of the station's encrypted PEM key files (also handed to OpenSSL for TLS)."""
        return base64.b64encode(self._derive(PEM_PURPOSE))

    def require_outside(self, folder: Path) -> None:
        """Refuse a master key kept inside `folder` (a key beside what it protects protects nothing)."""
        if self.source.resolve().is_relative_to(Path(folder).resolve()):
            raise CryptoError(
                f"the master key {self.source} is inside the state folder {folder}",
                f"move it out and point {KEY_FILE_VARIABLE} at it, or install the systemd credential",
            )


def is_sealed(data: bytes) -> bool:
    return data.startswith(MAGIC) and len(data) >= len(MAGIC) + NONCE_BYTES + 16


def default_key_file() -> Path:
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "booking-station" / "master.key"


_loaded: dict[Path, MasterKey] = {}


def master_key() -> MasterKey:
    """The master key from the first source present (see the module doc); the user's own file is made if none is."""
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials and (Path(credentials) / CREDENTIAL_NAME).is_file():
        return _read(Path(credentials) / CREDENTIAL_NAME)
    configured = os.environ.get(KEY_FILE_VARIABLE)
    if configured:
        return _read(Path(configured))
    path = default_key_file()
    if not path.exists():
        _create(path)
    return _read(path)


def _read(path: Path) -> MasterKey:
    if path in _loaded:
        return _loaded[path]
    try:
        mode = path.stat().st_mode & 0o777
        secret = path.read_bytes()
    except OSError as exc:
        raise CryptoError(
            f"cannot read the master key {path}: {exc.strerror}",
            "install the station's credential (systemd/install.sh) or restore the key file (docs/operations.md)",
        ) from exc
    if mode & 0o077 and not path.is_relative_to(os.environ.get("CREDENTIALS_DIRECTORY") or "/nonexistent"):
        raise CryptoError(f"the master key {path} is readable by others (mode {mode:o})", f"chmod 600 {path}")
    key = MasterKey(secret, path)
    _loaded[path] = key
    return key


def _create(path: Path) -> None:
    """Write a new key whole, then link it into place (a process racing us keeps whichever key landed first)."""
    try:
        private_dir(path.parent)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, os.urandom(KEY_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    except OSError as exc:
        raise CryptoError(
            f"there is no master key and {path} cannot be made: {exc.strerror}",
            f"install the station's credential (systemd/install.sh) or set {KEY_FILE_VARIABLE}",
        ) from exc
