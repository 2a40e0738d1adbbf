"""Sealed envelopes, signed documents, key files and provisioning."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from store_kit import CentralKeys, Provisioned

from station.crypto import CryptoError
from station.crypto.documents import sign_document, verify_document
from station.crypto.envelope import WRAP_ECDH, WRAP_RSA, open_sealed, parse, seal, verify
from station.crypto.keys import generate_ec_key, load_private_key
from station.crypto.provision import KeyPaths, init_station, load_identity, rotate_identity

PAYLOAD = b"1.001:...ANSI/NIST bytes..." * 100


@pytest.mark.parametrize("recipient", ["rsa", "ec"])
def test_seal_opens_only_with_the_central_key(recipient: str, central_keys: CentralKeys) -> None:
    central = central_keys.encryption if recipient == "rsa" else generate_ec_key()
    station = generate_ec_key()
    blob = seal(PAYLOAD, recipient=central.public_key(), signer=station, metadata={"tcn": "T1", "pry": 4})
    envelope = parse(blob)
    assert envelope.header["kw"] == (WRAP_RSA if recipient == "rsa" else WRAP_ECDH)
    assert envelope.header["tcn"] == "T1" and PAYLOAD[:40] not in blob
    verify(envelope, station.public_key())
    assert open_sealed(envelope, central) == PAYLOAD
    # The station's own key opens nothing, and neither does another central's.
    for wrong in (station, generate_ec_key()):
        with pytest.raises(CryptoError):
            open_sealed(envelope, wrong)


def test_tampering_anywhere_is_detected(central_keys: CentralKeys) -> None:
    station = generate_ec_key()
    blob = seal(PAYLOAD, recipient=central_keys.encryption.public_key(), signer=station, metadata={"tcn": "T1"})
    header_end = 8 + int.from_bytes(blob[4:8], "big")
    for position in (header_end - 3, header_end + 100, len(blob) - 5):
        tampered = bytearray(blob)
        tampered[position] ^= 0x01
        with pytest.raises(CryptoError):
            envelope = parse(bytes(tampered))
            verify(envelope, station.public_key())
    # A header edited and re-signed by someone else fails the station's signature.
    forged = seal(
        PAYLOAD, recipient=central_keys.encryption.public_key(), signer=generate_ec_key(), metadata={"tcn": "T1"}
    )
    with pytest.raises(CryptoError, match="signature"):
        verify(parse(forged), station.public_key())
    with pytest.raises(CryptoError, match="magic"):
        parse(b"garbage")
    with pytest.raises(CryptoError, match="truncated"):
        parse(blob[: header_end + 10])


def test_signed_documents_verify_and_reject_edits() -> None:
    key = generate_ec_key()
    document = sign_document({"type": "receipt", "tcn": "T1"}, key)
    assert verify_document(json.loads(json.dumps(document)), key.public_key(), kind="receipt")["tcn"] == "T1"
    with pytest.raises(CryptoError, match="receipt signature"):
        verify_document({**document, "tcn": "T2"}, key.public_key(), kind="receipt")
    with pytest.raises(CryptoError, match="answer signature"):
        verify_document(document, generate_ec_key().public_key(), kind="answer")
    with pytest.raises(CryptoError, match="not a signed document"):
        verify_document({"tcn": "T1"}, key.public_key(), kind="answer")


def test_provisioning_writes_private_keys_0600_and_refuses_to_overwrite(tmp_path: Path) -> None:
    paths = init_station(tmp_path, "ST-9", csr=True)
    for private in (paths.station_key, paths.storage_key):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert paths.station_csr.read_bytes().startswith(b"-----BEGIN CERTIFICATE REQUEST-----")
    assert load_identity(tmp_path).station_id == "ST-9"
    with pytest.raises(CryptoError, match="already provisioned"):
        init_station(tmp_path, "ST-9")
    paths.station_key.chmod(0o644)
    with pytest.raises(CryptoError, match="chmod 600"):
        load_private_key(paths.station_key)


def test_rotation_keeps_the_previous_identity_and_issues_a_new_one(provisioned: Provisioned) -> None:
    before = load_identity(provisioned.state_dir)
    rotate_identity(provisioned.state_dir)
    after = load_identity(provisioned.state_dir)
    paths = KeyPaths(provisioned.state_dir)
    assert after.station_id == before.station_id
    assert after.key.private_numbers() != before.key.private_numbers()
    previous = load_private_key(paths.keys / "station.key.previous")
    assert previous.private_numbers() == before.key.private_numbers()
    assert stat.S_IMODE((paths.keys / "station.key.previous").stat().st_mode) == 0o600
