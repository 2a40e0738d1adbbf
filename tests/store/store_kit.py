"""Types shared by the store tests (fixtures live in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from station.crypto.provision import CentralInfo, StationIdentity


@dataclass(frozen=True)
class CentralKeys:
    encryption: rsa.RSAPrivateKey
    signing: ec.EllipticCurvePrivateKey
    ca_pem: bytes


@dataclass(frozen=True)
class Provisioned:
    state_dir: Path
    identity: StationIdentity
    central: CentralInfo
