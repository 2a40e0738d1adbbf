"""A submission's answers as a timeline in the store: kept once by id in the central's order, what is still awaited
and when it is late, the officer's acknowledgement, what shredding keeps, and what the forwarder still polls for."""

from __future__ import annotations

from pathlib import Path

from answer_kit import KEY, an_answer

from station.store import answers, notices, open_store, outbox, waiting
from station.store.timeline import timeline

LEVELS = waiting.ServiceLevels(criminal_history_s=60, immigration_s=120, determination_s=3600)


class Clock:
    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


def _sent(store, clock: Clock, tcn: str, tot: str = "CAR") -> None:
    outbox.enqueue(store, tcn=tcn, envelope=b"x" * 10, tot=tot, priority=4)
    clock.now += 1
    outbox.claim(store, tcn)
    clock.now += 1
    outbox.accept(store, tcn, "{}")


MATCH = {"expects": ("immigration-determination",), "subject_id": "F000000001"}
IAR = {"details": {"priority": {"level": 1, "class": "robbery", "basis": "booking charge: ROBBERY"}}, "priority": 1}


def test_the_timeline_is_in_order_whatever_the_arrival_and_says_what_is_awaited_and_late(tmp_path: Path) -> None:
    clock = Clock()
    with open_store(tmp_path, clock=clock) as store:
        _sent(store, clock, "T1")
        start = clock.now - 2
        awaited = waiting.awaiting(store, LEVELS, "T1")
        assert [(a.step, a.due_at) for a in awaited] == [("criminal-history", start + 60), ("immigration", start + 120)]
        clock.now += 5
        assert answers.record(store, an_answer("T1", "b", 2, "immigration", "SRE", "match", **MATCH), KEY)  # first in
        assert answers.record(store, an_answer("T1", "a", 1, "criminal-history", "SRE", "hit", subject_id="S1"), KEY)
        assert not answers.record(store, an_answer("T1", "b", 2, "immigration", "SRE", "match", **MATCH), KEY)
        assert [a.label for a in answers.for_submission(store, "T1")] == ["criminal history: HIT", "immigration: MATCH"]
        [determination] = waiting.awaiting(store, LEVELS, "T1")
        assert determination.step == "immigration-determination" and determination.since == clock.now
        assert waiting.owed(store)  # answered, but the central still owes the determination

        clock.now += 3601
        steps = timeline(store, "T1", LEVELS)
        assert [s["step"] for s in steps] == ["queued", "sent", "accepted", "answer", "answer", "awaiting"]
        assert steps[-1]["late"] and steps[-1]["label"].startswith("immigration determination: late since")
        assert [s["attention"] for s in steps[3:5]] == [True, True]
        assert waiting.late_counts(store, LEVELS, clock.now) == {
            "criminal-history": 0,
            "immigration": 0,
            "immigration-determination": 1,
        }
        assert answers.record(store, an_answer("T1", "c", 3, "immigration", "IAR", "removable", **IAR), KEY)
        assert timeline(store, "T1", LEVELS)[-1]["label"] == "immigration determination: removable, priority 1"
        assert waiting.awaiting(store, LEVELS, "T1") == [] and not waiting.owed(store)


def test_a_rejection_ends_the_wait_and_a_rapid_search_waits_for_criminal_history_only(tmp_path: Path) -> None:
    clock = Clock()
    with open_store(tmp_path, clock=clock) as store:
        _sent(store, clock, "BAD")
        _sent(store, clock, "RAPID", tot="RPIS")
        assert [a.step for a in waiting.awaiting(store, LEVELS, "RAPID")] == ["criminal-history"]
        answers.record(store, an_answer("BAD", "e", 1, "criminal-history", "ERRT", "rejected", reason="no prints"), KEY)
        answers.record(store, an_answer("RAPID", "r", 1, "criminal-history", "RPISR", "green"), KEY)
        assert waiting.awaiting(store, LEVELS) == [] and not waiting.owed(store)
        assert timeline(store, "BAD", LEVELS)[-1]["label"] == "criminal history: rejected"


def test_a_late_step_is_raised_once_and_nothing_is_late_for_a_failed_submission(tmp_path: Path) -> None:
    clock = Clock()
    with open_store(tmp_path, clock=clock) as store:
        _sent(store, clock, "SLOW")
        outbox.enqueue(store, tcn="DEAD", envelope=b"x", tot="CAR", priority=4)
        outbox.fail(store, "DEAD", "refused")
        clock.now += 61
        [late] = [a for a in waiting.awaiting(store, LEVELS) if a.late(clock.now)]
        assert (late.tcn, late.step) == ("SLOW", "criminal-history")
        assert waiting.mark_late(store, late) and not waiting.mark_late(store, late)


def test_acknowledgement_and_shredding(tmp_path: Path) -> None:
    clock = Clock()
    with open_store(tmp_path, clock=clock) as store:
        _sent(store, clock, "T2")
        details = {"ucn": "S1", "name": "ROE,RICHARD", "history": [{"offence": "ROBBERY"}]}
        answers.record(
            store, an_answer("T2", "a", 1, "criminal-history", "SRE", "hit", subject_id="S1", details=details), KEY
        )
        assert [a.answer_id for a in answers.unshown(store, KEY)] == ["a"]
        answers.mark_shown(store, "a")
        assert answers.unshown(store, KEY) == []
        [opened] = answers.for_submission(store, "T2", KEY)
        assert opened.details == details and opened.subject_id == "S1"
        [sealed] = answers.for_submission(store, "T2")  # without the storage key: the outcome, not the person
        assert (sealed.outcome, sealed.details, sealed.subject_id) == ("hit", {}, None)
        assert b"ROE,RICHARD" not in b"".join(bytes(r["sealed"]) for r in store.query("SELECT sealed FROM answers"))
        clock.now += 10
        first = answers.acknowledge(store, "a", "officer1")
        again = answers.acknowledge(store, "a", "officer2")
        assert (first.acknowledged_by, first.acknowledged_at) == ("officer1", clock.now)
        assert again.acknowledged_by == "officer1"
        answers.shred(store, "T2")
        [kept] = answers.for_submission(store, "T2", KEY)
        assert (kept.tcn, kept.system, kept.kind, kept.outcome, kept.received_at) == (
            "T2",
            "criminal-history",
            "SRE",
            "hit",
            clock.now - 10,
        )
        assert kept.details == {} and kept.subject_id is None and kept.document == "" and kept.reason is None


def test_each_hook_owes_each_notice_once_and_a_failing_hook_is_retried_alone_in_order(tmp_path: Path) -> None:
    clock = Clock()
    hooks = ("file:/a", "webhook:https://desk")
    with open_store(tmp_path, clock=clock) as store:
        _sent(store, clock, "T3")
        notices.owe(store, "a1", "T3", hooks)
        notices.owe(store, "a1", "T3", hooks)  # owing twice (a repeated pass) changes nothing
        clock.now += 1
        late = {"type": "answer-late", "tcn": "T3", "system": "immigration-determination"}
        notices.owe(store, notices.late_notice("T3", "immigration-determination"), "T3", hooks, late)
        owed = notices.pending(store, hooks)
        assert [(o.notice, o.hook, o.is_answer) for o in owed] == [
            ("a1", "file:/a", True),
            ("a1", "webhook:https://desk", True),
            ("late:T3:immigration-determination", "file:/a", False),
            ("late:T3:immigration-determination", "webhook:https://desk", False),
        ]
        assert owed[2].document == late
        notices.delivered(store, "a1", "file:/a")
        notices.failed(store, "a1", "webhook:https://desk")
        # The file goes on; the webhook pauses, and its late alert waits behind the answer it could not take.
        assert [(o.notice, o.hook) for o in notices.pending(store, hooks)] == [
            ("late:T3:immigration-determination", "file:/a")
        ]
        assert notices.pending(store, ["syslog:local0"]) == []  # a hook not configured when they were owed
        clock.now += notices.retry_delay(1) + 0.1
        assert [(o.notice, o.hook, o.attempts) for o in notices.pending(store, hooks)][:2] == [
            ("a1", "webhook:https://desk", 1),
            ("late:T3:immigration-determination", "file:/a", 0),
        ]
        for _ in range(notices.MAX_ATTEMPTS):
            notices.failed(store, "a1", "webhook:https://desk")
        assert notices.undelivered(store)["webhook:https://desk"] == (1, 1)
        assert [notices.retry_delay(n) for n in (1, 2, 3, 20)] == [2.0, 4.0, 8.0, notices.LONGEST_RETRY_S]
