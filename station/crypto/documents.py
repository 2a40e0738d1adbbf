"""Signed JSON documents (receipts and answers): canonical JSON plus a detached ECDSA P-384 signature field."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from station.crypto import CryptoError
from station.crypto.keys import key_id

SIGNATURE_FIELD = "sig"


def canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sign_document(body: dict[str, Any], key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    """Return `body` plus `kid` and a signature over the canonical JSON of everything else."""
    signed = {k: v for k, v in body.items() if k != SIGNATURE_FIELD}
    signed["kid"] = key_id(key.public_key())
    signature = key.sign(canonical(signed), ec.ECDSA(hashes.SHA384()))
    return {**signed, SIGNATURE_FIELD: base64.b64encode(signature).decode("ascii")}


def verify_document(document: Any, public: ec.EllipticCurvePublicKey, *, kind: str) -> dict[str, Any]:
    """Check a signed document; returns it when the signature holds, else raises CryptoError naming `kind`."""
    if not isinstance(document, dict) or not isinstance(document.get(SIGNATURE_FIELD), str):
        raise CryptoError(f"{kind} is not a signed document", "the central answered something unexpected")
    body = {k: v for k, v in document.items() if k != SIGNATURE_FIELD}
    try:
        signature = base64.b64decode(document[SIGNATURE_FIELD], validate=True)
        public.verify(signature, canonical(body), ec.ECDSA(hashes.SHA384()))
    except (InvalidSignature, ValueError):
        raise CryptoError(
            f"{kind} signature does not verify", "it was altered or not signed by the central's key"
        ) from None
    return document
