"""Key generation and key files: private keys are written 0600 atomically, sealed under the master key
(`station.crypto.sealing`: encrypted PKCS#8 PEM, or a sealed blob for symmetric keys), and never overwritten silently.

A key file written by an older version in the clear is still read, and sealed in place when it is.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

from station.crypto import CryptoError
from station.crypto.sealing import is_sealed, master_key
from station.private_files import private_dir

PRIVATE_MODE = 0o600
SECRET_PURPOSE = "key-file"
RAW_KEY_BYTES = 32


def generate_ec_key() -> ec.EllipticCurvePrivateKey:
    """A fresh ECDSA/ECDH key on NIST P-384."""
    return ec.generate_private_key(ec.SECP384R1())


def generate_rsa_key(bits: int = 3072) -> rsa.RSAPrivateKey:
    """A fresh RSA key (3072 bits by default, the floor for RSA-OAEP key transport here)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def private_key_pem(key: PrivateKeyTypes) -> bytes:
    """Encrypted PKCS#8 PEM under the master key's PEM password."""
    encryption = serialization.BestAvailableEncryption(master_key().pem_password())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def public_key_pem(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(key: PublicKeyTypes) -> str:
    """A short stable identifier of a public key: the first 16 hex digits of SHA-256 over its SPKI DER."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()[:16]


def write_secret_file(path: Path, data: bytes, *, overwrite: bool = False) -> None:
    """Write `data` to `path` with mode 0600, atomically (temp file + fsync + rename)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise CryptoError(f"{path} already exists", "move it away or use the rotate command")
    _write_atomically(path, data, PRIVATE_MODE)


def write_public_file(path: Path, data: bytes) -> None:
    """Write `data` to `path`, atomically: a power cut leaves the old file or the new, never an empty one. Public
    does not mean shared: it lives among the station's state, which is private (0600) like everything there."""
    _write_atomically(Path(path), data, PRIVATE_MODE)


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    """Temp file (mode forced, whatever the umask), fsync, rename."""
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def save_private_key(path: Path, key: PrivateKeyTypes, *, overwrite: bool = False) -> None:
    write_secret_file(path, private_key_pem(key), overwrite=overwrite)


def _read_secret_file(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode & 0o777
        data = path.read_bytes()
    except FileNotFoundError:
        raise CryptoError(f"key file {path} not found", "run 'station provision init' first") from None
    if mode & 0o077:
        raise CryptoError(f"key file {path} is readable by others (mode {mode:o})", f"chmod 600 {path}")
    return data


def load_private_key(path: Path) -> PrivateKeyTypes:
    path = Path(path)
    data = _read_secret_file(path)
    sealed = b"ENCRYPTED PRIVATE KEY" in data
    try:
        key = serialization.load_pem_private_key(data, password=master_key().pem_password() if sealed else None)
    except (ValueError, TypeError) as exc:
        hint = "it belongs to another master key: restore the station's (docs/operations.md)" if sealed else ""
        raise CryptoError(f"{path} is not a private key this station can open: {exc}", hint or "re-provision") from exc
    if not sealed:  # written in the clear by an older version: seal it now
        save_private_key(path, key, overwrite=True)
    return key


def save_secret(path: Path, secret: bytes, *, overwrite: bool = False) -> None:
    """A symmetric key (or any small secret) to a 0600 file, sealed under the master key."""
    write_secret_file(path, master_key().seal(secret, SECRET_PURPOSE), overwrite=overwrite)


def load_secret(path: Path, *, size: int) -> bytes:
    """What `save_secret` wrote; a raw `size`-byte key of an older version is accepted and sealed in place."""
    path = Path(path)
    data = _read_secret_file(path)
    if is_sealed(data):
        return master_key().open(data, SECRET_PURPOSE, what=f"the key file {path}")
    if len(data) != size:
        raise CryptoError(f"{path} is not a {size * 8}-bit key", "restore the station's key files")
    save_secret(path, data, overwrite=True)
    return data


def seal_key_files(folder: Path) -> list[Path]:
    """Migration: seal every key file an older version left in the clear under `folder` (PEM private keys and raw
    256-bit keys named `*.key`, `*.key.*`). Returns the files sealed; sealed files are left as they are."""
    sealed = []
    for path in sorted(Path(folder).rglob("*.key*")):
        if not path.is_file() or path.is_symlink() or path.name.startswith("."):
            continue
        data = _read_secret_file(path)
        if b"PRIVATE KEY-----" in data and b"ENCRYPTED PRIVATE KEY" not in data:
            load_private_key(path)
        elif len(data) == RAW_KEY_BYTES and not is_sealed(data):
            load_secret(path, size=RAW_KEY_BYTES)
        else:
            continue
        sealed.append(path)
    return sealed


def load_public_key(data: bytes | str) -> PublicKeyTypes:
    raw = data.encode() if isinstance(data, str) else data
    try:
        return serialization.load_pem_public_key(raw)
    except ValueError as exc:
        raise CryptoError(f"not a PEM public key: {exc}", "pass the PEM file exported by the central") from exc
