"""The central's key material: a CA and TLS server certificate, the envelope decryption key, the receipt/answer
signing key, and the descriptor stations import (`central.json`).

    <data>/keys/ca.key, ca.crt            CA that issues the server certificate (stations pin it)
    <data>/keys/server.key, server.crt    TLS server identity for the names/addresses given
    <data>/keys/encryption.key            RSA-3072 (default) or P-384: opens envelopes
    <data>/keys/signing.key               ECDSA P-384: signs receipts and answers
    <data>/central.json                   what a station imports with 'station provision import-central'
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from station.crypto import CryptoError
from station.crypto.keys import generate_ec_key, generate_rsa_key, load_private_key, save_private_key, write_public_file
from station.crypto.provision import central_descriptor
from station.crypto.tls import cert_pem, issue_server_cert, make_ca
from station.private_files import private_dir


@dataclass(frozen=True)
class CentralKeys:
    data_dir: Path
    encryption: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    signing: ec.EllipticCurvePrivateKey

    @property
    def server_cert(self) -> Path:
        return self.data_dir / "keys" / "server.crt"

    @property
    def server_key(self) -> Path:
        return self.data_dir / "keys" / "server.key"


def init_central(data_dir: Path, *, hosts: list[str], url: str, encryption: str = "rsa") -> Path:
    """Create every key and the descriptor; returns the descriptor's path. Refuses to overwrite."""
    keys = Path(data_dir) / "keys"
    if (keys / "signing.key").exists():
        raise CryptoError(f"central already initialised in {data_dir}", "use another --data directory")
    private_dir(keys)
    ca_key, server_key, signing_key = generate_ec_key(), generate_ec_key(), generate_ec_key()
    encryption_key = generate_rsa_key() if encryption == "rsa" else generate_ec_key()
    ca = make_ca(ca_key, "Reference Central CA")
    save_private_key(keys / "ca.key", ca_key)
    write_public_file(keys / "ca.crt", cert_pem(ca))
    save_private_key(keys / "server.key", server_key)
    write_public_file(keys / "server.crt", cert_pem(issue_server_cert(ca_key, ca, server_key.public_key(), hosts)))
    save_private_key(keys / "encryption.key", encryption_key)
    save_private_key(keys / "signing.key", signing_key)
    descriptor = central_descriptor(url, encryption_key.public_key(), signing_key.public_key(), cert_pem(ca))
    path = Path(data_dir) / "central.json"
    write_public_file(path, json.dumps(descriptor, indent=2).encode())
    return path


def load_central_keys(data_dir: Path) -> CentralKeys:
    keys = Path(data_dir) / "keys"
    encryption = load_private_key(keys / "encryption.key")
    signing = load_private_key(keys / "signing.key")
    if not isinstance(signing, ec.EllipticCurvePrivateKey) or not isinstance(
        encryption, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    ):
        raise CryptoError(f"unexpected key types in {keys}", "re-initialise the central")
    return CentralKeys(Path(data_dir), encryption, signing)
