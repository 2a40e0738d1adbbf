"""One submission, both systems: the reference central searches a booking's prints against its criminal-history
and its immigration gallery and answers each system on its own; an immigration match is followed, after the
determination delay, by the immigration agency's finding with the enforcement priority. Real fingers (FVC), a real
central on loopback, the station's real forwarder and store."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from galleries_kit import booking, seed
from sync_kit import Pair, start_pair, stop_pair, wait_for_answers

from station.formats.ebts import read_answer
from station.formats.iar import read_iar
from station.store import waiting
from station.store.events import list_events
from station.store.submit import queue_transaction
from station.store.timeline import timeline
from sync.central import galleries
from sync.central.faults import Faults

DETERMINATION_DELAY = 1.0


@pytest.fixture
def world(tmp_path: Path, central_template: Path, test_data: Path, fvc_data: Path):
    """A pair whose central knows the people of `galleries_kit` (FVC fingers): the pair, their numbers, the folder."""
    pair = start_pair(
        tmp_path,
        central_template,
        test_data,
        search=True,
        determination_delay=DETERMINATION_DELAY,
        faults=Faults(seed=3),
    )
    numbers = seed(pair.central_state(), fvc_data)
    yield pair, numbers, fvc_data
    stop_pair(pair)


def _book(pair: Pair, fvc: Path, person: str, tcn: str, offenses: tuple[str, ...] = ("TRESPASSING",)) -> None:
    queue_transaction(pair.store, booking(fvc, person, tcn, offenses), identity=pair.identity, central=pair.info)


def _transaction(document: str) -> bytes:
    return base64.b64decode(json.loads(document)["transaction"])


def _one_car_each(pair: Pair, *tcns: str) -> None:
    counts = pair.central_state().delivery_counts()
    assert {tcn: counts[tcn] for tcn in tcns} == {tcn: {"new": 1} for tcn in tcns}


def test_known_to_both_gets_a_hit_a_match_then_the_determination_with_its_priority(world) -> None:
    pair, numbers, fvc = world
    _book(pair, fvc, "both", "VA2026BOTH00001")
    wait_for_answers(pair, "VA2026BOTH00001", 2)
    criminal, immigration = pair.answers("VA2026BOTH00001")
    assert (criminal.label, criminal.subject_id) == ("criminal history: HIT", numbers["both/criminal-history"])
    assert criminal.details["history"][0]["offence"] == "1201 ROBBERY - BUSINESS - GUN"
    sre = read_answer(_transaction(criminal.document))
    assert (sre.tot, sre.srf, sre.ucn, sre.tcr) == ("SRE", "I", numbers["both/criminal-history"], "VA2026BOTH00001")
    assert (immigration.label, immigration.subject_id) == ("immigration: MATCH", numbers["both/immigration"])
    assert immigration.expects == ("immigration-determination",)
    idr = read_answer(_transaction(immigration.document))
    assert idr.srf == "I" and any("IDENT MATCH" in m for m in idr.messages)
    awaited = waiting.awaiting(pair.store, waiting.ServiceLevels(), "VA2026BOTH00001")
    assert [a.step for a in awaited] == ["immigration-determination"]

    wait_for_answers(pair, "VA2026BOTH00001", 3, timeout=30)
    determination = pair.answers("VA2026BOTH00001")[2]
    assert determination.label == "immigration determination: removable, priority 1"
    # The charge is trespassing (level 3): the robbery conviction in the criminal history sets level 1.
    assert determination.details["priority"]["basis"].startswith("criminal history 2012-03-04 (convicted): 1201")
    iar = read_iar(_transaction(determination.document))
    assert (iar.tcr, iar.finding, iar.priority, iar.fin) == (
        "VA2026BOTH00001",
        "removable",
        1,
        numbers["both/immigration"],
    )
    assert waiting.awaiting(pair.store, waiting.ServiceLevels(), "VA2026BOTH00001") == []
    steps = [s["label"] for s in timeline(pair.store, "VA2026BOTH00001", waiting.ServiceLevels())]
    assert steps[0].startswith("queued") and steps[1] == "sent to the central" and steps[2].startswith("accepted")
    assert steps[3:] == [
        "criminal history: HIT",
        "immigration: MATCH",
        "immigration determination: removable, priority 1",
    ]
    # The booking went into both records: a new arrest in the criminal history, a criminal booking encounter.
    record = galleries.criminal_record(pair.central_state(), numbers["both/criminal-history"])
    assert record is not None and record.history[-1].literal == "TRESPASSING"
    encounters = galleries.immigration_record(pair.central_state(), numbers["both/immigration"]).encounters
    assert encounters[-1].kind == "criminal booking" and encounters[-1].detail == "VA2026BOTH00001"
    _one_car_each(pair, "VA2026BOTH00001")


def test_known_to_neither_gets_two_no_hits_and_no_determination(world) -> None:
    pair, _, fvc = world
    _book(pair, fvc, "neither", "VA2026NONE00001")
    wait_for_answers(pair, "VA2026NONE00001", 2)
    assert [a.label for a in pair.answers("VA2026NONE00001")] == ["criminal history: no hit", "immigration: no match"]
    assert waiting.awaiting(pair.store, waiting.ServiceLevels(), "VA2026NONE00001") == []
    assert not waiting.owed(pair.store)
    assert pair.central_state().rows("SELECT count(*) AS n FROM cases")[0]["n"] == 0
    _one_car_each(pair, "VA2026NONE00001")


def test_known_to_one_system_gets_exactly_that(world) -> None:
    pair, numbers, fvc = world
    _book(pair, fvc, "criminal", "VA2026CRIM00001")
    _book(pair, fvc, "immigration", "VA2026IMMI00001", offenses=("POSSESSION OF MARIJUANA",))
    wait_for_answers(pair, "VA2026CRIM00001", 2)
    wait_for_answers(pair, "VA2026IMMI00001", 3, timeout=30)
    assert [a.label for a in pair.answers("VA2026CRIM00001")] == ["criminal history: HIT", "immigration: no match"]
    labels = [a.label for a in pair.answers("VA2026IMMI00001")]
    assert labels == [
        "criminal history: no hit",
        "immigration: MATCH",
        "immigration determination: lawful status, priority 2",
    ]
    determination = pair.answers("VA2026IMMI00001")[2]
    assert determination.details["priority"]["basis"] == "booking charge: POSSESSION OF MARIJUANA"
    assert pair.answers("VA2026IMMI00001")[1].subject_id == numbers["immigration/immigration"]
    _one_car_each(pair, "VA2026CRIM00001", "VA2026IMMI00001")


def test_answers_out_of_order_repeated_and_after_a_restart_are_kept_once_in_order(world) -> None:
    pair, _, fvc = world
    faults = pair.central.server.faults
    faults.shuffle = faults.repeat = 1.0  # every page shuffled, acknowledgements ignored: everything comes again
    _book(pair, fvc, "both", "VA2026ORDR00001")
    wait_for_answers(pair, "VA2026ORDR00001", 2)
    # A restart of the station: a new forwarder on a store opened again; the central hands everything out again.
    pair.store.close()
    from station.store import open_store

    pair.store = open_store(pair.state_dir)
    wait_for_answers(pair, "VA2026ORDR00001", 3, timeout=30)
    for _ in range(5):
        pair.forwarder().run(once=True)
    kept = pair.answers("VA2026ORDR00001")
    assert [a.seq for a in kept] == [1, 2, 3] and len({a.answer_id for a in kept}) == 3
    assert [a.step for a in kept] == ["criminal-history", "immigration", "immigration-determination"]
    # They did arrive out of order (the shuffled first page put immigration first), and were kept once each.
    arrivals = [e["detail"] for e in reversed(list_events(pair.store, "VA2026ORDR00001")) if e["kind"] == "answered"]
    assert [a.split(":")[0] for a in arrivals] == ["immigration", "criminal history", "immigration determination"]
    _one_car_each(pair, "VA2026ORDR00001")


def test_a_determination_past_its_service_level_is_late_once(world) -> None:
    pair, _, fvc = world
    levels = waiting.ServiceLevels(determination_s=0.2)
    _book(pair, fvc, "both", "VA2026LATE00001")
    wait_for_answers(pair, "VA2026LATE00001", 2)
    [awaited] = waiting.awaiting(pair.store, levels, "VA2026LATE00001")
    assert awaited.step == "immigration-determination" and not awaited.late(awaited.since)
    late_at = awaited.due_at + 0.01
    assert awaited.late(late_at)
    assert waiting.late_counts(pair.store, levels, late_at)["immigration-determination"] == 1
    assert waiting.mark_late(pair.store, awaited) and not waiting.mark_late(pair.store, awaited)
    late_line = [s for s in timeline(pair.store, "VA2026LATE00001", levels, now=late_at) if s["step"] == "awaiting"]
    assert late_line[0]["late"] and late_line[0]["label"].startswith("immigration determination: late since")
    wait_for_answers(pair, "VA2026LATE00001", 3, timeout=30)
    assert waiting.late_counts(pair.store, levels, late_at)["immigration-determination"] == 0
