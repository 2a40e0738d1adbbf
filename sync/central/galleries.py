"""The two systems behind the reference central's front door, as galleries in central.db.

Criminal history (the FBI's IAFIS/NGI): subjects with a UCN (`S00000001`, ...), their finger templates and their
history of arrests and court events (date, offence literal, disposition: charged / convicted / dismissed /
acquitted). A retained booking (2.005 RET Y) enrols a new subject or adds its charges to the identified one.

Immigration (DHS's IDENT): enrolments with a FIN (`F000000001`, ...), their templates, an immigration status and an
encounter history (date, kind such as entry, visa application, apprehension, removal, criminal booking). A booking
is searched against it but never enrolled; a match adds a "criminal booking" encounter.

Templates are the core matcher's bytes (`station.biometrics.template.Template.to_bytes`), one per finger position.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sync.central.priority import HistoryEntry

if TYPE_CHECKING:  # state.py creates these tables, so it imports this module
    from sync.central.state import CentralState

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS ch_subjects (ucn TEXT PRIMARY KEY, name TEXT NOT NULL, dob TEXT, "
    "source TEXT NOT NULL, enrolled_at REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS ch_prints (ucn TEXT NOT NULL REFERENCES ch_subjects(ucn), position INTEGER NOT NULL, "
    "template BLOB NOT NULL, PRIMARY KEY (ucn, position))",
    "CREATE TABLE IF NOT EXISTS ch_history (id INTEGER PRIMARY KEY, ucn TEXT NOT NULL REFERENCES ch_subjects(ucn), "
    "date TEXT NOT NULL, literal TEXT NOT NULL, disposition TEXT NOT NULL, agency TEXT, tcn TEXT)",
    "CREATE TABLE IF NOT EXISTS ident_persons (fin TEXT PRIMARY KEY, name TEXT NOT NULL, dob TEXT, citizenship TEXT, "
    "status TEXT NOT NULL, status_detail TEXT, enrolled_at REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS ident_prints (fin TEXT NOT NULL REFERENCES ident_persons(fin), position INTEGER NOT "
    "NULL, template BLOB NOT NULL, PRIMARY KEY (fin, position))",
    "CREATE TABLE IF NOT EXISTS ident_encounters (id INTEGER PRIMARY KEY, fin TEXT NOT NULL REFERENCES "
    "ident_persons(fin), date TEXT NOT NULL, kind TEXT NOT NULL, place TEXT, detail TEXT)",
)
DISPOSITIONS = ("charged", "convicted", "dismissed", "acquitted")
# Immigration status on the record -> what the determination can conclude from it (see determination.py).
STATUSES = ("removable", "lawful", "pending", "unknown")


@dataclass(frozen=True)
class Gallery:
    """Where one system keeps its prints: the table and its key column (for the search)."""

    system: str
    prints_table: str
    key: str

    def templates(self, state: CentralState, position: int) -> list[tuple[str, bytes]]:
        rows = state.rows(f"SELECT {self.key} AS id, template FROM {self.prints_table} WHERE position = ?", (position,))
        return [(row["id"], row["template"]) for row in rows]


CRIMINAL_HISTORY = Gallery("criminal-history", "ch_prints", "ucn")
IMMIGRATION = Gallery("immigration", "ident_prints", "fin")


@dataclass(frozen=True)
class Encounter:
    date: str  # ISO date
    kind: str
    place: str = ""
    detail: str = ""


@dataclass(frozen=True)
class ImmigrationRecord:
    fin: str
    name: str
    dob: str | None
    citizenship: str | None
    status: str
    status_detail: str | None
    encounters: tuple[Encounter, ...]


@dataclass(frozen=True)
class CriminalRecord:
    ucn: str
    name: str
    dob: str | None
    history: tuple[HistoryEntry, ...]


def _next_id(state: CentralState, table: str, prefix: str, digits: int) -> str:
    count = state.rows(f"SELECT count(*) AS n FROM {table}")[0]["n"]
    return f"{prefix}{count + 1:0{digits}d}"


def _put_prints(conn: object, table: str, key: str, value: str, templates: Mapping[int, bytes]) -> None:
    for position, template in sorted(templates.items()):
        conn.execute(  # type: ignore[attr-defined]
            f"INSERT OR REPLACE INTO {table} ({key}, position, template) VALUES (?, ?, ?)", (value, position, template)
        )


def enrol_criminal(
    state: CentralState,
    *,
    name: str,
    dob: str | None,
    templates: Mapping[int, bytes],
    history: Iterable[HistoryEntry] = (),
    source: str = "seed",
    agency: str | None = None,
    tcn: str | None = None,
) -> str:
    """A new criminal-history subject (`source`: the TCN of the booking that enrolled it, or how it was seeded);
    returns its UCN."""
    with state.transaction() as conn:
        ucn = _next_id(state, "ch_subjects", "S", 8)
        conn.execute("INSERT INTO ch_subjects VALUES (?, ?, ?, ?, ?)", (ucn, name, dob, source, time.time()))
        _put_prints(conn, "ch_prints", "ucn", ucn, templates)
        add_history(state, ucn, history, agency=agency, tcn=tcn)
    return ucn


def add_history(
    state: CentralState, ucn: str, entries: Iterable[HistoryEntry], *, agency: str | None = None, tcn: str | None = None
) -> None:
    with state.transaction() as conn:
        for entry in entries:
            if entry.disposition not in DISPOSITIONS:
                raise ValueError(f"disposition {entry.disposition!r} is not one of {DISPOSITIONS}")
            conn.execute(
                "INSERT INTO ch_history (ucn, date, literal, disposition, agency, tcn) VALUES (?, ?, ?, ?, ?, ?)",
                (ucn, entry.date, entry.literal, entry.disposition, agency, tcn),
            )


def criminal_record(state: CentralState, ucn: str) -> CriminalRecord | None:
    rows = state.rows("SELECT ucn, name, dob FROM ch_subjects WHERE ucn = ?", (ucn,))
    if not rows:
        return None
    history = tuple(
        HistoryEntry(r["date"], r["literal"], r["disposition"])
        for r in state.rows("SELECT date, literal, disposition FROM ch_history WHERE ucn = ? ORDER BY date, id", (ucn,))
    )
    return CriminalRecord(rows[0]["ucn"], rows[0]["name"], rows[0]["dob"], history)


def enrol_immigration(
    state: CentralState,
    *,
    name: str,
    dob: str | None,
    templates: Mapping[int, bytes],
    status: str,
    status_detail: str | None = None,
    citizenship: str | None = None,
    encounters: Iterable[Encounter] = (),
) -> str:
    """A new immigration enrolment; returns its FIN."""
    if status not in STATUSES:
        raise ValueError(f"immigration status {status!r} is not one of {STATUSES}")
    with state.transaction() as conn:
        fin = _next_id(state, "ident_persons", "F", 9)
        conn.execute(
            "INSERT INTO ident_persons VALUES (?, ?, ?, ?, ?, ?, ?)",
            (fin, name, dob, citizenship, status, status_detail, time.time()),
        )
        _put_prints(conn, "ident_prints", "fin", fin, templates)
        for encounter in encounters:
            add_encounter(state, fin, encounter)
    return fin


def add_encounter(state: CentralState, fin: str, encounter: Encounter) -> None:
    state.write(
        "INSERT INTO ident_encounters (fin, date, kind, place, detail) VALUES (?, ?, ?, ?, ?)",
        (fin, encounter.date, encounter.kind, encounter.place, encounter.detail),
    )


def immigration_record(state: CentralState, fin: str) -> ImmigrationRecord | None:
    rows = state.rows("SELECT * FROM ident_persons WHERE fin = ?", (fin,))
    if not rows:
        return None
    row = rows[0]
    encounters = tuple(
        Encounter(r["date"], r["kind"], r["place"] or "", r["detail"] or "")
        for r in state.rows(
            "SELECT date, kind, place, detail FROM ident_encounters WHERE fin = ? ORDER BY date, id", (fin,)
        )
    )
    return ImmigrationRecord(
        row["fin"], row["name"], row["dob"], row["citizenship"], row["status"], row["status_detail"], encounters
    )


def today() -> str:
    return dt.date.today().isoformat()


def counts(state: CentralState) -> dict[str, int]:
    """How many persons each gallery holds (for `station central status`)."""
    return {
        "criminal-history": state.rows("SELECT count(*) AS n FROM ch_subjects")[0]["n"],
        "immigration": state.rows("SELECT count(*) AS n FROM ident_persons")[0]["n"],
    }
