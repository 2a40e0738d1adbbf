"""Immigration determination cases: opened when the immigration gallery matches a booking, decided after a delay
(the time the immigration agency takes to evaluate a case: seconds in a demo, hours in a soak), answered with an
Immigration Alien Response (IAR, `station.formats.iar`) carrying the finding and the enforcement priority.

The finding follows the immigration record's status: removable -> REMOVABLE; lawful -> LAWFUL STATUS, unless the
person's criminal history holds a level-1 conviction (a lawful status a conviction may end: FURTHER REVIEW); pending
(an application or a claim under review) -> FURTHER REVIEW; unknown -> NO DETERMINATION POSSIBLE. The priority is
`priority.priority_of` over the booking's charges and the criminal history of the person the criminal-history
gallery identified (none when it did not).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass

from station.formats.iar import FINDINGS, Iar, write_iar
from sync.central import galleries
from sync.central.priority import Priority, classify, priority_of
from sync.central.state import CentralState

IMMIGRATION_ORI = "VTICE0900"  # the immigration agency's support center, as Nlets lists it
STATUS_FINDINGS = {
    "removable": "removable",
    "lawful": "lawful-status",
    "pending": "further-review",
    "unknown": "no-determination",
}


@dataclass(frozen=True)
class Case:
    case_id: str
    tcn: str
    station_id: str
    fin: str
    ucn: str | None
    charges: tuple[str, ...]
    station_ori: str
    opened_at: float
    due_at: float


@dataclass(frozen=True)
class Decision:
    finding: str  # outcome code (FINDINGS keys)
    priority: Priority
    iar: bytes
    details: dict[str, object]
    reason: str


def open_case(
    state: CentralState,
    *,
    tcn: str,
    station_id: str,
    fin: str,
    ucn: str | None,
    charges: list[str],
    station_ori: str,
    due_at: float,
) -> str:
    """Open the case for a matched booking (joins the caller's transaction); returns its number."""
    with state.transaction() as conn:
        number = conn.execute("SELECT count(*) FROM cases").fetchone()[0] + 1
        case_id = f"LESC{dt.datetime.now(dt.UTC):%Y}{number:08d}"
        conn.execute(
            "INSERT INTO cases (case_id, tcn, station_id, fin, ucn, charges, station_ori, opened_at, due_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (case_id, tcn, station_id, fin, ucn, json.dumps(charges), station_ori, time.time(), due_at),
        )
    return case_id


def due_cases(state: CentralState, now: float, limit: int = 20) -> list[Case]:
    rows = state.rows("SELECT * FROM cases WHERE state = 'open' AND due_at <= ? ORDER BY due_at LIMIT ?", (now, limit))
    return [
        Case(
            r["case_id"],
            r["tcn"],
            r["station_id"],
            r["fin"],
            r["ucn"],
            tuple(json.loads(r["charges"])),
            r["station_ori"],
            r["opened_at"],
            r["due_at"],
        )
        for r in rows
    ]


def close_case(state: CentralState, case_id: str) -> None:
    state.write("UPDATE cases SET state = 'decided' WHERE case_id = ?", (case_id,))


def decide(state: CentralState, case: Case) -> Decision:
    """The immigration agency's finding on the case, from the records as they stand now."""
    record = galleries.immigration_record(state, case.fin)
    criminal = galleries.criminal_record(state, case.ucn) if case.ucn else None
    history = criminal.history if criminal else ()
    priority = priority_of(case.charges, history)
    status = record.status if record else "unknown"
    finding = STATUS_FINDINGS[status]
    remarks = [record.status_detail] if record and record.status_detail else []
    if finding == "lawful-status":
        convicted = [e for e in history if e.disposition == "convicted" and classify(e.literal).level == 1]
        if convicted:
            finding = "further-review"
            remarks.append(f"LAWFUL STATUS ON RECORD; CONVICTED {convicted[-1].date} {convicted[-1].literal}")
    remarks.append("THE IMMIGRATION AGENCY HAS BEEN NOTIFIED OF THIS BOOKING")
    iar = write_iar(
        Iar(
            destination=case.station_ori,
            sender=IMMIGRATION_ORI,
            tcr=case.tcn,
            finding=finding,
            priority=priority.level,
            case=case.case_id,
            fin=case.fin,
            name=record.name if record else None,
            dob=(record.dob or "").replace("-", "") or None if record else None,
            basis=priority.basis,
            remarks=remarks,
        )
    )
    details: dict[str, object] = {
        "case": case.case_id,
        "fin": case.fin,
        "finding": FINDINGS[finding],
        "priority": priority.as_dict(),
        "remarks": remarks,
    }
    reason = f"{FINDINGS[finding].lower()}, priority level {priority.level} ({priority.offence_class})"
    return Decision(finding, priority, iar, details, reason)
