"""What the reference central does with requests, independent of HTTP: receive (check, de-duplicate, sign a receipt),
process (decrypt, validate the EBTS profile, search, enrol, answer after a delay), hand out and forget answers.

A CAR/CNA is validated with `validate_car`, searched and, without a hit, enrolled; it is answered with an SRE. A rapid
search (TOT RPIS, the headless quick-ID) is validated with `validate_rpis`, searched, never enrolled, and answered
with an RPISR (2.059 SRF R / Y / G). Anything else, or anything invalid, is answered with an ERRT."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from station.crypto import CryptoError
from station.crypto.documents import sign_document
from station.crypto.envelope import open_sealed, parse, verify
from station.formats.ansi_nist import ParseError, read_transaction
from station.formats.ebts import validate_car, validate_rpis
from sync import wire
from sync.central.answers import error_answer, rapid_result, search_result
from sync.central.pki import CentralKeys
from sync.central.search import GallerySearch
from sync.central.state import CentralState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _refuse(status: int, error: str, hint: str) -> Reply:
    return Reply(status, {"error": error, "hint": hint})


class CentralService:
    def __init__(
        self, state: CentralState, keys: CentralKeys, *, answer_delay: float = 0.0, search: GallerySearch | None = None
    ) -> None:
        self.state = state
        self.keys = keys
        self.answer_delay = answer_delay
        self.search = search or GallerySearch(state)
        self._receive_lock = threading.Lock()

    # -- receiving --------------------------------------------------------------------------------------------
    def receive(self, station_id: str, tcn: str, body: bytes, digest_header: str | None) -> Reply:
        if len(body) > wire.MAX_ENVELOPE_BYTES:
            return _refuse(413, "envelope too large", f"the limit is {wire.MAX_ENVELOPE_BYTES} bytes")
        if digest_header is not None and digest_header != wire.content_digest(body):
            self.state.reject(station_id, tcn, "Content-Digest does not match the body")
            return _refuse(400, "Content-Digest does not match the body", "the body was altered in transit; resend")
        try:
            envelope = parse(body)
            if envelope.header.get("tcn") != tcn:
                raise CryptoError(f"envelope is for TCN {envelope.header.get('tcn')!r}, not {tcn!r}", "")
            if envelope.header.get("station") != station_id:
                raise CryptoError(
                    f"envelope names station {envelope.header.get('station')!r} but the client "
                    f"certificate is {station_id!r}",
                    "",
                )
            signer = self.state.station_keys(station_id).get(str(envelope.header.get("skid")))
            if signer is None:
                raise CryptoError(
                    f"envelope signed by key {envelope.header.get('skid')!r}, not enrolled for {station_id}", ""
                )
            verify(envelope, signer)
        except CryptoError as exc:
            self.state.reject(station_id, tcn, exc.message)
            return _refuse(
                400,
                f"envelope refused: {exc.message}",
                "the envelope was altered or not sealed by this station; do not resend as is",
            )
        digest = wire.envelope_digest(body)
        with self._receive_lock:
            rows = self.state.rows("SELECT digest, receipt, station_id FROM submissions WHERE tcn = ?", (tcn,))
            if rows:
                same = rows[0]["digest"] == digest and rows[0]["station_id"] == station_id
                self.state.write(
                    "INSERT INTO deliveries (at, tcn, station_id, outcome) VALUES (?, ?, ?, ?)",
                    (time.time(), tcn, station_id, "duplicate" if same else "conflict"),
                )
                if same:
                    return Reply(200, json.loads(rows[0]["receipt"]))
                self.state.reject(station_id, tcn, "TCN reused with different content")
                return _refuse(
                    409, f"TCN {tcn} was already received with different content", "every submission needs its own TCN"
                )
            receipt = sign_document(
                wire.receipt_body(
                    tcn=tcn, station=station_id, digest=digest, received_at=_now_iso(), receipt_id=uuid.uuid4().hex
                ),
                self.keys.signing,
            )
            with self.state.transaction() as conn:
                conn.execute(
                    "INSERT INTO submissions (tcn, station_id, digest, envelope, receipt, received_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (tcn, station_id, digest, body, json.dumps(receipt), time.time()),
                )
                conn.execute(
                    "INSERT INTO deliveries (at, tcn, station_id, outcome) VALUES (?, ?, ?, ?)",
                    (time.time(), tcn, station_id, "new"),
                )
        return Reply(201, receipt)

    # -- processing -------------------------------------------------------------------------------------------
    def process_pending(self, limit: int = 20) -> int:
        """Decrypt, validate, search and answer up to `limit` received submissions; returns how many."""
        rows = self.state.rows(
            "SELECT tcn, station_id, envelope, received_at FROM submissions "
            "WHERE state = 'received' ORDER BY received_at LIMIT ?",
            (limit,),
        )
        for row in rows:
            kind, hit, subject, reasons, transaction_bytes, searched = self._evaluate(row["tcn"], row["envelope"])
            answer = sign_document(
                wire.answer_body(
                    tcn=row["tcn"],
                    station=row["station_id"],
                    kind=kind,
                    hit=hit,
                    subject_id=subject,
                    reason="; ".join(reasons) or None,
                    transaction=transaction_bytes,
                    answered_at=_now_iso(),
                )
                | {"searched": searched},
                self.keys.signing,
            )
            self.state.write(
                "UPDATE submissions SET state = 'processed', envelope = NULL, answer = ?, answer_due = ? WHERE tcn = ?",
                (json.dumps(answer), row["received_at"] + self.answer_delay, row["tcn"]),
            )
        return len(rows)

    def _evaluate(self, tcn: str, body: bytes) -> tuple[str, bool | None, str | None, list[str], bytes, bool]:
        station_ori = "UNKNOWN00"
        try:
            payload = open_sealed(parse(body), self.keys.encryption)
        except CryptoError as exc:
            return "ERRT", None, None, [exc.message], error_answer(tcn, station_ori, [exc.message]), False
        try:
            transaction = read_transaction(payload)
            station_ori = transaction.type1.text(8) or station_ori
        except ParseError as exc:
            reasons = [f"unreadable transaction: {exc.message}"]
            return "ERRT", None, None, reasons, error_answer(tcn, station_ori, reasons), False
        rapid = transaction.type1.text(4) == "RPIS"
        validator = validate_rpis if rapid else validate_car
        errors = [str(p) for p in validator(transaction) if p.severity == "error"]
        if errors:
            return "ERRT", None, None, errors, error_answer(tcn, station_ori, errors), False
        try:
            if rapid:
                found = self.search.search_only(transaction)
            else:
                outcome = self.search.search_and_enrol(transaction, tcn)
        except Exception as exc:  # a matcher failure must not lose the submission: answer ERRT, keep going
            log.exception("search failed for %s", tcn)
            reasons = [f"search failed at the central: {exc}"]
            return "ERRT", None, None, reasons, error_answer(tcn, station_ori, reasons), False
        if rapid:
            reasons = (
                []
                if found.srf != "Y"
                else [
                    f"possible match (RPISR yellow, {found.fingers_matched} finger(s)): confirm with a tenprint booking"
                ]
            )
            return (
                "RPISR",
                found.srf != "G",
                found.subject_id,
                reasons,
                rapid_result(tcn, station_ori, found.srf, found.subject_id),
                found.searched,
            )
        return (
            "SRE",
            outcome.subject_id is not None,
            outcome.subject_id,
            [],
            search_result(tcn, station_ori, outcome.subject_id),
            outcome.searched,
        )

    # -- answers ----------------------------------------------------------------------------------------------
    def pending_answers(self, station_id: str, limit: int = 50, *, include_acked: bool = False) -> list[dict]:
        acked = "" if include_acked else "AND acked = 0"
        rows = self.state.rows(
            f"SELECT answer FROM submissions WHERE station_id = ? AND state = 'processed' "
            f"AND answer_due <= ? {acked} ORDER BY answer_due LIMIT ?",
            (station_id, time.time(), limit),
        )
        return [json.loads(r["answer"]) for r in rows]

    def acknowledge(self, station_id: str, tcns: list[str]) -> int:
        count = 0
        for tcn in tcns:
            count += self.state.write(
                "UPDATE submissions SET acked = 1 WHERE tcn = ? AND station_id = ? AND state = 'processed'",
                (str(tcn), station_id),
            )
        return count
