"""The enforcement priority of an immigration determination: from the booking's charges and the person's criminal
history to a level 1 (most serious) .. 3, following the program's rule (docs/wire-protocol.md, "Priority").

An offence is what the subject form takes for 2.047 ASL: a literal of up to 300 characters, which may begin with
(or contain, as `NCIC nnnn`) a four-digit NCIC Uniform Offense Code. The code decides when present; the literal's
words decide otherwise. Level 1 is the rule's list — national security, homicide, kidnapping, sexual assault,
robbery, assault, sex offences, and narcotics offences carrying more than a year; level 2 the other felonies and the
property and minor drug offences; level 3 everything else.

"Carrying more than a year" is a felony in every U.S. jurisdiction. A narcotics charge is taken as one when its
literal says so (FELONY) or names trafficking (sale, distribution, manufacture, smuggling, intent to sell or
distribute), which every jurisdiction punishes as a felony; a plain possession charge is level 2.

A person's level is the most serious of this booking's charges and of the offences in the criminal history that
still stand (charged or convicted; dismissed and acquitted ones do not count).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

LEVELS = (1, 2, 3)
COUNTING_DISPOSITIONS = ("charged", "convicted")


@dataclass(frozen=True)
class OffenceClass:
    name: str
    level: int
    codes: tuple[tuple[int, int], ...]  # inclusive NCIC code ranges
    words: str  # regular expression over the upper-case literal


def _words(*patterns: str) -> str:
    return r"\b(?:" + "|".join(patterns) + r")"


NARCOTICS = OffenceClass(
    "narcotics",
    2,
    ((3500, 3599),),
    _words(
        r"NARCOTIC",
        r"COCAINE",
        r"CRACK",
        r"HEROIN",
        r"METH\w*",
        r"FENTANYL",
        r"OPIUM",
        r"OPIATE",
        r"OXYCODONE",
        r"MARIJUANA",
        r"MARIHUANA",
        r"CANNABIS",
        r"CONTROLLED SUBSTANCE",
        r"CDS",
        r"DRUGS?",
        r"PARAPHERNALIA",
    ),
)
_TRAFFICKING = re.compile(
    _words(
        r"FELONY",
        r"TRAFFICK\w*",
        r"SELL\w*",
        r"SALE",
        r"SOLD",
        r"DISTRIBUT\w*",
        r"MANUFACTUR\w*",
        r"SMUGGL\w*",
        r"DELIVER\w*",
        r"INTENT TO",
        r"PWID",
        r"IMPORT\w*",
        r"CULTIVAT\w*",
    )
)
# NCIC dangerous-drug codes come in groups of ten per drug, possession ending in 2 (3512 heroin, 3532 cocaine,
# 3562 marijuana, 3582 barbiturate - possess); 3550-3559 is narcotic equipment; ..99 is "describe offense". The other
# codes of a group (sell, smuggle, manufacture) carry more than a year.
_POSSESSION_DIGIT = 2
_EQUIPMENT_CODES = (3550, 3559)

# Order matters: the first class whose code range or words match names the offence (sexual assault before assault,
# robbery before the property classes, fraud and stolen vehicles before larceny's THEFT).
CLASSES = (
    OffenceClass(
        "national security",
        1,
        ((100, 199),),
        _words(
            r"TREASON", r"ESPIONAGE", r"SABOTAGE", r"SEDITION", r"TERROR\w*", r"NATIONAL SECURITY", r"MATERIAL SUPPORT"
        ),
    ),
    OffenceClass("homicide", 1, ((900, 999),), _words(r"HOMICIDE", r"MURDER", r"MANSLAUGHTER")),
    OffenceClass("kidnapping", 1, ((1000, 1099),), _words(r"KIDNAP\w*", r"ABDUCT\w*", r"HOSTAGE")),
    OffenceClass(
        "sexual assault", 1, ((1100, 1199),), _words(r"RAPE", r"SEXUAL ASSAULT", r"SEXUAL BATTERY", r"SODOMY")
    ),
    OffenceClass("robbery", 1, ((1200, 1299),), _words(r"ROBBERY", r"CARJACK\w*")),
    OffenceClass(
        "sex offence",
        1,
        ((3600, 3699),),
        _words(
            r"SEX OFFEN[CS]E",
            r"INCEST",
            r"MOLEST\w*",
            r"INDECENT",
            r"LEWD",
            r"CHILD PORN\w*",
            r"SEXUAL EXPLOITATION",
            r"STATUTORY RAPE",
        ),
    ),
    OffenceClass(
        "assault",
        1,
        ((1300, 1399),),
        _words(r"ASSAULT", r"BATTERY", r"DOMESTIC VIOLENCE", r"STRANGULATION", r"MAIM\w*"),
    ),
    NARCOTICS,
    OffenceClass("arson", 2, ((2000, 2099),), _words(r"ARSON")),
    OffenceClass("extortion", 2, ((2100, 2199),), _words(r"EXTORTION", r"BLACKMAIL")),
    OffenceClass("burglary", 2, ((2200, 2299),), _words(r"BURGLARY", r"BREAKING AND ENTERING", r"B AND E")),
    OffenceClass("stolen vehicle", 2, ((2400, 2499),), _words(r"STOLEN VEHICLE", r"AUTO THEFT", r"JOYRID\w*")),
    OffenceClass("forgery", 2, ((2500, 2599),), _words(r"FORGERY", r"COUNTERFEIT\w*", r"FORGED")),
    OffenceClass("fraud", 2, ((2600, 2699),), _words(r"FRAUD\w*", r"IDENTITY THEFT", r"FALSE PRETENSES?")),
    OffenceClass("embezzlement", 2, ((2700, 2799),), _words(r"EMBEZZL\w*")),
    OffenceClass("stolen property", 2, ((2800, 2899),), _words(r"STOLEN PROPERTY", r"RECEIVING STOLEN")),
    OffenceClass("larceny", 2, ((2300, 2399),), _words(r"LARCENY", r"THEFT", r"SHOPLIFT\w*")),
    OffenceClass("bribery", 2, ((5100, 5199),), _words(r"BRIBERY", r"BRIBE")),
    OffenceClass("weapons", 2, ((5200, 5299),), _words(r"WEAPONS?", r"FIREARMS?", r"GUN")),
    OffenceClass("money laundering", 2, (), _words(r"MONEY LAUNDERING", r"LAUNDERING")),
    OffenceClass("smuggling", 2, ((5800, 5899),), _words(r"SMUGGL\w*")),
    OffenceClass("felony", 2, (), _words(r"FELONY")),
)
OTHER = OffenceClass("other", 3, (), "")
_CODE = re.compile(r"^\s*(\d{4})\b|\bNCIC\s*(\d{4})\b")


@dataclass(frozen=True)
class Classified:
    """One offence as the priority rule sees it."""

    literal: str
    code: int | None
    offence_class: str
    level: int


def offence_code(literal: str) -> int | None:
    match = _CODE.search(literal.upper())
    return int(match.group(1) or match.group(2)) if match else None


def _by_code(code: int) -> OffenceClass | None:
    for candidate in CLASSES:
        if any(low <= code <= high for low, high in candidate.codes):
            return candidate
    return None


def classify(literal: str) -> Classified:
    """The class and level of one offence literal (code first, then words)."""
    text = " ".join(literal.upper().replace("-", " ").replace("/", " ").split())
    code = offence_code(text)
    found = _by_code(code) if code is not None else None
    if found is None:
        found = next((c for c in CLASSES if c.words and re.search(c.words, text)), OTHER)
    level = found.level
    if found is NARCOTICS:
        trafficking = _TRAFFICKING.search(text) is not None
        if code is not None and code % 100 != 99:  # a specific code decides; "describe offense" leaves it to words
            equipment = _EQUIPMENT_CODES[0] <= code <= _EQUIPMENT_CODES[1]
            trafficking = not equipment and code % 10 != _POSSESSION_DIGIT
        level = 1 if trafficking else 2
        name = "narcotics, more than a year" if trafficking else "narcotics"
        return Classified(literal, code, name, level)
    return Classified(literal, code, found.name, level)


@dataclass(frozen=True)
class Priority:
    """A person's enforcement priority and the offence that set it."""

    level: int
    offence_class: str
    basis: str  # "booking charge: 1201 ROBBERY" / "criminal history 2019-04-02 (convicted): ..." / "no offence"

    def as_dict(self) -> dict[str, object]:
        return {"level": self.level, "class": self.offence_class, "basis": self.basis}


@dataclass(frozen=True)
class HistoryEntry:
    """One arrest or court event in the criminal-history gallery."""

    date: str  # ISO date
    literal: str
    disposition: str  # charged / convicted / dismissed / acquitted


def priority_of(charges: Iterable[str], history: Iterable[HistoryEntry] = ()) -> Priority:
    """The most serious of the booking's charges and the standing offences of the person's criminal history."""
    candidates: list[tuple[Classified, str]] = [(classify(c), f"booking charge: {c}") for c in charges]
    for entry in history:
        if entry.disposition in COUNTING_DISPOSITIONS:
            candidates.append(
                (classify(entry.literal), f"criminal history {entry.date} ({entry.disposition}): {entry.literal}")
            )
    if not candidates:
        return Priority(3, OTHER.name, "no offence on record")
    best, basis = min(candidates, key=lambda item: item[0].level)
    return Priority(best.level, best.offence_class, basis)


def table() -> list[dict[str, object]]:
    """The classification table as documented (class, level, NCIC code ranges)."""
    rows: list[dict[str, object]] = [
        {"class": c.name, "level": c.level, "codes": [f"{lo:04d}-{hi:04d}" for lo, hi in c.codes]} for c in CLASSES
    ]
    rows.insert(CLASSES.index(NARCOTICS) + 1, {"class": "narcotics, more than a year", "level": 1, "codes": []})
    return rows
