"""A booking's states, each transition one transaction: claim and queue, a second submission refused, crash
recovery, receipt and answer, the ERRT that reopens, resubmission, cancel, abandonment and shredding by policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from answer_kit import KEY, an_answer

from station.crypto.storage import StorageKey
from station.store import answers, lifecycle, open_store, outbox
from station.store.bookings import BookingVault, UnknownBooking


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def vault(tmp_path: Path):
    clock = Clock()
    store = open_store(tmp_path, clock=clock)
    vault = BookingVault(store, StorageKey.generate())
    vault.clock = clock  # type: ignore[attr-defined]
    yield vault
    store.close()


def _queue(vault: BookingVault, booking: str, tcn: str, replaces: str | None = None) -> None:
    outbox.enqueue(
        vault.store,
        tcn=tcn,
        envelope=b"sealed " + tcn.encode(),
        tot="CAR",
        priority=4,
        booking_id=booking,
        replaces=replaces,
    )


def _answer(vault: BookingVault, tcn: str, kind: str = "SRE", hit: bool | None = False) -> bool:
    outcome = "rejected" if kind == "ERRT" else ("hit" if hit else "no-hit")
    answer = an_answer(tcn, f"{tcn}-{kind}", 1, "criminal-history", kind, outcome, subject_id="S-1", reason="bad SEG")
    return answers.record(vault.store, answer, KEY)


def test_a_booking_is_claimed_then_queued_with_its_tcn_and_a_second_submission_is_refused(vault) -> None:
    booking = vault.open_booking("jsmith")
    with pytest.raises(lifecycle.NotOpen, match="not being submitted"):
        _queue(vault, booking, "T1")  # no outbox row without a claim
    assert outbox.counts(vault.store)["sealed"] == 0
    assert lifecycle.claim(vault.store, booking, "T1") is None
    with pytest.raises(lifecycle.AlreadySubmitted, match=r"already submitted \(TCN T1\)"):
        lifecycle.claim(vault.store, booking, "T2")
    _queue(vault, booking, "T1")
    row = lifecycle.get(vault.store, booking)
    assert (row.state, row.tcn) == ("queued", "T1")
    assert outbox.get(vault.store, "T1").booking_id == booking
    with pytest.raises(lifecycle.AlreadySubmitted, match=r"TCN T1"):
        lifecycle.claim(vault.store, booking, "T3")
    assert [s["tcn"] for s in lifecycle.submissions_of(vault.store, booking)] == ["T1"]


def test_a_claim_without_its_outbox_row_is_open_again_after_a_crash(tmp_path: Path) -> None:
    key = StorageKey.generate()
    with open_store(tmp_path) as store:
        vault = BookingVault(store, key)
        booking = vault.open_booking("jsmith")
        vault.save_item(booking, "session", 0, b"state")
        lifecycle.claim(store, booking, "T1")
    with open_store(tmp_path) as store:  # the daemon restarts
        assert lifecycle.get(store, booking).state == "submitting"
        assert lifecycle.recover(store) == [booking]
        row = lifecycle.get(store, booking)
        assert (row.state, row.tcn) == ("open", None)
        assert outbox.counts(store)["sealed"] == 0
        assert BookingVault(store, key).load_item(booking, "session", 0) == b"state"
        lifecycle.claim(store, booking, "T2")  # and it can be submitted as if nothing had happened
        lifecycle.release(store, booking)  # the CAR could not be built: open again
        assert lifecycle.get(store, booking).state == "open"


def test_receipt_answer_and_shredding_after_the_retention(vault) -> None:
    booking = vault.open_booking("jsmith")
    vault.save_items(booking, {("session", 0): b"subject", ("image", 1): b"slap"})
    lifecycle.claim(vault.store, booking, "T1")
    _queue(vault, booking, "T1")
    outbox.claim(vault.store, "T1")
    outbox.accept(vault.store, "T1", "{}")
    assert lifecycle.get(vault.store, booking).state == "sent"
    assert _answer(vault, "T1") and not _answer(vault, "T1")
    row = lifecycle.get(vault.store, booking)
    assert (row.state, row.closed_at, row.shredded) == ("answered", vault.clock.now, False)
    assert lifecycle.shred_due(vault.store, keep_answered_s=3600, abandon_after_s=86400) == []
    vault.clock.now += 3600
    assert lifecycle.shred_due(vault.store, keep_answered_s=3600, abandon_after_s=86400) == [(booking, "answered")]
    row = lifecycle.get(vault.store, booking)
    assert row.shredded and row.shred_reason == "answered" and row.tcn == "T1"
    assert vault.items(booking) == []
    assert vault.store.query("SELECT wrapped_key FROM bookings")[0]["wrapped_key"] is None
    with pytest.raises(UnknownBooking, match="shredded"):
        vault.load_item(booking, "session", 0)
    [kept] = answers.for_submission(vault.store, "T1", KEY)
    # the outcome stays; what the central said about the person (sealed) goes with the booking's key
    assert (kept.outcome, kept.subject_id, kept.document) == ("no-hit", None, "")


def test_an_errt_reopens_the_card_and_a_resubmission_replaces_the_tcn(vault) -> None:
    booking = vault.open_booking("jsmith")
    lifecycle.claim(vault.store, booking, "T1")
    _queue(vault, booking, "T1")
    _answer(vault, "T1", "ERRT", None)
    row = lifecycle.get(vault.store, booking)
    assert (row.state, row.shredded) == ("open", False)  # kept, to be corrected
    assert lifecycle.shred_due(vault.store, keep_answered_s=0, abandon_after_s=86400) == []
    with pytest.raises(lifecycle.AlreadySubmitted, match=r"TCN T1.*"):
        lifecycle.claim(vault.store, booking, "T2")  # not by accident: a resubmission says so
    assert lifecycle.claim(vault.store, booking, "T2", resubmission=True) == "T1"
    _queue(vault, booking, "T2", replaces="T1")
    history = lifecycle.submissions_of(vault.store, booking)
    assert [(s["tcn"], s["replaces"]) for s in history] == [("T1", None), ("T2", "T1")]
    fresh = vault.open_booking("jsmith")
    with pytest.raises(lifecycle.NotOpen, match="never submitted"):
        lifecycle.claim(vault.store, fresh, "T3", resubmission=True)


def test_untouched_bookings_are_abandoned_and_shredded_and_cancelling_shreds_at_once(vault) -> None:
    stale, busy, cancelled = (vault.open_booking("jsmith") for _ in range(3))
    for booking in (stale, busy, cancelled):
        vault.save_item(booking, "session", 0, b"state")
    vault.clock.now += 86400 - 10
    vault.save_item(busy, "image", 1, b"a capture just now")
    vault.clock.now += 10
    lifecycle.cancel(vault.store, cancelled)
    assert lifecycle.get(vault.store, cancelled).shredded
    with pytest.raises(lifecycle.NotOpen):
        lifecycle.cancel(vault.store, cancelled)
    assert lifecycle.shred_due(vault.store, keep_answered_s=0, abandon_after_s=86400) == [(stale, "abandoned")]
    assert lifecycle.get(vault.store, stale).state == "abandoned"
    assert lifecycle.get(vault.store, busy).state == "open" and vault.items(busy) == [("image", 1), ("session", 0)]
    assert {r.booking_id for r in lifecycle.list_rows(vault.store, states=("open",))} == {busy}
