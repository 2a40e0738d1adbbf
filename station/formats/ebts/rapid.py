"""The rapid identification search (TOT `RPIS`, answered by `RPISR`) for the headless mode: 2-10 flat fingers.

What we are sure of (EBTS transaction table, formats.md 4.1): Type-1 with TOT `RPIS`, one Type-2, and 2-10 fingerprint
records (Type-14, or legacy Type-4) of single flat fingers; the answer `RPISR` carries 2.059 SRF `R` (red: hit),
`Y` (yellow: possible hit) or `G` (green: no hit) — `read_answer` reads it. What we could NOT confirm here is the list
of Type-2 fields EBTS 10/11 require for RPIS, so `RapidSearch.type2` carries whatever the receiving CSA's profile asks
for (e.g. 2.070 RAP, 2.073 CRI), passed through as given; nothing is invented. The images are encoded exactly as in
a CAR (WSQ, SLC 1, 500 ppi, FGP of the finger, IMP plain, NFIQ quality if given).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from station.formats.ansi_nist import Problem, TaggedRecord, Transaction, validate
from station.formats.ebts.booking import PLAIN, Agency, PrintImage
from station.formats.ebts.car import BookingError, image_problems, print_records, type1_record
from station.formats.ebts.profile import type1_problems, type14_problems

TOT = "RPIS"
RULE = "ebts-rpis"
FINGERS = (2, 10)  # how many fingers a rapid search carries


@dataclass
class RapidSearch:
    """The flat fingers captured at a check-in point, and the CSA-specific Type-2 content."""

    images: list[PrintImage]  # 2-10 single flat fingers, positions 1-10 (impression None means plain here)
    type2: dict[int, str | list[list[str]]] = field(default_factory=dict)  # field number -> value (not 1, 2)


def _search_problems(search: RapidSearch) -> list[str]:
    out = image_problems(search.images, {}, 14)
    if not FINGERS[0] <= len(search.images) <= FINGERS[1]:
        out.append(f"a rapid search carries {FINGERS[0]}-{FINGERS[1]} fingers, got {len(search.images)}")
    for image in search.images:
        if not 1 <= image.position <= 10:
            out.append(f"image FGP {image.position}: a rapid search takes single fingers 1-10")
        if image.impression_type != PLAIN:
            out.append(f"image FGP {image.position}: a rapid search takes flat (plain) impressions")
    if any(n in (1, 2) or not 3 <= n <= 9999 for n in search.type2):
        out.append("Type-2 fields must be numbered 3-9999 (LEN and IDC are written by us)")
    return out


def build_rpis(search: RapidSearch, agency: Agency, tcn: str, *, when: dt.datetime | None = None) -> Transaction:
    """The RPIS transaction; raises BookingError listing every problem."""
    when = when or dt.datetime.now(dt.UTC)
    flats = [i if i.impression is not None else dataclasses.replace(i, impression=PLAIN) for i in search.images]
    search = RapidSearch(flats, search.type2)
    problems = _search_problems(search)
    if problems:
        raise BookingError(problems)
    type2 = TaggedRecord(2)
    type2.set(2, "00")
    for number, value in sorted(search.type2.items()):
        type2.set(number, value)
    transaction = Transaction(
        [type1_record(TOT, agency, tcn, when, False), type2, *print_records(search.images, agency, when, 14, {})]
    )
    transaction.refresh_cnt()
    errors = [str(p) for p in validate_rpis(transaction, when.date()) if p.severity == "error"]
    if errors:
        raise BookingError(errors)
    return transaction


def validate_rpis(transaction: Transaction, today: dt.date | None = None) -> list[Problem]:
    """The base rules plus: TOT RPIS, one Type-2, 2-10 single flat fingers 1-10, each finger once, nothing else."""
    out = validate(transaction)
    if not transaction.records or (out and out[0].rule == "first-record"):
        return out
    out += type1_problems(transaction.type1, today or dt.date.today(), (TOT,), RULE)
    types = [r.type for r in transaction.records[1:]]
    if types.count(2) != 1:
        out.append(Problem(f"a rapid search carries one Type-2 record, found {types.count(2)}", 0, 1, "1.003", RULE))
    prints = [(i, r) for i, r in enumerate(transaction.records) if r.type in (4, 14)]
    if not FINGERS[0] <= len(prints) <= FINGERS[1] or len(prints) + types.count(2) != len(types):
        out.append(
            Problem(
                f"a rapid search carries Type-2 and {FINGERS[0]}-{FINGERS[1]} Type-4/14 records only",
                0,
                1,
                "1.003",
                RULE,
            )
        )
    seen: set[str] = set()
    for index, record in prints:
        if isinstance(record, TaggedRecord):
            out += type14_problems(record, index)
            position, imp = record.text(13) or "", record.text(3)
        else:
            position, imp = str(record.fgp[0]), str(record.imp)
        tag = f"{record.type}.{13 if record.type == 14 else 4:03d}"
        if not position.isdigit() or not 1 <= int(position) <= 10 or position in seen:
            out.append(
                Problem(f"finger {position!r} must be a single finger 1-10, once", index, record.type, tag, RULE)
            )
        if imp not in ("0", "2"):
            out.append(Problem(f"IMP {imp} is not a flat impression", index, record.type, tag, RULE))
        seen.add(position)
    return out
