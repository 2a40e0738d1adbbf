"""A station's certificate is an end-entity certificate: it can prove the station, not vouch for anyone else.

The certificates here are made by the tests: the station's by `station provision`, a forged child signed with the
station's own key as an attacker holding that key (or a copy of the disk) would make it, and an old station's CA-style
certificate as the first version of the station issued them.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sync_kit import Pair

from station.crypto import CryptoError
from station.crypto.keys import save_private_key
from station.crypto.provision import KeyPaths, init_station, load_identity, rotate_identity
from station.crypto.tls import cert_pem, certificate_request, load_cert
from sync.central.state import CentralState


def extensions(cert: x509.Certificate | x509.CertificateSigningRequest) -> dict[type, x509.ExtensionType]:
    return {type(e.value): e.value for e in cert.extensions}


def test_the_station_certificate_and_request_are_end_entity_for_client_authentication(tmp_path: Path) -> None:
    init_station(tmp_path, "ST01")
    identity = load_identity(tmp_path)
    for document in (
        load_cert(KeyPaths(tmp_path).station_cert.read_bytes()),
        certificate_request(identity.key, "ST01"),
    ):
        found = extensions(document)
        assert found[x509.BasicConstraints].ca is False
        usage = found[x509.KeyUsage]
        assert usage.digital_signature and not usage.key_cert_sign and not usage.crl_sign
        assert list(found[x509.ExtendedKeyUsage]) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def forged_child(station_dir: Path, common_name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A certificate for someone else, signed with the station's key and naming the station as its issuer."""
    identity = load_identity(station_dir)
    issuer = load_cert(identity.cert_file.read_bytes())
    key = ec.generate_private_key(ec.SECP384R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(identity.key, hashes.SHA384())
    )
    return cert, key


def handshake(pair: Pair, chain: list[x509.Certificate], key: ec.EllipticCurvePrivateKey, tmp_path: Path) -> str:
    """TLS to the central with `chain` as the client's certificates, then one request: what came back."""
    (tmp_path / "chain.pem").write_bytes(b"".join(cert_pem(c) for c in chain))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "chain.key").write_bytes(pem)
    context = ssl.create_default_context(cadata=pair.info.ca_pem.decode())
    context.load_cert_chain(tmp_path / "chain.pem", tmp_path / "chain.key")
    host, port = pair.central.server.server_address[:2]
    try:
        with (
            socket.create_connection((host, port), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
        ):
            tls.sendall(b"GET /v1/answers HTTP/1.1\r\nHost: central\r\nX-Station-Protocol: 1\r\n\r\n")
            return tls.recv(200).decode(errors="replace") or "closed"
    except (ssl.SSLError, OSError) as exc:
        return f"refused: {exc}"


def rejection_reasons(pair: Pair, needle: str, timeout: float = 10.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        reasons = [r["reason"] for r in pair.central_state().rows("SELECT reason FROM rejections")]
        if any(needle in r for r in reasons) or time.monotonic() > deadline:
            return reasons
        time.sleep(0.05)


def test_the_central_refuses_a_chain_through_a_station_certificate_at_the_handshake(pair: Pair, tmp_path: Path) -> None:
    forged, key = forged_child(pair.state_dir, "ST99-FORGED")
    station_cert = load_cert(pair.identity.cert_file.read_bytes())
    answer = handshake(pair, [forged, station_cert], key, tmp_path)
    assert answer.startswith("refused") or answer == "closed", answer  # not even an HTTP 403: no TLS session
    assert any("invalid CA certificate" in r for r in rejection_reasons(pair, "invalid CA certificate"))


def old_ca_style_certificate(station_dir: Path, station_id: str) -> bytes:
    """What the first version wrote as station.crt: self-signed, CA:TRUE pathlen 0, keyCertSign."""
    key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, station_id)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, False, False, False), critical=True)
        .sign(key, hashes.SHA384())
    )
    keys = KeyPaths(station_dir)
    save_private_key(keys.station_key, key)
    keys.station_cert.write_bytes(cert_pem(cert))
    return cert_pem(cert)


def test_an_old_ca_style_station_certificate_is_refused_until_rotated(tmp_path: Path, central_template: Path) -> None:
    station = tmp_path / "station"
    old = old_ca_style_certificate(station, "ST02")
    central = CentralState(central_template.parent / "certs-central")
    try:
        with pytest.raises(CryptoError, match="rotate"):
            central.enrol_station(old)
        rotate_identity(station)  # `station provision rotate`: a new key pair and an end-entity certificate
        renewed = KeyPaths(station).station_cert.read_bytes()
        assert extensions(load_cert(renewed))[x509.BasicConstraints].ca is False
        assert central.enrol_station(renewed) == "ST02"
    finally:
        central.close()
