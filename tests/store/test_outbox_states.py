"""The outbox state machine: order, crash recovery, dead letters, answers, purge."""

from __future__ import annotations

from pathlib import Path

import pytest
from answer_kit import KEY, an_answer

from station.errors import StorageError
from station.store import answers, open_store, outbox
from station.store.events import list_events


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_priority_then_age_decides_what_goes_first(tmp_path: Path) -> None:
    clock = Clock()
    with open_store(tmp_path, clock=clock) as store:
        for tcn, pry in (("A", 5), ("B", 2), ("C", 5), ("D", 1)):
            clock.now += 1
            outbox.enqueue(store, tcn=tcn, envelope=b"x" * 10, tot="CAR", priority=pry)
        order = []
        while (due := outbox.next_due(store, clock.now)) is not None:
            outbox.claim(store, due.tcn)
            outbox.accept(store, due.tcn, "{}")
            order.append(due.tcn)
    assert order == ["D", "B", "A", "C"]


def test_duplicate_tcn_is_refused_and_bad_priority_too(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        outbox.enqueue(store, tcn="A", envelope=b"x", tot="CAR", priority=4)
        with pytest.raises(outbox.DuplicateSubmission, match="already queued"):
            outbox.enqueue(store, tcn="A", envelope=b"y", tot="CAR", priority=4)
        with pytest.raises(StorageError, match="PRY"):
            outbox.enqueue(store, tcn="B", envelope=b"y", tot="CAR", priority=0)
        assert outbox.counts(store)["sealed"] == 1


def test_crash_in_sending_is_recovered_and_backoff_is_persisted(tmp_path: Path) -> None:
    clock = Clock()
    with open_store(tmp_path, clock=clock) as store:
        outbox.enqueue(store, tcn="A", envelope=b"sealed-bytes", tot="CAR", priority=4)
        assert outbox.claim(store, "A") == b"sealed-bytes"
    with open_store(tmp_path, clock=clock) as store:  # "restart" after a crash
        assert outbox.get(store, "A").state == "sending"
        assert outbox.recover(store) == 1
        assert outbox.get(store, "A").state == "sealed"
        outbox.claim(store, "A")
        outbox.defer(store, "A", "connection refused", next_attempt_at=clock.now + 60)
        assert outbox.next_due(store, clock.now) is None
        assert outbox.next_due(store, clock.now + 61).tcn == "A"
        assert outbox.get(store, "A").attempts == 2


def test_dead_letter_is_visible_and_retryable(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        outbox.enqueue(store, tcn="A", envelope=b"x", tot="CAR", priority=4)
        outbox.claim(store, "A")
        outbox.fail(store, "A", "central refused the envelope: bad signature")
        failed = outbox.list_submissions(store, "failed")
        assert [s.tcn for s in failed] == ["A"] and "bad signature" in failed[0].last_error
        assert any(e["kind"] == "failed" for e in list_events(store, "A"))
        outbox.retry(store, "A")
        assert outbox.get(store, "A").state == "sealed"
        assert outbox.get(store, "A").attempts == 0


def test_answer_closes_the_submission_drops_the_envelope_and_repeats_are_ignored(tmp_path: Path) -> None:
    clock = Clock()
    with open_store(tmp_path, clock=clock) as store:
        outbox.enqueue(store, tcn="A", envelope=b"x" * 100, tot="CAR", priority=4)
        outbox.claim(store, "A")
        outbox.accept(store, "A", '{"receipt": 1}')
        assert outbox.accepted_tcns(store) == ["A"]
        assert answers.record(store, an_answer("A", "a1", 1, "criminal-history", "SRE", "no-hit"), KEY)
        assert not answers.record(store, an_answer("A", "a1", 1, "criminal-history", "SRE", "no-hit"), KEY)
        assert outbox.get(store, "A").state == "answered"
        assert store.query("SELECT count(*) AS n FROM envelopes")[0]["n"] == 0
        [answer] = answers.for_submission(store, "A")
        assert answer.hit is False and answer.label == "criminal history: no hit"
        clock.now += 100
        assert outbox.purge(store, older_than=clock.now) == 1
        assert answers.for_submission(store, "A") == []
        with pytest.raises(outbox.UnknownSubmission):
            outbox.get(store, "A")
