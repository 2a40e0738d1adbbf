"""The EBTS CAR/CNA profile: the base standard's rules plus what the FBI asks of a criminal tenprint submission.

Checked: TOT CAR/CNA, DAT at most one day ahead, VER 0502 (older versions: warning), DOM shape; DAI and ORI 9
characters; TCN 10-40 characters; the record counts of a CAR (one Type-2; 1-14 Type-4/14; Type-10 0-4; Type-7/13
0-2; Type-15 0-8; nothing else, in particular no Type-9); every mandatory Type-2 field with its value rule (the same
validators as the booking form); 2.084 AMP; Type-14 IMP, FGP, CGA WSQ20 at 500 ppi, BPX 8, SEG iff multi-finger,
AMP, NQM and FQM shapes; Type-4 WSQ.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from station.formats.ansi_nist import BinaryRecord, Problem, TaggedRecord, Transaction, validate
from station.formats.ansi_nist.rules import parse_date
from station.formats.ebts import codes, subject

RULE = "ebts-car"
_AGENCY = re.compile(r"[A-Z0-9]{9}")
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
ALLOWED_COUNTS = {2: (1, 1), 10: (0, 4), 7: (0, 2), 13: (0, 2), 15: (0, 8)}
TYPE2_MANDATORY = {
    5: "RET",
    18: "NAM",
    20: "POB",
    22: "DOB",
    24: "SEX",
    25: "RAC",
    27: "HGT",
    29: "WGT",
    31: "EYE",
    32: "HAI",
    45: "DOA",
    47: "ASL",
    73: "CRI",
}


def _p(message: str, index: int, rtype: int, number: int | None, severity: str = "error") -> Problem:
    tag = f"{rtype}.{number:03d}" if number is not None else None
    return Problem(message, index, rtype, tag, RULE, severity)


def type1_problems(
    t1: TaggedRecord, today: dt.date, tots: tuple[str, ...] = ("CAR", "CNA"), rule: str = RULE
) -> list[Problem]:
    """Type-1 rules of an EBTS submission whose TOT must be one of `tots`."""
    out = []
    dat = parse_date(t1.text(5))
    if dat is not None and dat > today + dt.timedelta(days=1):
        out.append(_p(f"DAT {dat:%Y%m%d} is more than one day ahead of {today:%Y%m%d}", 0, 1, 5))
    if t1.text(4) not in tots:
        out.append(_p(f"TOT {t1.text(4)!r} is not {' or '.join(tots)}", 0, 1, 4))
    ver = t1.text(2)
    if ver != "0502":
        out.append(_p(f"VER {ver} is older than 0502 (ANSI/NIST-ITL 1-2011 Update 2015)", 0, 1, 2, "warning"))
    for number, name in ((7, "DAI"), (8, "ORI")):
        value = t1.text(number)
        if value is not None and not _AGENCY.fullmatch(value):
            out.append(_p(f"{name} {value!r} must be 9 upper-case letters or digits", 0, 1, number))
    dom = t1.get(13)
    if dom is not None and (len(dom.subfields) != 1 or len(dom.subfields[0]) != 2 or not dom.subfields[0][0]):
        out.append(_p("DOM must be <domain name><US><version>", 0, 1, 13))
    tcn = t1.text(9)
    if tcn is not None and not 10 <= len(tcn) <= 40:
        out.append(_p(f"TCN must be 10-40 characters, has {len(tcn)}", 0, 1, 9))
    return [dataclasses.replace(p, rule=rule) for p in out]


def _counts(transaction: Transaction) -> list[Problem]:
    out = []
    types = [r.type for r in transaction.records[1:]]
    for rtype in sorted(set(types)):
        if rtype not in ALLOWED_COUNTS and rtype not in (4, 14):
            out.append(_p(f"a CAR carries no Type-{rtype} record", types.index(rtype) + 1, rtype, None))
    for rtype, (low, high) in ALLOWED_COUNTS.items():
        if not low <= types.count(rtype) <= high:
            out.append(_p(f"a CAR carries {low}-{high} Type-{rtype} records, found {types.count(rtype)}", 0, 1, 3))
    prints = types.count(4) + types.count(14)
    if not 1 <= prints <= 14:
        out.append(_p(f"a CAR carries 1-14 fingerprint records (Type-4/14), found {prints}", 0, 1, 3))
    return out


def _parsed(number: int, record: TaggedRecord) -> object:
    """The typed value of a Type-2 field as `Subject` holds it (for the shared validators)."""
    f = record.get(number)
    text = f.text if f is not None else ""
    if number in (22, 45):
        return parse_date(text)
    if number == 29:
        return int(text) if text.isdigit() else -1
    if number == 5:
        return {"Y": True, "N": False}.get(text)
    if number == 47:
        out = []
        for sub in f.subfields if f is not None else []:
            date = parse_date(sub[0]) if sub and sub[0] else None
            out.append(subject.Offense(sub[-1] if len(sub) == 2 else "", date if sub and sub[0] else None))
        return out
    if number == 73:
        return [sub[0] for sub in f.subfields] if f is not None else []
    return text


def _type2(record: TaggedRecord, index: int) -> list[Problem]:
    out = []
    for number, mnemonic in TYPE2_MANDATORY.items():
        if record.get(number) is None:
            out.append(_p(f"{mnemonic} is mandatory in a CAR", index, 2, number))
            continue
        value = _parsed(number, record)
        if number in (22, 45) and value is None:
            out.append(_p(f"{mnemonic} {record.text(number)!r} is not a CCYYMMDD date", index, 2, number))
            continue
        for fp in subject.FIELD_VALIDATORS[mnemonic](value):
            out.append(_p(fp.message, index, 2, number, fp.severity))
    dob, doa = _parsed(22, record), _parsed(45, record)
    if isinstance(dob, dt.date) and isinstance(doa, dt.date) and doa < dob:
        out.append(_p("DOA cannot be before DOB", index, 2, 45))
    amp = record.get(84)
    if amp is not None:
        for sub in amp.subfields:
            if len(sub) != 2 or not sub[0].isdigit() or not 1 <= int(sub[0]) <= 10 or sub[1] not in ("XX", "UP"):
                out.append(_p(f"AMP entry {sub!r} must be <finger 01-10><US><XX|UP>", index, 2, 84))
    return out


def _items(record: TaggedRecord, number: int) -> list[list[str]]:
    f = record.get(number)
    return f.subfields if f is not None else []


def type14_problems(record: TaggedRecord, index: int) -> list[Problem]:
    out = []
    imp = record.text(3)
    if imp in ("2", "3"):
        out.append(_p(f"IMP {imp} (inked card) is deprecated since 2015", index, 14, 3, "warning"))
    elif imp not in ("0", "1"):
        out.append(_p(f"IMP {imp!r} must be 0 (plain) or 1 (rolled) for a livescan", index, 14, 3))
    positions = [sub[0] for sub in _items(record, 13)]
    codes_ok = [int(p) for p in positions if p.isdigit()]
    if not codes_ok or any(not 1 <= p <= 15 for p in codes_ok) or len(codes_ok) != len(positions):
        out.append(_p(f"FGP {positions} must be finger positions 1-15", index, 14, 13))
    ppi = {"1": "500", "2": "197"}.get(record.text(8) or "")
    if record.text(9) != ppi:
        out.append(_p("500 ppi expected: SLC 1 with HPS/VPS 500 or SLC 2 with 197", index, 14, 9))
    elif record.text(11) != "WSQ20":
        out.append(_p(f"CGA {record.text(11)!r}: 500 ppi prints are sent as WSQ20", index, 14, 11))
    if record.text(12) != "8":
        out.append(_p("BPX must be 8 (greyscale)", index, 14, 12))
    multi = bool(codes_ok) and codes_ok[0] in codes.MULTI_FINGER
    seg = _items(record, 21)
    if multi and not seg:
        out.append(_p("SEG is required for a multi-finger image", index, 14, 21))
    if not multi and seg:
        out.append(_p("SEG belongs to multi-finger images only", index, 14, 21))
    for sub in seg:
        if len(sub) != 5 or not all(v.isdigit() for v in sub):
            out.append(_p(f"SEG entry {sub} must be <fgp><US><left><US><right><US><top><US><bottom>", index, 14, 21))
    for sub in _items(record, 18):
        if len(sub) != 2 or not sub[0].isdigit() or not 1 <= int(sub[0]) <= 10 or sub[1] not in codes.AMPUTATION:
            out.append(_p(f"AMP entry {sub} must be <finger 1-10><US><XX|UP|SR>", index, 14, 18))
    for sub in _items(record, 22):
        if len(sub) != 2 or not sub[1].isdigit() or int(sub[1]) not in (1, 2, 3, 4, 5, 254, 255):
            out.append(_p(f"NQM entry {sub} must be <fgp><US><1-5|254|255>", index, 14, 22))
    for sub in _items(record, 24):
        ok = (
            len(sub) == 4
            and sub[1].isdigit()
            and (int(sub[1]) <= 100 or int(sub[1]) in (254, 255))
            and _HEX4.fullmatch(sub[2])
            and sub[3].isdigit()
            and 1 <= int(sub[3]) <= 65535
        )
        if not ok:
            out.append(
                _p(f"FQM entry {sub} must be <fgp><US><0-100|254|255><US><vendor hex><US><product>", index, 14, 24)
            )
    return out


def validate_car(transaction: Transaction, today: dt.date | None = None) -> list[Problem]:
    """Every problem that keeps the transaction from being a valid EBTS CAR/CNA (`today` for the DAT check)."""
    out = validate(transaction)
    if not transaction.records or (out and out[0].rule == "first-record"):
        return out
    out += type1_problems(transaction.type1, today or dt.date.today()) + _counts(transaction)
    for index, record in enumerate(transaction.records[1:], start=1):
        if isinstance(record, BinaryRecord):
            if record.type == 4 and record.compression != 1:
                out.append(_p("500 ppi prints are sent as WSQ (GCA 1)", index, 4, 8))
        elif record.type == 2:
            out += _type2(record, index)
        elif record.type == 14:
            out += type14_problems(record, index)
    return out
