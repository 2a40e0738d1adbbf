"""Submissions travel to the central and answers come back: receipts, de-duplication, ERRT, priorities."""

from __future__ import annotations

import base64
import json
import time

from sync_kit import Pair, start_pair, stop_pair

from station.formats.ansi_nist import read_transaction, write_transaction
from station.formats.ebts import read_answer
from station.store import outbox
from station.store.events import list_events
from station.store.submit import queue_transaction
from sync.sample import build_car


def drain(pair: Pair, timeout: float = 20.0) -> None:
    forwarder = pair.forwarder()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        forwarder.run(once=True)
        counts = outbox.counts(pair.store)
        if counts["sealed"] == counts["sending"] == counts["accepted"] == 0:
            return
        time.sleep(0.05)
    raise AssertionError(f"queue not drained: {outbox.counts(pair.store)}")


def test_queued_submissions_are_received_once_and_answered(pair: Pair) -> None:
    pair.queue(3)
    drain(pair)
    assert outbox.counts(pair.store)["answered"] == 3
    for submission in outbox.list_submissions(pair.store):
        criminal, immigration = pair.answers(submission.tcn)
        assert (criminal.system, criminal.kind, criminal.outcome) == ("criminal-history", "SRE", "no-hit")
        assert (immigration.system, immigration.kind, immigration.outcome) == ("immigration", "SRE", "no-match")
        assert '"type":"receipt"' in submission.receipt.replace(" ", "")
    counts = pair.central_state().delivery_counts()
    assert all(c == {"new": 1} for c in counts.values()) and len(counts) == 3


def test_a_resend_gets_the_same_receipt_and_is_not_new(pair: Pair) -> None:
    [submission] = pair.queue(1)
    envelope = pair.store.query("SELECT envelope FROM envelopes")[0]["envelope"]
    forwarder = pair.forwarder()
    first = forwarder.client.put_submission(submission.tcn, envelope)
    second = forwarder.client.put_submission(submission.tcn, envelope)
    assert (first.status, second.status) == (201, 200)
    assert first.body == second.body
    # A crash after the central accepted but before the station recorded it: the row is still 'sealed'.
    drain(pair)
    assert pair.central_state().delivery_counts()[submission.tcn] == {"new": 1, "duplicate": 2}
    assert outbox.get(pair.store, submission.tcn).state == "answered"


def test_invalid_ebts_gets_an_errt_with_the_reason(pair: Pair) -> None:
    transaction = read_transaction(build_car(pair.test_data, tcn="VA2026BAD0001"))
    transaction.records = transaction.records[:2]  # no prints at all
    transaction.refresh_cnt()
    queue_transaction(pair.store, write_transaction(transaction), identity=pair.identity, central=pair.info)
    drain(pair)
    [answer] = pair.answers("VA2026BAD0001")  # a rejection ends it: no immigration answer follows
    assert answer.kind == "ERRT" and answer.hit is None and answer.outcome == "rejected"
    assert "Type-4/14" in (answer.reason or "") or "image" in (answer.reason or "").lower()
    errt = read_answer(base64.b64decode(json.loads(answer.document)["transaction"]))
    assert errt.rejected and errt.tcr == "VA2026BAD0001" and errt.messages


def test_most_urgent_first(pair: Pair) -> None:
    pair.queue(2, prefix="VA2026LOW", priority=9)
    pair.queue(1, prefix="VA2026URG", priority=1)
    forwarder = pair.forwarder()
    forwarder.run(once=True)
    accepted = sorted(outbox.list_submissions(pair.store), key=lambda s: s.accepted_at or 0)
    assert accepted[0].tcn == "VA2026URG000000"
    assert any(e["kind"] == "accepted" for e in list_events(pair.store, "VA2026URG000000"))


def test_answers_wait_for_the_configured_delay(tmp_path, central_template, test_data) -> None:
    pair = start_pair(tmp_path, central_template, test_data, answer_delay=0.6)
    try:
        pair.queue(1)
        forwarder = pair.forwarder()
        forwarder.run(once=True)
        time.sleep(0.2)
        forwarder.run(once=True)
        assert outbox.counts(pair.store)["accepted"] == 1
        time.sleep(0.6)
        forwarder.run(once=True)
        assert outbox.counts(pair.store)["answered"] == 1
    finally:
        stop_pair(pair)


def test_central_enrols_a_new_person_and_identifies_them_next_time(tmp_path, central_template, test_data) -> None:
    pair = start_pair(tmp_path, central_template, test_data, search=True)
    try:
        for tcn in ("VA2026FIRST0001", "VA2026AGAIN0001"):
            queue_transaction(
                pair.store, build_car(test_data, tcn=tcn, positions=(1, 2)), identity=pair.identity, central=pair.info
            )
            drain(pair, timeout=60)
        first = pair.answer("VA2026FIRST0001")
        again = pair.answer("VA2026AGAIN0001")
        assert first is not None and first.kind == "SRE" and first.hit is False
        assert again is not None and again.hit is True and again.subject_id == "S00000001"
        assert '"searched":true' in again.document
        sre = read_answer(base64.b64decode(json.loads(again.document)["transaction"]))
        assert sre.hit and sre.ucn == "S00000001" and sre.tcr == "VA2026AGAIN0001"
    finally:
        stop_pair(pair)
