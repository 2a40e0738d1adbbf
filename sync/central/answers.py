"""The central's answer transactions: SRE (search result, I = identified with the subject's number / N = no hit),
RPISR (rapid search result, 2.059 SRF R red = identified / Y yellow = possible / G green = no record, with the
candidate's number in 2.014 on R and Y) and ERRT (rejected, with the reasons in 2.060 MSG), written with the formats
library and linked by 1.010 TCR (what `station.formats.ebts.read_answer` reads)."""

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


def search_result(tcr: str, station_ori: str, subject_id: str | None) -> bytes:
    """SRE: 2.059 SRF I with 2.014 the subject's number, or N."""
    type2 = TaggedRecord(2)
    type2.set(2, "00")
    if subject_id:
        type2.set(14, subject_id)
    type2.set(59, "I" if subject_id else "N")
    return _write(_type1("SRE", tcr, station_ori), type2)


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
