"""X.509 identities for mutual TLS: self-signed end-entity station certificates, CSRs, a small CA for the reference
central, and TLS contexts pinned to TLS >= 1.2."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import ssl
from collections.abc import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from station.crypto import CryptoError
from station.crypto.keys import key_id
from station.crypto.sealing import master_key

DEFAULT_DAYS = 825


def _name(common_name: str, organisation: str = "Booking Station", unit: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation)]
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    return x509.Name([*attributes, x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _station_name(key: ec.EllipticCurvePrivateKey, station_id: str) -> x509.Name:
    """Station names carry the key id: after a rotation the old and new certificates (both trust anchors at the
    central for a while) must not share a subject, or TLS verification picks the wrong one."""
    return _name(station_id, unit=f"key {key_id(key.public_key())}")


def _alt_names(names: Iterable[str]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey, days: int
) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
    )


# An end-entity's powers: it signs (TLS client authentication, envelopes), it never vouches for another key.
_END_ENTITY = x509.BasicConstraints(ca=False, path_length=None)
_SIGNS_ONLY = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
_CLIENT_AUTH = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])


def self_signed_client_cert(
    key: ec.EllipticCurvePrivateKey, station_id: str, days: int = DEFAULT_DAYS
) -> x509.Certificate:
    """A station's own certificate: an end-entity certificate for TLS client authentication (`CA:FALSE`,
    digitalSignature, clientAuth). The central trusts it as itself (pinned as its own anchor); a certificate that
    names it as issuer is refused at the handshake, since it may issue none."""
    name = _station_name(key, station_id)
    return (
        _builder(name, name, key.public_key(), days)
        .add_extension(_END_ENTITY, critical=True)
        .add_extension(_SIGNS_ONLY, critical=True)
        .add_extension(_CLIENT_AUTH, critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA384())
    )


def certificate_request(key: ec.EllipticCurvePrivateKey, station_id: str) -> x509.CertificateSigningRequest:
    """A CSR for an agency CA to sign instead of the self-signed certificate (asking for the same end-entity powers)."""
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_station_name(key, station_id))
        .add_extension(_END_ENTITY, critical=True)
        .add_extension(_SIGNS_ONLY, critical=True)
        .add_extension(_CLIENT_AUTH, critical=False)
        .sign(key, hashes.SHA384())
    )


def is_certificate_authority(cert: x509.Certificate) -> bool:
    """Whether `cert` may issue certificates: CA:TRUE, or a key usage that allows signing certificates."""
    try:
        if cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return True
    except x509.ExtensionNotFound:
        pass
    try:
        return bool(cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign)
    except x509.ExtensionNotFound:
        return False


def make_ca(key: ec.EllipticCurvePrivateKey, name: str, days: int = 3650) -> x509.Certificate:
    subject = _name(name)
    return (
        _builder(subject, subject, key.public_key(), days)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA384())
    )


def issue_server_cert(
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    public_key: ec.EllipticCurvePublicKey,
    hosts: Iterable[str],
    days: int = DEFAULT_DAYS,
) -> x509.Certificate:
    hosts = list(hosts)
    return (
        _builder(_name(hosts[0]), ca_cert.subject, public_key, days)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_alt_names(hosts), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA384())
    )


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def load_cert(data: bytes) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise CryptoError(f"not a PEM certificate: {exc}", "pass the certificate file in PEM form") from exc


def cert_fingerprint(cert: x509.Certificate | bytes) -> str:
    """SHA-256 of the DER certificate, hex (the form `ssl` gives for a peer with getpeercert(True))."""
    der = cert if isinstance(cert, bytes) else cert.public_bytes(serialization.Encoding.DER)
    return hashlib.sha256(der).hexdigest()


def station_id_of(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names:
        raise CryptoError("certificate has no common name", "station certificates carry the station id as CN")
    return str(names[0].value)


def client_context(cert_file: str, key_file: str, ca_file: str) -> ssl.SSLContext:
    """TLS client: TLS >= 1.2, server verified against the central's CA, our certificate presented."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file, password=master_key().pem_password)
    return context


def server_context(cert_file: str, key_file: str, client_cas_pem: str) -> ssl.SSLContext:
    """TLS server: TLS >= 1.2, a client certificate is required and must chain to an enrolled station."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file, password=master_key().pem_password)
    context.verify_mode = ssl.CERT_REQUIRED
    if client_cas_pem.strip():
        context.load_verify_locations(cadata=client_cas_pem)
    return context
