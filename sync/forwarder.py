"""The store-and-forward loop: send sealed submissions to the central, verify its signed receipts, fetch and verify
its answers, and pace retries (full-jitter backoff persisted in each row, a circuit breaker for a central that is
down). Works on one row at a time, so days offline cost disk, not memory.

Each submission carries the station's signed audit head, and when nothing has carried it for `audit_heartbeat`
seconds it goes on its own (the heartbeat): the central keeps the last one and raises an alarm when it goes backwards
(`station.audit.head`, docs/wire-protocol.md).

Delivery is at-least-once; the central de-duplicates by TCN and returns the same receipt, so a resend after a crash
is safe. A submission found in `sending` at start-up (the process died mid-send) goes back to `sealed`.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from station.audit.head import encode_head, read_head
from station.crash_points import crash_point
from station.crypto import CryptoError
from station.crypto.documents import verify_document
from station.crypto.provision import CentralInfo
from station.crypto.storage import StorageKey
from station.errors import StationError, TransportError
from station.formats.ebts import AnswerError
from station.store import answers, outbox, waiting
from station.store.db import DiskFullError, Store
from station.store.events import record_event
from sync.answers import verify_answer
from sync.backoff import Backoff, CircuitBreaker
from sync.client import CentralClient, Response

log = logging.getLogger(__name__)
PERMANENT_STATUSES = {400, 403, 404, 405, 409, 411, 413, 415, 422}


@dataclass
class ForwarderConfig:
    backoff: Backoff = field(default_factory=Backoff)
    breaker_threshold: int = 5
    breaker_cooldown: float = 30.0
    poll_interval: float = 30.0
    idle_interval: float = 60.0
    answers_page: int = 50
    audit_heartbeat: float = 300.0


@dataclass
class PassReport:
    """What one pass did (for `station sync --once` and the logs)."""

    sent: int = 0
    accepted: int = 0
    deferred: int = 0
    failed: int = 0
    answers: int = 0
    rejected: int = 0
    transport_errors: int = 0
    audit_heads: int = 0


class Forwarder:
    def __init__(
        self,
        store: Store,
        client: CentralClient,
        *,
        station_id: str,
        central: CentralInfo,
        answer_key: StorageKey,
        config: ForwarderConfig | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
        on_answer: Callable[[answers.Answer], None] | None = None,
        audit_dir: Path | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.station_id = station_id
        self.central = central
        self.answer_key = answer_key  # the storage key: what answers say about the person is sealed at rest
        self.config = config or ForwarderConfig()
        self.rng = rng or random.Random()
        self.clock = clock
        self.on_answer = on_answer  # told of each new answer once it is kept (the daemon's screens and hooks)
        self.breaker = CircuitBreaker(self.config.breaker_threshold, self.config.breaker_cooldown)
        self._last_poll = 0.0
        self.audit_dir = audit_dir  # the trail whose signed head travels to the central (None: no trail here)
        self._head_due = 0.0  # when the head is next due at the central (a heartbeat if nothing carried it)

    # -- sending ----------------------------------------------------------------------------------------------
    def send_due(self, report: PassReport) -> None:
        tried: set[str] = set()
        while self.breaker.allows():
            due = outbox.next_due(self.store, self.clock())
            if due is None or due.tcn in tried:
                return
            tried.add(due.tcn)
            self._send(due, report)

    def _send(self, submission: outbox.Submission, report: PassReport) -> None:
        envelope = outbox.claim(self.store, submission.tcn)
        attempts = submission.attempts + 1
        report.sent += 1
        head = read_head(self.audit_dir) if self.audit_dir else None
        try:
            response = self.client.put_submission(submission.tcn, envelope, encode_head(head) if head else None)
            if head is not None and response.status < 500:
                self._head_due = self.clock() + self.config.audit_heartbeat
                report.audit_heads += 1
        except TransportError as exc:
            report.transport_errors += 1
            self.breaker.failure()
            self._defer(submission.tcn, attempts, exc.message, report)
            return
        finally:
            del envelope
        if response.status in (200, 201):
            self.breaker.success()
            try:
                receipt = self._verify_receipt(response, submission)
            except CryptoError as exc:
                record_event(self.store, "receipt-rejected", exc.message, submission.tcn)
                report.rejected += 1
                self._defer(submission.tcn, attempts, f"receipt rejected: {exc.message}", report)
                return
            crash_point("sent")
            outbox.accept(self.store, submission.tcn, receipt)
            report.accepted += 1
            return
        reason = self._reason(response)
        if response.status in PERMANENT_STATUSES:
            self.breaker.success()  # the central is up; this submission is the problem
            outbox.fail(self.store, submission.tcn, f"central refused it (HTTP {response.status}): {reason}")
            report.failed += 1
            return
        self.breaker.failure()
        self._defer(
            submission.tcn, attempts, f"HTTP {response.status}: {reason}", report, retry_after=_retry_after(response)
        )

    def _defer(self, tcn: str, attempts: int, error: str, report: PassReport, retry_after: float = 0.0) -> None:
        delay = max(self.config.backoff.delay(attempts, self.rng), retry_after)
        outbox.defer(self.store, tcn, error, self.clock() + delay)
        report.deferred += 1
        log.info("%s deferred %.1fs: %s", tcn, delay, error)

    def _verify_receipt(self, response: Response, submission: outbox.Submission) -> str:
        document = verify_document(response.body, self.central.signing_key, kind="receipt")
        expected = {"type": "receipt", "tcn": submission.tcn, "station": self.station_id, "digest": submission.digest}
        for key, value in expected.items():
            if document.get(key) != value:
                raise CryptoError(
                    f"receipt {key} is {document.get(key)!r}, expected {value!r}",
                    "the receipt is not for this submission",
                )
        return json.dumps(document, sort_keys=True)

    @staticmethod
    def _reason(response: Response) -> str:
        if isinstance(response.body, dict):
            return str(response.body.get("error") or response.body)[:500]
        return "no reason given"

    # -- answers ----------------------------------------------------------------------------------------------
    def poll_answers(self, report: PassReport) -> None:
        """Fetch the central's answers page by page, verify and record each, acknowledge what was recorded."""
        self._last_poll = self.clock()
        while self.breaker.allows():
            response = self._ask("answer poll", report, lambda: self.client.get_answers(self.config.answers_page))
            if response is None:
                return
            documents = response.body.get("answers") or []
            done = [answer_id for answer_id in (self._take_answer(d, report) for d in documents) if answer_id]
            if done:
                try:
                    self.client.acknowledge(done)
                except TransportError as exc:
                    report.transport_errors += 1
                    log.info("acknowledging answers failed: %s", exc.message)
                    return
            if len(documents) < self.config.answers_page or not done:
                return

    def _take_answer(self, document: object, report: PassReport) -> str | None:
        """Verify and keep one answer; returns its id when the central may forget it (kept, a repeat, or for a TCN
        this station never sent), None when it must be offered again (it did not verify)."""
        tcn = document.get("tcn") if isinstance(document, dict) else None
        tcn = tcn if isinstance(tcn, str) else None
        try:
            answer = verify_answer(document, self.central.signing_key, self.station_id)
        except (CryptoError, AnswerError) as exc:
            record_event(self.store, "answer-rejected", exc.message if isinstance(exc, StationError) else str(exc), tcn)
            report.rejected += 1
            return None
        try:
            new = answers.record(self.store, answer, self.answer_key)
        except outbox.UnknownSubmission as exc:
            record_event(self.store, "answer-unknown", exc.message, tcn)
            return answer.answer_id  # acknowledge: nothing here will ever want it
        crash_point("answered")
        report.answers += int(new)
        if new and self.on_answer is not None:
            self.on_answer(answer)
        return answer.answer_id

    # -- the audit head -------------------------------------------------------------------------------------
    def heartbeat(self, report: PassReport) -> None:
        """Send the audit head on its own when no submission carried it for `audit_heartbeat` seconds."""
        if self.audit_dir is None or self.clock() < self._head_due or not self.breaker.allows():
            return
        head = read_head(self.audit_dir)
        # Nothing to send, or the central did not take it: look again after a poll interval, not at once.
        self._head_due = self.clock() + min(self.config.audit_heartbeat, self.config.poll_interval)
        if head is None:
            return
        response = self._ask("audit heartbeat", report, lambda: self.client.put_audit_head(head.document()))
        if response is None:
            return
        self._head_due = self.clock() + self.config.audit_heartbeat
        report.audit_heads += 1
        alarm = response.body.get("alarm")
        if alarm:
            message = f"the central raised audit alarm {alarm!r} on head {head.count}: {response.body.get('kept')}"
            record_event(self.store, "audit-alarm", message)
            log.warning("%s", message)

    def _ask(self, what: str, report: PassReport, call: Callable[[], Response]) -> Response | None:
        """One request that must answer 200 with a JSON object; None (counted, logged, the breaker told) if not."""
        try:
            response = call()
        except TransportError as exc:
            report.transport_errors += 1
            self.breaker.failure()
            log.info("%s failed: %s", what, exc.message)
            return None
        if response.status != 200 or not isinstance(response.body, dict):
            self.breaker.failure()
            log.info("%s: HTTP %s", what, response.status)
            return None
        self.breaker.success()
        return response

    # -- the loop ---------------------------------------------------------------------------------------------
    def run_pass(self, *, poll: bool) -> PassReport:
        report = PassReport()
        try:
            self.send_due(report)
            self.heartbeat(report)
            if poll:
                self.poll_answers(report)
        except DiskFullError as exc:  # the ballast was released: the next pass has room to record progress
            log.warning("%s", exc)
        return report

    def run(self, stop: threading.Event | None = None, *, once: bool = False) -> PassReport:
        """Forward until `stop` is set (or one pass with `once`). Returns the last pass's report."""
        stop = stop or threading.Event()
        recovered = outbox.recover(self.store)
        if recovered:
            log.info("recovered %d submission(s) interrupted mid-send", recovered)
        report = PassReport()
        while not stop.is_set():
            now = self.clock()
            poll = once or (self._waiting() and now - self._last_poll >= self.config.poll_interval)
            report = self.run_pass(poll=poll)
            if once:
                break
            stop.wait(self._next_wait())
        return report

    def _waiting(self) -> bool:
        """Anything at the central that still owes this station an answer (a determination may follow hours later)."""
        return outbox.counts(self.store)["accepted"] > 0 or waiting.owed(self.store)

    def _next_wait(self) -> float:
        now = self.clock()
        waits = [self.config.idle_interval]
        if self.audit_dir is not None:
            waits.append(self._head_due - now)
        wakeup = outbox.next_wakeup(self.store)
        if wakeup is not None:
            waits.append(wakeup - now)
        if self._waiting():
            waits.append(self._last_poll + self.config.poll_interval - now)
        wait = max(0.01, min(waits))
        return max(wait, self.breaker.wait_time())


def _retry_after(response: Response) -> float:
    value = response.headers.get("retry-after") or response.headers.get("Retry-After")
    try:
        return min(float(value), 3600.0) if value else 0.0
    except ValueError:
        return 0.0
