"""The central's answer transactions, written with the formats library and linked by 1.010 TCR (what
`station.formats.ebts.read_answer` reads):

- criminal history: SRE (2.059 SRF I = identified, with the subject's UCN in 2.014 and the rap sheet in 2.075 ERS /
  N = no hit), RPISR (rapid search: SRF R red = identified / Y yellow = possible / G green = no record, the
  candidate's number in 2.014 on R and Y), ERRT (rejected, the reasons in 2.060 MSG);
- immigration: the IDENT Data Response as an SRE (SRF I = match, the FIN in 2.017 MNU as `FN`, N = no match; the
  response text in 2.060 MSG). Both SREs carry 2.018 NAM and 2.073 CRI, mandatory in an SRE.

The immigration determination is not an ANSI/NIST transaction: it is an IAR text message (`station.formats.iar`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading

from station.formats.ansi_nist import TaggedRecord, Transaction, write_transaction

CENTRAL_ORI = "WVIAFIS0Z"
_counter = itertools.count(1)
_lock = threading.Lock()


def _next_tcn() -> str:
    with _lock:
        return f"CENTRAL{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}{next(_counter):06d}"


def _type1(tot: str, tcr: str, station_ori: str) -> TaggedRecord:
    now = dt.datetime.now(dt.UTC)
    record = TaggedRecord(1)
    for number, value in (
        (2, "0502"),
        (3, ""),
        (4, tot),
        (5, f"{now:%Y%m%d}"),
        (7, station_ori if len(station_ori) == 9 else "UNKNOWN00"),
        (8, CENTRAL_ORI),
        (9, _next_tcn()),
        (10, tcr),
        (11, "00.00"),
        (12, "00.00"),
        (14, f"{now:%Y%m%d%H%M%S}Z"),
    ):
        record.set(number, value)
    return record


def _write(type1: TaggedRecord, type2: TaggedRecord) -> bytes:
    transaction = Transaction([type1, type2])
    transaction.refresh_cnt()
    return write_transaction(transaction)


def _sre(tcr: str, station_ori: str, srf: str, name: str, agencies: list[str]) -> tuple[TaggedRecord, TaggedRecord]:
    type2 = TaggedRecord(2)
    type2.set(2, "00")
    type2.set(18, name or "DOE,JOHN")
    type2.set(59, srf)
    type2.set(73, [[agency] for agency in agencies[:3]] or [[station_ori]])
    return _type1("SRE", tcr, station_ori), type2


def search_result(
    tcr: str,
    station_ori: str,
    subject_id: str | None,
    *,
    name: str = "",
    agencies: list[str] | None = None,
    rap_sheet: str = "",
) -> bytes:
    """Criminal history SRE: 2.059 SRF I with 2.014 the subject's UCN and 2.075 ERS the rap sheet, or N."""
    type1, type2 = _sre(tcr, station_ori, "I" if subject_id else "N", name, agencies or [])
    if subject_id:
        type2.set(14, subject_id)
        if rap_sheet:
            type2.set(75, rap_sheet[:200_000])
    return _write(type1, type2)


def immigration_result(
    tcr: str,
    station_ori: str,
    fin: str | None,
    messages: list[str],
    *,
    name: str = "",
    agencies: list[str] | None = None,
) -> bytes:
    """The IDENT Data Response as an SRE: SRF I with 2.017 MNU `FN` the FIN, or N; the response text in 2.060 MSG."""
    type1, type2 = _sre(tcr, station_ori, "I" if fin else "N", name, agencies or [])
    if fin:
        type2.set(17, [["FN", fin]])
    type2.set(60, [[line[:300]] for line in messages[:11]] or [["IDENT NO MATCH"]])
    return _write(type1, type2)


RPISR_CODES = ("R", "Y", "G")


def rapid_result(tcr: str, station_ori: str, srf: str, subject_id: str | None) -> bytes:
    """RPISR: 2.059 SRF R (red: identified) / Y (yellow: possible) / G (green: no record); 2.014 the candidate's
    number on R and Y."""
    if srf not in RPISR_CODES:
        raise ValueError(f"RPISR SRF must be one of {RPISR_CODES}, got {srf!r}")
    type2 = TaggedRecord(2)
    type2.set(2, "00")
    if subject_id and srf != "G":
        type2.set(14, subject_id)
    type2.set(59, srf)
    return _write(_type1("RPISR", tcr, station_ori), type2)


def error_answer(tcr: str, station_ori: str, reasons: list[str]) -> bytes:
    """ERRT: each reason in one 2.060 MSG item (at most 11, 300 characters each)."""
    type2 = TaggedRecord(2)
    type2.set(2, "00")
    type2.set(60, [[reason[:300]] for reason in reasons[:11]] or [["rejected"]])
    return _write(_type1("ERRT", tcr, station_ori), type2)
