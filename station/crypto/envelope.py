"""Sealed submission envelopes: encrypted to the central, signed by the station.

Layout (version 1, all integers big-endian):

    b"BSE1" | u32 header length | header (UTF-8 JSON, sorted keys) | ciphertext | signature

The payload is encrypted with a fresh AES-256-GCM data key; the GCM additional data is everything before the
ciphertext, so the header cannot be altered. The data key is wrapped for the central either with ECDH P-384 (an
ephemeral key) + HKDF-SHA-384 + AES key wrap, or with RSA-OAEP (SHA-256) when the central's key is RSA >= 3072 bits.
The station signs everything before the signature with ECDSA P-384 / SHA-384. After sealing the station keeps no key
that opens the envelope: the data key is discarded and the ephemeral private key is never stored.
"""

from __future__ import annotations

import base64
import json
import os
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from station.crypto import CryptoError
from station.crypto.keys import key_id

MAGIC = b"BSE1"
VERSION = 1
WRAP_ECDH = "ECDH-ES-P384+HKDF-SHA384+A256KW"
WRAP_RSA = "RSA-OAEP-SHA256"
_HKDF_INFO = b"booking-station envelope v1"


@dataclass(frozen=True)
class Envelope:
    """A parsed (not yet verified) envelope."""

    header: dict[str, Any]
    signed_part: bytes
    aad: bytes
    ciphertext: bytes
    signature: bytes


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _wrap_key(data_key: bytes, recipient: ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> dict[str, str]:
    if isinstance(recipient, ec.EllipticCurvePublicKey):
        if not isinstance(recipient.curve, ec.SECP384R1):
            raise CryptoError("the central's EC key is not on P-384", "import a P-384 or RSA-3072 key")
        ephemeral = ec.generate_private_key(ec.SECP384R1())
        epk = ephemeral.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        kek = HKDF(hashes.SHA384(), 32, salt=None, info=_HKDF_INFO + epk).derive(
            ephemeral.exchange(ec.ECDH(), recipient)
        )
        return {"kw": WRAP_ECDH, "epk": _b64(epk), "wk": _b64(aes_key_wrap(kek, data_key))}
    if isinstance(recipient, rsa.RSAPublicKey):
        if recipient.key_size < 3072:
            raise CryptoError(f"the central's RSA key has {recipient.key_size} bits", "use RSA >= 3072 or P-384")
        wrapped = recipient.encrypt(data_key, _oaep())
        return {"kw": WRAP_RSA, "wk": _b64(wrapped)}
    raise CryptoError("unsupported central key type", "import a P-384 or RSA-3072 public key")


def _oaep() -> padding.OAEP:
    return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def _unwrap_key(header: dict[str, Any], private: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    try:
        wrapped = _unb64(header["wk"])
        if header["kw"] == WRAP_ECDH and isinstance(private, ec.EllipticCurvePrivateKey):
            epk = _unb64(header["epk"])
            peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), epk)
            kek = HKDF(hashes.SHA384(), 32, salt=None, info=_HKDF_INFO + epk).derive(private.exchange(ec.ECDH(), peer))
            return aes_key_unwrap(kek, wrapped)
        if header["kw"] == WRAP_RSA and isinstance(private, rsa.RSAPrivateKey):
            return private.decrypt(wrapped, _oaep())
    except (KeyError, ValueError, InvalidUnwrap) as exc:
        raise CryptoError(f"cannot unwrap the data key: {exc!r}", "the envelope was not sealed for this key") from exc
    raise CryptoError(f"key wrap {header.get('kw')!r} does not fit this private key", "check the central's key")


def seal(
    payload: bytes,
    *,
    recipient: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
    signer: ec.EllipticCurvePrivateKey,
    metadata: dict[str, Any],
) -> bytes:
    """Encrypt `payload` for `recipient` and sign it with `signer`. `metadata` (station id, TCN, priority...) is
    carried in clear in the header and must not hold personal data."""
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    header = dict(metadata)
    header.update(_wrap_key(data_key, recipient))
    header.update(
        {
            "v": VERSION,
            "enc": "A256GCM",
            "iv": _b64(nonce),
            "rkid": key_id(recipient),
            "sig": "ES384",
            "skid": key_id(signer.public_key()),
            "ct_len": len(payload) + 16,
        }
    )
    header_bytes = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    aad = MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes
    ciphertext = AESGCM(data_key).encrypt(nonce, payload, aad)
    del data_key
    # The signature covers aad || ciphertext; hashing the parts in turn avoids copying a megabyte to join them.
    digest = hashes.Hash(hashes.SHA384())
    digest.update(aad)
    digest.update(ciphertext)
    signature = signer.sign(digest.finalize(), ec.ECDSA(utils.Prehashed(hashes.SHA384())))
    return b"".join((aad, ciphertext, signature))


def parse(blob: bytes) -> Envelope:
    """Split an envelope into its parts; raises CryptoError on a malformed one."""
    if len(blob) < 8 or blob[:4] != MAGIC:
        raise CryptoError("not a station envelope (bad magic)", "only envelopes made by 'station queue' are accepted")
    (hlen,) = struct.unpack(">I", blob[4:8])
    if 8 + hlen > len(blob):
        raise CryptoError("truncated envelope header", "the envelope was cut short; resend it")
    try:
        header = json.loads(blob[8 : 8 + hlen])
        ct_len = int(header["ct_len"])
    except (ValueError, KeyError, TypeError) as exc:
        raise CryptoError(f"malformed envelope header: {exc}", "resend the envelope") from exc
    if header.get("v") != VERSION:
        raise CryptoError(f"unsupported envelope version {header.get('v')!r}", f"this build reads version {VERSION}")
    end = 8 + hlen + ct_len
    if end >= len(blob):
        raise CryptoError("truncated envelope body", "the envelope was cut short; resend it")
    return Envelope(
        header=header,
        signed_part=blob[:end],
        aad=blob[: 8 + hlen],
        ciphertext=blob[8 + hlen : end],
        signature=blob[end:],
    )


def verify(envelope: Envelope, signer_public: ec.EllipticCurvePublicKey) -> None:
    """Check the station's signature; raises CryptoError when it does not hold."""
    try:
        signer_public.verify(envelope.signature, envelope.signed_part, ec.ECDSA(hashes.SHA384()))
    except InvalidSignature:
        raise CryptoError(
            "envelope signature does not verify", "the envelope was altered or signed by another key"
        ) from None


def open_sealed(envelope: Envelope, private: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    """Decrypt a verified envelope with the central's private key."""
    data_key = _unwrap_key(envelope.header, private)
    try:
        return AESGCM(data_key).decrypt(_unb64(envelope.header["iv"]), envelope.ciphertext, envelope.aad)
    except (InvalidTag, ValueError) as exc:
        raise CryptoError("envelope ciphertext fails its integrity check", "the envelope was altered") from exc
