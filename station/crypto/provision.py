"""The station's key material on disk and its life cycle: init, import of the central, rotation.

    <state>/keys/station.key     ECDSA P-384 private key (0600): TLS client identity and envelope signatures
    <state>/keys/station.crt     self-signed certificate (or the agency-issued one installed later)
    <state>/keys/station.csr     certificate request for an agency CA (with --csr)
    <state>/keys/storage.key     256-bit key wrapping the per-booking working-data keys (0600)
    <state>/keys/central.json    the central's descriptor: URL, encryption key, receipt-signing key, CA

Rotation keeps the previous identity as station.key.previous / station.crt.previous so that envelopes signed before
the switch still verify at the central, which keeps every certificate it enrolled for a station.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from station.crypto import CryptoError
from station.crypto.keys import (
    generate_ec_key,
    key_id,
    load_private_key,
    load_public_key,
    public_key_pem,
    save_private_key,
    write_public_file,
    write_secret_file,
)
from station.crypto.storage import StorageKey
from station.crypto.tls import cert_pem, certificate_request, load_cert, self_signed_client_cert, station_id_of
from station.private_files import private_dir

DESCRIPTOR_VERSION = 1


@dataclass(frozen=True)
class KeyPaths:
    state_dir: Path

    @property
    def keys(self) -> Path:
        return self.state_dir / "keys"

    @property
    def station_key(self) -> Path:
        return self.keys / "station.key"

    @property
    def station_cert(self) -> Path:
        return self.keys / "station.crt"

    @property
    def station_csr(self) -> Path:
        return self.keys / "station.csr"

    @property
    def storage_key(self) -> Path:
        return self.keys / "storage.key"

    @property
    def central(self) -> Path:
        return self.keys / "central.json"

    @property
    def central_ca(self) -> Path:
        return self.keys / "central-ca.pem"


@dataclass(frozen=True)
class CentralInfo:
    """What the station knows of its central: where it is and which keys to trust."""

    url: str
    encryption_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey
    signing_key: ec.EllipticCurvePublicKey
    ca_pem: bytes


@dataclass(frozen=True)
class StationIdentity:
    station_id: str
    key: ec.EllipticCurvePrivateKey
    cert_file: Path
    key_file: Path


def init_station(state_dir: Path, station_id: str, *, csr: bool = False) -> KeyPaths:
    """Create the station's key pair, its self-signed certificate (and a CSR if asked) and its storage key."""
    paths = KeyPaths(Path(state_dir))
    if paths.station_key.exists():
        raise CryptoError(f"station already provisioned ({paths.station_key})", "use 'station provision rotate'")
    private_dir(paths.keys)
    key = generate_ec_key()
    save_private_key(paths.station_key, key)
    write_public_file(paths.station_cert, cert_pem(self_signed_client_cert(key, station_id)))
    if csr:
        write_public_file(
            paths.station_csr, certificate_request(key, station_id).public_bytes(serialization.Encoding.PEM)
        )
    if not paths.storage_key.exists():
        StorageKey.generate().save(paths.storage_key)
    return paths


def rotate_identity(state_dir: Path) -> KeyPaths:
    """Replace the station's key pair and certificate, keeping the previous pair beside them (`.previous`)."""
    paths = KeyPaths(Path(state_dir))
    identity = load_identity(state_dir)
    key = generate_ec_key()
    previous_key = paths.station_key.with_name("station.key.previous")
    write_secret_file(previous_key, paths.station_key.read_bytes(), overwrite=True)
    write_public_file(paths.station_cert.with_name("station.crt.previous"), paths.station_cert.read_bytes())
    save_private_key(paths.station_key, key, overwrite=True)
    write_public_file(paths.station_cert, cert_pem(self_signed_client_cert(key, identity.station_id)))
    return paths


def load_identity(state_dir: Path) -> StationIdentity:
    paths = KeyPaths(Path(state_dir))
    key = load_private_key(paths.station_key)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise CryptoError("the station key is not an EC key", "re-provision the station")
    if not paths.station_cert.exists():
        raise CryptoError(f"station certificate {paths.station_cert} missing", "run 'station provision init'")
    cert = load_cert(paths.station_cert.read_bytes())
    if key_id(cert.public_key()) != key_id(key.public_key()):
        raise CryptoError("station.crt does not belong to station.key", "install the certificate issued for this key")
    return StationIdentity(station_id_of(cert), key, paths.station_cert, paths.station_key)


def central_descriptor(url: str, encryption_key: Any, signing_key: Any, ca_pem: bytes) -> dict[str, Any]:
    return {
        "version": DESCRIPTOR_VERSION,
        "url": url,
        "encryption_key": public_key_pem(encryption_key).decode(),
        "signing_key": public_key_pem(signing_key).decode(),
        "ca": ca_pem.decode(),
    }


def parse_central_descriptor(data: bytes) -> CentralInfo:
    try:
        doc = json.loads(data)
        if doc.get("version") != DESCRIPTOR_VERSION:
            raise ValueError(f"version {doc.get('version')!r}, expected {DESCRIPTOR_VERSION}")
        encryption = load_public_key(doc["encryption_key"])
        signing = load_public_key(doc["signing_key"])
        ca_pem = doc["ca"].encode()
        load_cert(ca_pem)
        url = str(doc["url"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CryptoError(
            f"not a central descriptor: {exc}", "pass the central.json written by 'station central init'"
        ) from exc
    if not isinstance(signing, ec.EllipticCurvePublicKey) or not isinstance(
        encryption, ec.EllipticCurvePublicKey | rsa.RSAPublicKey
    ):
        raise CryptoError("central keys of an unsupported type", "the central needs P-384 (or RSA-3072) keys")
    return CentralInfo(url, encryption, signing, ca_pem)


def import_central(state_dir: Path, descriptor: bytes, url: str | None = None) -> CentralInfo:
    """Check and install the central's descriptor (optionally overriding its URL)."""
    info = parse_central_descriptor(descriptor)
    doc = json.loads(descriptor)
    if url:
        doc["url"] = url
    paths = KeyPaths(Path(state_dir))
    private_dir(paths.keys)
    write_public_file(paths.central, json.dumps(doc, indent=2).encode())
    write_public_file(paths.central_ca, info.ca_pem)
    return load_central(state_dir)


def load_central(state_dir: Path) -> CentralInfo:
    paths = KeyPaths(Path(state_dir))
    if not paths.central.exists():
        raise CryptoError("the central is not imported yet", "run 'station provision import-central central.json'")
    return parse_central_descriptor(paths.central.read_bytes())
