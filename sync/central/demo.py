"""The demo central's known persons: who each system knows, so that `make run` shows every combination.

The persons are the simulated scanner's synthetic people (`sim://?seed=N`); their finger templates come from the
caller (`templates_of(seed)`, made by the application shell from other impressions than the scanner's captures), so
this module needs no driver:

    seed 7    criminal history and immigration: HIT, MATCH, then REMOVABLE, priority 1 (a robbery conviction)
    seed 8    criminal history only: HIT (a burglary conviction), no match
    seed 9    immigration only: no hit, MATCH, then LAWFUL STATUS (priority from the booking's charges)
    seed 10   nobody: no hit, no match (and retained: booked again, it is a criminal-history hit)

`station run` books seed 7 by default; `station run --scanner 'sim://?seed=8'` books another person.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sync.central import galleries
from sync.central.galleries import Encounter
from sync.central.priority import HistoryEntry
from sync.central.state import CentralState

DEMO_SOURCE = "demo"
FINGERS = (1, 2, 6, 7)  # thumbs and index fingers: enough for an identification (2 fingers) and quick to make


@dataclass(frozen=True)
class DemoPerson:
    seed: int
    name: str
    dob: str
    history: tuple[HistoryEntry, ...] | None = None  # known to criminal history, with this record
    status: str | None = None  # known to immigration, with this status ...
    status_detail: str = ""
    citizenship: str = ""
    encounters: tuple[Encounter, ...] = ()

    @property
    def systems(self) -> str:
        known = [s for s, k in (("criminal history", self.history), ("immigration", self.status)) if k is not None]
        return " and ".join(known) or "neither system"


PEOPLE = (
    DemoPerson(
        7,
        "RIVERA,MATEO",
        "1984-06-02",
        history=(
            HistoryEntry("2011-08-14", "1201 ROBBERY - BUSINESS - GUN", "convicted"),
            HistoryEntry("2019-02-03", "DRIVING UNDER THE INFLUENCE", "convicted"),
        ),
        status="removable",
        status_detail="FINAL ORDER OF REMOVAL 2015",
        citizenship="MX",
        encounters=(
            Encounter("2009-04-21", "apprehension", "NOGALES AZ"),
            Encounter("2015-10-30", "removal", "NOGALES AZ"),
        ),
    ),
    DemoPerson(8, "BAKER,THOMAS", "1979-11-23", history=(HistoryEntry("2016-05-09", "BURGLARY", "convicted"),)),
    DemoPerson(
        9,
        "NOVAK,ANNA",
        "1992-03-17",
        status="lawful",
        status_detail="LAWFUL PERMANENT RESIDENT SINCE 2014",
        citizenship="PL",
        encounters=(Encounter("2012-07-01", "visa application", "WARSAW"), Encounter("2012-09-15", "entry", "JFK NY")),
    ),
)
NOBODY_SEED = 10


def seeded(state: CentralState) -> bool:
    return bool(state.rows("SELECT 1 FROM ch_subjects WHERE source = ? LIMIT 1", (DEMO_SOURCE,)))


def seed_demo(state: CentralState, templates_of: Callable[[int], Mapping[int, bytes]]) -> list[tuple[DemoPerson, str]]:
    """Enrol the demo persons once (a second call changes nothing); returns who was enrolled and where."""
    if seeded(state) or state.rows("SELECT 1 FROM ident_persons LIMIT 1"):
        return []
    done = []
    for person in PEOPLE:
        templates = templates_of(person.seed)
        if person.history is not None:
            galleries.enrol_criminal(
                state,
                name=person.name,
                dob=person.dob,
                templates=templates,
                history=person.history,
                source=DEMO_SOURCE,
            )
        if person.status is not None:
            galleries.enrol_immigration(
                state,
                name=person.name,
                dob=person.dob,
                templates=templates,
                status=person.status,
                status_detail=person.status_detail,
                citizenship=person.citizenship,
                encounters=person.encounters,
            )
        done.append((person, person.systems))
    return done
