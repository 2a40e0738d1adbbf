"""Fixtures for store tests: a provisioned station (keys generated here) and a central key set."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_kit import CentralKeys, Provisioned

from station.crypto.keys import generate_ec_key, generate_rsa_key
from station.crypto.provision import (
    central_descriptor,
    import_central,
    init_station,
    load_identity,
)
from station.crypto.tls import cert_pem, make_ca


@pytest.fixture(scope="session")
def central_keys() -> CentralKeys:
    ca_key = generate_ec_key()
    return CentralKeys(generate_rsa_key(), generate_ec_key(), cert_pem(make_ca(ca_key, "Test Central CA")))


@pytest.fixture
def provisioned(tmp_path: Path, central_keys: CentralKeys) -> Provisioned:
    state = tmp_path / "state"
    init_station(state, "ST-TEST-01")
    descriptor = central_descriptor(
        "https://127.0.0.1:1",
        central_keys.encryption.public_key(),
        central_keys.signing.public_key(),
        central_keys.ca_pem,
    )
    import json

    central = import_central(state, json.dumps(descriptor).encode())
    return Provisioned(state, load_identity(state), central)
