"""What the reference central does with requests, independent of HTTP: receive (check, de-duplicate, sign a receipt),
process (the front door: decrypt, validate, search both systems' galleries, answer each system after a delay),
decide the immigration determination cases that fall due, hand out answers and forget acknowledged ones.

Each answer is its own signed document with its own `answer_id` and `seq` (the order the central made them in);
an answer is handed out from its `due_at` until the station acknowledges it (`answer_log.py`)."""

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
from station.crypto.envelope import parse, verify
from sync import wire
from sync.central import answer_log, determination
from sync.central.answer_log import Draft
from sync.central.front_door import FrontDoor
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
        self,
        state: CentralState,
        keys: CentralKeys,
        *,
        answer_delay: float = 0.0,
        determination_delay: float = 0.0,
        search: GallerySearch | None = None,
    ) -> None:
        self.state = state
        self.keys = keys
        self.answer_delay = answer_delay
        self.determination_delay = determination_delay
        self.search = search or GallerySearch(state)
        self.front_door = FrontDoor(state, keys, self.search)
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
        """Evaluate and answer up to `limit` received submissions; returns how many."""
        rows = self.state.rows(
            "SELECT tcn, station_id, envelope, received_at FROM submissions "
            "WHERE state = 'received' ORDER BY received_at LIMIT ?",
            (limit,),
        )
        for row in rows:
            evaluation = self.front_door.evaluate(row["tcn"], row["envelope"])  # reads only: seconds, no lock held
            due = row["received_at"] + self.answer_delay
            # The immigration agency hears of a match once the search has made it: its case's delay counts from then
            # (a search slower than the answer delay is answered at once, and the determination still comes later).
            matched_at = max(due, time.time())
            with self.state.transaction() as conn:
                for draft in evaluation.drafts:
                    answer_log.add(
                        self.state, self.keys, tcn=row["tcn"], station_id=row["station_id"], draft=draft, due_at=due
                    )
                evaluation.apply(
                    self.state,
                    tcn=row["tcn"],
                    station_id=row["station_id"],
                    determination_due=matched_at + self.determination_delay,
                )
                conn.execute("UPDATE submissions SET state = 'processed', envelope = NULL WHERE tcn = ?", (row["tcn"],))
        return len(rows)

    def decide_due(self, now: float | None = None, limit: int = 20) -> int:
        """Answer the determination cases whose delay has passed; returns how many."""
        cases = determination.due_cases(self.state, time.time() if now is None else now, limit)
        for case in cases:
            try:
                decision = determination.decide(self.state, case)
            except ValueError as exc:  # a TCN the IAR cannot carry: close the case, say so in the log
                log.error("case %s for %s cannot be answered: %s", case.case_id, case.tcn, exc)
                determination.close_case(self.state, case.case_id)
                continue
            with self.state.transaction():
                answer_log.add(
                    self.state,
                    self.keys,
                    tcn=case.tcn,
                    station_id=case.station_id,
                    draft=Draft(
                        "immigration",
                        "IAR",
                        decision.finding,
                        decision.iar,
                        True,
                        subject_id=case.fin,
                        reason=decision.reason,
                        details=decision.details,
                    ),
                    due_at=case.due_at,
                )
                determination.close_case(self.state, case.case_id)
        return len(cases)

    # -- answers ----------------------------------------------------------------------------------------------
    def pending_answers(self, station_id: str, limit: int = 50, *, include_acked: bool = False) -> list[dict]:
        return answer_log.pending(self.state, station_id, limit, include_acked=include_acked)

    def acknowledge(self, station_id: str, answer_ids: list[str]) -> int:
        return answer_log.acknowledge(self.state, station_id, answer_ids)
