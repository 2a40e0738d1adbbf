"""The station <-> central wire protocol, version 3 (docs/wire-protocol.md is the readable form).

    PUT  /v3/submissions/{tcn}   body: a sealed envelope  -> 201 new | 200 already had it (same receipt)
                                                             | 409 same TCN, other content | 400/403/413 refused
                                 header X-Station-Audit-Head: the station's signed audit head
    GET  /v3/answers?limit=N     -> 200 {"answers": [signed answer, ...]} (unacknowledged answers of this station)
    POST /v3/answers/ack         body {"answers": [answer_id, ...]} -> 200 {"acknowledged": n}
    PUT  /v3/audit/head          body: the signed audit head (the heartbeat when idle) -> 200 {"kept": .., "alarm": ..}
    GET  /v3/audit/head          -> 200 {"kept": {"head": .., "received_at": .., "via": ..} | null, "alarms": [...]}
    GET  /v3/health              -> 200 {"status": "ok", "protocol": 3}

Receipts and answers are JSON documents signed by the central (station.crypto.documents). Version 2: a submission
has several answers, one per system and step (criminal history, immigration, immigration determination), each with
its own `answer_id`, acknowledged one by one. Version 3: the station's signed audit head travels to the central,
which keeps the last one per station and raises an alarm when it goes backwards.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import quote

PROTOCOL_VERSION = 3
ENVELOPE_TYPE = "application/vnd.booking-station.envelope.v1"
PROTOCOL_HEADER = "X-Station-Protocol"
IDEMPOTENCY_HEADER = "Idempotency-Key"
DIGEST_HEADER = "Content-Digest"
AUDIT_HEAD_HEADER = "X-Station-Audit-Head"
MAX_ENVELOPE_BYTES = 64 * 1024 * 1024
MAX_ANSWERS_PAGE = 200  # GET /answers?limit=N takes 1..200


def submission_path(tcn: str) -> str:
    return f"/v{PROTOCOL_VERSION}/submissions/{quote(tcn, safe='')}"


ANSWERS_PATH = f"/v{PROTOCOL_VERSION}/answers"
ACK_PATH = f"/v{PROTOCOL_VERSION}/answers/ack"
HEALTH_PATH = f"/v{PROTOCOL_VERSION}/health"
AUDIT_HEAD_PATH = f"/v{PROTOCOL_VERSION}/audit/head"


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


# What a system's answer says (`outcome`), by system and kind.
SYSTEMS = ("criminal-history", "immigration")
OUTCOMES = {
    ("criminal-history", "SRE"): ("hit", "no-hit"),
    ("criminal-history", "RPISR"): ("red", "yellow", "green"),
    ("criminal-history", "ERRT"): ("rejected",),
    ("immigration", "SRE"): ("match", "no-match"),
    ("immigration", "IAR"): ("removable", "lawful-status", "no-determination", "further-review"),
}
HIT_OUTCOMES = ("hit", "red", "yellow", "match")
DETERMINATION = "immigration-determination"  # what an immigration match tells the station to expect next


def answer_body(
    *,
    answer_id: str,
    tcn: str,
    station: str,
    seq: int,
    system: str,
    kind: str,
    outcome: str,
    subject_id: str | None,
    reason: str | None,
    details: dict[str, Any],
    expects: list[str],
    transaction: bytes,
    answered_at: str,
    searched: bool,
) -> dict[str, Any]:
    if outcome not in OUTCOMES.get((system, kind), ()):
        raise ValueError(f"{system} {kind} cannot have outcome {outcome!r}")
    return {
        "v": PROTOCOL_VERSION,
        "type": "answer",
        "answer_id": answer_id,
        "tcn": tcn,
        "station": station,
        "seq": seq,
        "system": system,
        "kind": kind,
        "outcome": outcome,
        "hit": None if kind in ("ERRT", "IAR") else outcome in HIT_OUTCOMES,
        "subject_id": subject_id,
        "reason": reason,
        "details": details,
        "expects": expects,
        "answered_at": answered_at,
        "searched": searched,
        "transaction": base64.b64encode(transaction).decode("ascii"),
    }
