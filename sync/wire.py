"""The station <-> central wire protocol, version 1 (docs/wire-protocol.md is the readable form).

    PUT  /v1/submissions/{tcn}   body: a sealed envelope  -> 201 new | 200 already had it (same receipt)
                                                             | 409 same TCN, other content | 400/403/413 refused
    GET  /v1/answers?limit=N     -> 200 {"answers": [signed answer, ...]} (unacknowledged answers of this station)
    POST /v1/answers/ack         body {"tcns": [...]} -> 200 {"acknowledged": n}
    GET  /v1/health              -> 200 {"status": "ok", "protocol": 1}

Receipts and answers are JSON documents signed by the central (station.crypto.documents).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import quote

PROTOCOL_VERSION = 1
ENVELOPE_TYPE = "application/vnd.booking-station.envelope.v1"
PROTOCOL_HEADER = "X-Station-Protocol"
IDEMPOTENCY_HEADER = "Idempotency-Key"
DIGEST_HEADER = "Content-Digest"
MAX_ENVELOPE_BYTES = 64 * 1024 * 1024


def submission_path(tcn: str) -> str:
    return f"/v{PROTOCOL_VERSION}/submissions/{quote(tcn, safe='')}"


ANSWERS_PATH = f"/v{PROTOCOL_VERSION}/answers"
ACK_PATH = f"/v{PROTOCOL_VERSION}/answers/ack"
HEALTH_PATH = f"/v{PROTOCOL_VERSION}/health"


def content_digest(body: bytes) -> str:
    """RFC 9530 Content-Digest value with SHA-256."""
    return f"sha-256=:{base64.b64encode(hashlib.sha256(body).digest()).decode()}:"


def envelope_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def receipt_body(*, tcn: str, station: str, digest: str, received_at: str, receipt_id: str) -> dict[str, Any]:
    return {
        "v": PROTOCOL_VERSION,
        "type": "receipt",
        "tcn": tcn,
        "station": station,
        "digest": digest,
        "received_at": received_at,
        "receipt_id": receipt_id,
    }


def answer_body(
    *,
    tcn: str,
    station: str,
    kind: str,
    hit: bool | None,
    subject_id: str | None,
    reason: str | None,
    transaction: bytes,
    answered_at: str,
) -> dict[str, Any]:
    return {
        "v": PROTOCOL_VERSION,
        "type": "answer",
        "tcn": tcn,
        "station": station,
        "kind": kind,
        "hit": hit,
        "subject_id": subject_id,
        "reason": reason,
        "answered_at": answered_at,
        "transaction": base64.b64encode(transaction).decode("ascii"),
    }
