"""The central's front door: one received submission in, the answers of each system behind it out.

A CAR/CNA (validated with `validate_car`) is searched once against the criminal-history and the immigration gallery
with the same probes, and answered twice: criminal history with an SRE (hit with the UCN and rap sheet / no hit),
immigration with the IDENT Data Response (match with the FIN and encounters / no match). A retained booking (2.005
RET Y) goes into the criminal-history gallery (a new subject, or its charges added to the one identified); an
immigration match adds a "criminal booking" encounter and opens a determination case (`determination.py`).
A rapid search (RPIS, `validate_rpis`) is answered by criminal history alone with an RPISR and changes nothing.
Anything else, or anything invalid, gets one ERRT: nothing else follows.

`evaluate` only reads (the search takes seconds and must not hold the database); `Evaluation.apply` writes every
effect in the caller's transaction, together with the answers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from station.crypto import CryptoError
from station.crypto.envelope import open_sealed, parse
from station.errors import FormatError
from station.formats.ansi_nist import ParseError, TaggedRecord, Transaction, read_transaction
from station.formats.ebts import validate_car, validate_rpis
from sync import wire
from sync.central import galleries
from sync.central.answer_log import Draft
from sync.central.answers import error_answer, immigration_result, rapid_result, search_result
from sync.central.determination import open_case
from sync.central.galleries import CRIMINAL_HISTORY, IMMIGRATION, Encounter
from sync.central.pki import CentralKeys
from sync.central.priority import HistoryEntry
from sync.central.search import GallerySearch, Identified
from sync.central.state import CentralState

log = logging.getLogger(__name__)
RAPID = {"R": "red", "Y": "yellow", "G": "green"}


@dataclass
class Booking:
    """What the answers and the galleries need from a CAR's Type-1 and Type-2."""

    station_ori: str
    name: str
    dob: str | None
    charges: list[str]
    agencies: list[str]
    retain: bool
    date_of_arrest: str


@dataclass
class Evaluation:
    drafts: list[Draft]
    booking: Booking | None = None
    probes: dict[int, bytes] | None = None
    criminal: Identified | None = None
    immigration: Identified | None = None

    def apply(self, state: CentralState, *, tcn: str, station_id: str, determination_due: float) -> None:
        """Write the galleries' changes and open the determination case (inside the caller's transaction)."""
        booking = self.booking
        if booking is None or self.probes is None:
            return
        ucn = self.criminal.person if self.criminal else None
        if booking.retain:
            entries = [HistoryEntry(booking.date_of_arrest, c, "charged") for c in booking.charges]
            if ucn:
                galleries.add_history(state, ucn, entries, agency=booking.station_ori, tcn=tcn)
            else:
                galleries.enrol_criminal(
                    state,
                    name=booking.name,
                    dob=booking.dob,
                    templates=self.probes,
                    history=entries,
                    source=tcn,
                    agency=booking.station_ori,
                    tcn=tcn,
                )
        if self.immigration:
            fin = self.immigration.person
            galleries.add_encounter(
                state, fin, Encounter(booking.date_of_arrest, "criminal booking", booking.station_ori, tcn)
            )
            open_case(
                state,
                tcn=tcn,
                station_id=station_id,
                fin=fin,
                ucn=ucn,
                charges=booking.charges,
                station_ori=booking.station_ori,
                due_at=determination_due,
            )


def _iso(ccyymmdd: str | None) -> str | None:
    if not ccyymmdd or len(ccyymmdd) != 8 or not ccyymmdd.isdigit():
        return None
    return f"{ccyymmdd[:4]}-{ccyymmdd[4:6]}-{ccyymmdd[6:]}"


def booking_of(transaction: Transaction, station_ori: str) -> Booking:
    type2 = next((r for r in transaction.records if isinstance(r, TaggedRecord) and r.type == 2), TaggedRecord(2))
    asl, cri = type2.get(47), type2.get(73)
    return Booking(
        station_ori=station_ori,
        name=type2.text(18) or "",
        dob=_iso(type2.text(22)),
        charges=[sub[-1] for sub in asl.subfields if sub and sub[-1]] if asl else [],
        agencies=[sub[0] for sub in cri.subfields if sub] if cri else [station_ori],
        retain=(type2.text(5) or "Y") == "Y",
        date_of_arrest=_iso(type2.text(45)) or galleries.today(),
    )


def _rejected(tcn: str, station_ori: str, reasons: list[str]) -> Evaluation:
    draft = Draft(
        "criminal-history",
        "ERRT",
        "rejected",
        error_answer(tcn, station_ori, reasons),
        False,
        reason="; ".join(reasons),
        details={"reasons": reasons},
    )
    return Evaluation([draft])


def _rap_sheet(record: galleries.CriminalRecord) -> str:
    lines = [f"UCN {record.ucn} {record.name} DOB {record.dob or 'UNKNOWN'}"]
    lines += [f"{e.date} {e.disposition.upper()} {e.literal}" for e in record.history]
    return "\n".join(lines)


class FrontDoor:
    def __init__(self, state: CentralState, keys: CentralKeys, search: GallerySearch) -> None:
        self.state = state
        self.keys = keys
        self.search = search

    def evaluate(self, tcn: str, envelope: bytes) -> Evaluation:
        station_ori = "UNKNOWN00"
        try:
            payload = open_sealed(parse(envelope), self.keys.encryption)
        except CryptoError as exc:
            return _rejected(tcn, station_ori, [exc.message])
        try:
            transaction = read_transaction(payload)
            station_ori = transaction.type1.text(8) or station_ori
        except ParseError as exc:
            return _rejected(tcn, station_ori, [f"unreadable transaction: {exc.message}"])
        rapid = transaction.type1.text(4) == "RPIS"
        errors = [str(p) for p in (validate_rpis if rapid else validate_car)(transaction) if p.severity == "error"]
        if errors:
            return _rejected(tcn, station_ori, errors)
        try:
            probes = self.search.probes(transaction)
            if rapid:
                return self._rapid(tcn, station_ori, probes)
            return self._booking(tcn, transaction, station_ori, probes)
        except FormatError as exc:  # a corrupt image (a decoder crash in its child included): the station must fix it
            return _rejected(tcn, station_ori, [f"unreadable image: {exc.message}"])
        except Exception as exc:  # a matcher failure must not lose the submission: answer ERRT, keep going
            log.exception("search failed for %s", tcn)
            return _rejected(tcn, station_ori, [f"search failed at the central: {exc}"])

    def _rapid(self, tcn: str, station_ori: str, probes: dict[int, bytes] | None) -> Evaluation:
        found = self.search.rapid(probes, CRIMINAL_HISTORY)
        reason = None
        if found.srf == "Y":
            reason = (
                f"possible match (RPISR yellow, {found.fingers_matched} finger(s)): confirm with a tenprint booking"
            )
        draft = Draft(
            "criminal-history",
            "RPISR",
            RAPID[found.srf],
            rapid_result(tcn, station_ori, found.srf, found.subject_id),
            found.searched,
            subject_id=found.subject_id,
            reason=reason,
            details={"srf": found.srf, "fingers": found.fingers_matched},
        )
        return Evaluation([draft])

    def _booking(
        self, tcn: str, transaction: Transaction, station_ori: str, probes: dict[int, bytes] | None
    ) -> Evaluation:
        booking = booking_of(transaction, station_ori)
        searched = probes is not None
        criminal = self.search.identify(probes, CRIMINAL_HISTORY) if probes else None
        immigration = self.search.identify(probes, IMMIGRATION) if probes else None
        drafts = [self._criminal_answer(tcn, booking, criminal, searched)]
        drafts.append(self._immigration_answer(tcn, booking, immigration, searched))
        return Evaluation(drafts, booking, probes, criminal, immigration)

    def _criminal_answer(self, tcn: str, booking: Booking, found: Identified | None, searched: bool) -> Draft:
        record = galleries.criminal_record(self.state, found.person) if found else None
        if record is None:
            transaction = search_result(tcn, booking.station_ori, None, name=booking.name, agencies=booking.agencies)
            return Draft(
                "criminal-history", "SRE", "no-hit", transaction, searched, details={"retained": booking.retain}
            )
        transaction = search_result(
            tcn,
            booking.station_ori,
            record.ucn,
            name=record.name,
            agencies=booking.agencies,
            rap_sheet=_rap_sheet(record),
        )
        history = [{"date": e.date, "offence": e.literal, "disposition": e.disposition} for e in record.history]
        details = {"ucn": record.ucn, "name": record.name, "fingers": found.fingers if found else 0, "history": history}
        return Draft(
            "criminal-history",
            "SRE",
            "hit",
            transaction,
            searched,
            subject_id=record.ucn,
            reason=f"identified as {record.ucn}",
            details=details,
        )

    def _immigration_answer(self, tcn: str, booking: Booking, found: Identified | None, searched: bool) -> Draft:
        record = galleries.immigration_record(self.state, found.person) if found else None
        if record is None:
            transaction = immigration_result(
                tcn, booking.station_ori, None, ["IDENT NO MATCH"], name=booking.name, agencies=booking.agencies
            )
            return Draft("immigration", "SRE", "no-match", transaction, searched)
        encounters = [{"date": e.date, "kind": e.kind, "place": e.place} for e in record.encounters]
        last = record.encounters[-1] if record.encounters else None
        messages = [f"IDENT MATCH FIN {record.fin}", f"ENCOUNTERS ON RECORD: {len(encounters)}"]
        if last:
            messages.append(f"LAST ENCOUNTER {last.date} {last.kind.upper()} {last.place.upper()}".strip())
        messages.append("THE IMMIGRATION AGENCY HAS BEEN NOTIFIED; ITS DETERMINATION WILL FOLLOW")
        transaction = immigration_result(
            tcn, booking.station_ori, record.fin, messages, name=record.name, agencies=booking.agencies
        )
        details = {
            "fin": record.fin,
            "name": record.name,
            "citizenship": record.citizenship,
            "fingers": found.fingers if found else 0,
            "encounters": encounters,
        }
        return Draft(
            "immigration",
            "SRE",
            "match",
            transaction,
            searched,
            subject_id=record.fin,
            reason=f"matched immigration record {record.fin}",
            details=details,
            expects=[wire.DETERMINATION],
        )
