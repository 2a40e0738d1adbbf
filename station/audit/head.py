"""The audit trail's signed head as it travels: what the station sends the central, and how either side checks it.

The head (`audit.head`: record count, last hash, Ed25519 signature) proves the end of the trail only while it stays
beside the trail; someone who cuts records and puts back an older head (or deletes both) leaves nothing on the
station to show it. So the forwarder sends the head with each submission and as a heartbeat when idle
(docs/wire-protocol.md, version 3), and the central keeps the last one per station. A head that goes backwards there
is a rollback, whatever the station's disk now says; `station audit verify --against-central` compares the trail
with the central's copy.

The document: {"count": n, "hash": "<hex>", "sig": "<base64 Ed25519 signature of head_message>", "key": "<base64 of
the raw 32-byte public key>"}. In an HTTP header it is the base64 of its canonical JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from station.audit.log import HEAD_NAME, PUB_NAME, canonical, head_message, load_public_key
from station.crypto import CryptoError

MAX_ENCODED = 1024  # a head is about 250 characters in a header
_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Head:
    """A head whose signature verified under `key` (base64 of the raw public key)."""

    count: int
    hash: str
    sig: str
    key: str

    def document(self) -> dict[str, Any]:
        return {"count": self.count, "hash": self.hash, "sig": self.sig, "key": self.key}


def raw_public_key(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def read_head(directory: Path) -> Head | None:
    """The trail's current signed head with its public key, checked; None when the station has none (yet)."""
    try:
        head = json.loads((directory / HEAD_NAME).read_bytes())
        key = raw_public_key(load_public_key(directory / PUB_NAME))
    except (OSError, ValueError):
        return None
    if not isinstance(head, dict):
        return None
    try:
        return verify_head({**head, "key": key})
    except CryptoError:
        return None  # a head that does not verify is not sent: verify_trail names it on the station


def verify_head(document: object) -> Head:
    """A head document checked for shape and signature; CryptoError says what is wrong."""
    if not isinstance(document, dict) or set(document) != {"count", "hash", "sig", "key"}:
        raise CryptoError("an audit head has exactly count, hash, sig and key", "send the station's audit.head")
    count, digest, sig, key = document["count"], document["hash"], document["sig"], document["key"]
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise CryptoError(f"audit head count {count!r} is not a record count")
    if not isinstance(digest, str) or not _HASH.fullmatch(digest):
        raise CryptoError("audit head hash is not 64 hex digits")
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(str(key), validate=True))
        public.verify(base64.b64decode(str(sig), validate=True), head_message(count, digest))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise CryptoError(f"audit head key or signature unreadable: {exc}") from None
    except InvalidSignature:
        raise CryptoError("audit head signature does not verify under its key") from None
    return Head(count, digest, str(sig), str(key))


def encode_head(head: Head) -> str:
    return base64.b64encode(canonical(head.document())).decode("ascii")


def decode_head(value: str) -> Head:
    """A head from its header form, verified; CryptoError when it is not one."""
    if len(value) > MAX_ENCODED:
        raise CryptoError(f"audit head of {len(value)} characters is too long")
    try:
        document = json.loads(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise CryptoError(f"audit head is not base64 JSON: {exc}") from None
    return verify_head(document)


def compare_with_known(directory: Path, known: Head, seen_at: str) -> list[str]:
    """What disagrees between the trail in `directory` and a head the central saw at `seen_at` (empty: nothing)."""
    from station.audit.log import read_records  # the trail as it is now, whatever verify_trail makes of it

    problems = []
    try:
        local_key = raw_public_key(load_public_key(directory / PUB_NAME))
    except (OSError, ValueError) as exc:
        return [f"cannot read the audit public key here ({exc})"]
    if known.key != local_key:
        problems.append(
            f"the central knows this trail under another audit key (since {seen_at}): the key here was replaced"
        )
    records = read_records(directory)
    last = max((r.get("seq", 0) for r in records if isinstance(r.get("seq"), int)), default=0)
    if known.count > last:
        problems.append(
            f"the central saw record {known.count} at {seen_at}, the trail here ends at record {last}: "
            f"records {last + 1}..{known.count} were removed (with the head that covered them)"
        )
    elif known.count:
        record = next((r for r in records if r.get("seq") == known.count), None)
        if record is None or record.get("hash") != known.hash:
            problems.append(
                f"record {known.count} is not the one the central saw at {seen_at}: the trail was rewritten up to there"
            )
    return problems
