"""Checking one of the central's answers before the station believes it (wire protocol version 2).

An answer is accepted only when its signature holds (the central's signing key), it is addressed to this station,
its system, kind and outcome go together (`wire.OUTCOMES`), and the transaction it carries says the same thing:
an SRE / RPISR / ERRT read by `station.formats.ebts.read_answer` with the same TOT, TCR = the TCN and the same hit;
an IAR read by `station.formats.iar.read_iar` with TCR = the TCN, the same finding and the same priority level.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from station.crypto import CryptoError
from station.crypto.documents import canonical, verify_document
from station.formats.ebts import AnswerError, read_answer
from station.formats.iar import read_iar
from station.store.answers import Answer
from sync import wire

MAX_ID = 64


def _fail(message: str) -> CryptoError:
    return CryptoError(message, "the answer does not say what its signed fields say; it is not kept")


def _text(document: dict[str, Any], key: str, *, optional: bool = False) -> str | None:
    value = document.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value or len(value) > (MAX_ID if key == "answer_id" else 10_000):
        raise _fail(f"answer field {key!r} is missing or malformed")
    return value


def _check_transaction(kind: str, outcome: str, tcn: str, hit: bool | None, data: bytes, details: dict) -> None:
    if kind == "IAR":
        iar = read_iar(data)
        if iar.tcr != tcn or iar.finding != outcome:
            raise _fail(f"IAR is {iar.finding} for {iar.tcr}, the document says {outcome} for {tcn}")
        priority = details.get("priority")
        level = priority.get("level") if isinstance(priority, dict) else None
        if level != iar.priority:
            raise _fail(f"IAR priority {iar.priority} differs from the document's {level}")
        return
    parsed = read_answer(data)
    if parsed.tot != kind or parsed.tcr != tcn:
        raise _fail(f"answer transaction is {parsed.tot} for {parsed.tcr}, document says {kind} for {tcn}")
    if kind != "ERRT" and parsed.hit != hit:
        raise _fail(f"answer transaction says hit={parsed.hit}, the document says {hit}")


def verify_answer(document: object, signing_key: ec.EllipticCurvePublicKey, station_id: str) -> Answer:
    """The answer as the store keeps it; CryptoError or AnswerError when it must not be believed."""
    verified = verify_document(document, signing_key, kind="answer")
    if verified.get("type") != "answer" or verified.get("v") != wire.PROTOCOL_VERSION:
        raise _fail(f"not a version {wire.PROTOCOL_VERSION} answer")
    if verified.get("station") != station_id:
        raise _fail("answer is not addressed to this station")
    tcn, answer_id = _text(verified, "tcn"), _text(verified, "answer_id")
    system, kind, outcome = _text(verified, "system"), _text(verified, "kind"), _text(verified, "outcome")
    if outcome not in wire.OUTCOMES.get((system or "", kind or ""), ()):
        raise _fail(f"{system} {kind} cannot have outcome {outcome!r}")
    seq, hit = verified.get("seq"), verified.get("hit")
    details, expects = verified.get("details"), verified.get("expects")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise _fail("answer seq is not a positive number")
    if not isinstance(details, dict) or not isinstance(expects, list) or not all(isinstance(e, str) for e in expects):
        raise _fail("answer details/expects are malformed")
    if hit is not (None if kind in ("ERRT", "IAR") else outcome in wire.HIT_OUTCOMES):
        raise _fail(f"answer hit={hit!r} does not go with outcome {outcome}")
    try:
        data = base64.b64decode(str(verified.get("transaction")), validate=True)
    except (binascii.Error, ValueError):
        raise _fail("answer transaction is not base64") from None
    _check_transaction(str(kind), str(outcome), str(tcn), hit, data, details)
    return Answer(
        answer_id=str(answer_id),
        tcn=str(tcn),
        seq=seq,
        system=str(system),
        kind=str(kind),
        outcome=str(outcome),
        hit=hit,
        subject_id=_text(verified, "subject_id", optional=True),
        reason=_text(verified, "reason", optional=True),
        details=details,
        expects=tuple(expects),
        answered_at=_text(verified, "answered_at") or "",
        document=canonical(verified).decode(),
        priority=_priority(details) if kind == "IAR" else None,
    )


def _priority(details: dict[str, Any]) -> int | None:
    priority = details.get("priority")
    level = priority.get("level") if isinstance(priority, dict) else None
    return level if isinstance(level, int) and not isinstance(level, bool) else None


__all__ = ["AnswerError", "CryptoError", "verify_answer"]
