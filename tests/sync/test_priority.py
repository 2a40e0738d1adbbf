"""The enforcement priority rule of the reference central's immigration determinations: offence literals and NCIC
codes as the subject form takes them (2.047 ASL), classes and levels, and a person's level from the booking's
charges and the standing offences of the criminal history."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.central.priority import HistoryEntry, classify, offence_code, priority_of, table

LEVEL_1 = [
    ("TREASON", "national security"),
    ("0103 ESPIONAGE", "national security"),
    ("PROVIDING MATERIAL SUPPORT TO TERRORISTS", "national security"),
    ("MURDER 1ST DEGREE", "homicide"),
    ("0909 HOMICIDE - NEGLIG MANSL - VEH", "homicide"),
    ("MANSLAUGHTER", "homicide"),
    ("KIDNAPPING", "kidnapping"),
    ("1006", "kidnapping"),
    ("RAPE", "sexual assault"),
    ("1103 RAPE - STRONG-ARM", "sexual assault"),
    ("ARMED ROBBERY", "robbery"),
    ("ROBBERY WITH A GUN", "robbery"),
    ("CARJACKING", "robbery"),
    ("ASSAULT 2ND DEGREE", "assault"),
    ("AGGRAVATED ASSAULT WITH A DEADLY WEAPON", "assault"),
    ("DOMESTIC VIOLENCE - BATTERY", "assault"),
    ("1313 SIMPLE ASSAULT", "assault"),
    ("INDECENT EXPOSURE", "sex offence"),
    ("3611 SEX OFFENSE - PEEPING TOM", "sex offence"),
    ("POSSESSION OF COCAINE WITH INTENT TO DISTRIBUTE", "narcotics, more than a year"),
    ("HEROIN TRAFFICKING", "narcotics, more than a year"),
    ("FELONY POSSESSION OF A CONTROLLED SUBSTANCE", "narcotics, more than a year"),
    ("3510 HEROIN - SELL", "narcotics, more than a year"),
    ("NCIC 3561 MARIJUANA - SMUGGLE", "narcotics, more than a year"),
]
LEVEL_2 = [
    ("BURGLARY", "burglary"),
    ("2203 BURGLARY - FORCED ENTRY-NONRESIDENTIAL", "burglary"),
    ("PETTY THEFT", "larceny"),
    ("SHOPLIFTING", "larceny"),
    ("FRAUD - ILLEGAL USE CREDIT CARDS", "fraud"),
    ("IDENTITY THEFT", "fraud"),
    ("FORGERY", "forgery"),
    ("EMBEZZLEMENT", "embezzlement"),
    ("MONEY LAUNDERING", "money laundering"),
    ("RECEIVING STOLEN PROPERTY", "stolen property"),
    ("ARSON", "arson"),
    ("CARRYING A CONCEALED WEAPON", "weapons"),
    ("5212 WEAPON - POSSESSION", "weapons"),
    ("POSSESSION OF MARIJUANA", "narcotics"),
    ("3562 DRUGS - MARIJUANA - POSSESS", "narcotics"),
    ("3550 DRUGS - NARCOTIC EQUIP - POSSESS", "narcotics"),
    ("DRUG PARAPHERNALIA", "narcotics"),
    ("FELONY CRIMINAL MISCHIEF", "felony"),
]
LEVEL_3 = [
    ("DRIVING UNDER THE INFLUENCE", "other"),
    ("5404 DRIVING UNDER THE INFLUENCE LIQUOR", "other"),
    ("TRESPASSING", "other"),
    ("DISORDERLY CONDUCT", "other"),
    ("0301 ILLEGAL ENTRY", "other"),
    ("0399", "other"),
    ("PUBLIC INTOXICATION", "other"),
]


@pytest.mark.parametrize(
    ("literal", "expected", "level"),
    [(literal, name, 1) for literal, name in LEVEL_1]
    + [(literal, name, 2) for literal, name in LEVEL_2]
    + [(literal, name, 3) for literal, name in LEVEL_3],
)
def test_every_offence_literal_or_code_gets_its_class_and_level(literal: str, expected: str, level: int) -> None:
    found = classify(literal)
    assert (found.offence_class, found.level) == (expected, level), found


def test_a_code_decides_over_the_words_and_describe_offense_codes_leave_it_to_the_words() -> None:
    assert offence_code("1201 ROBBERY - BUSINESS - GUN") == 1201
    assert offence_code("ARREST WARRANT NCIC 0903") == 903
    assert offence_code("ASSAULT") is None
    assert classify("1201 SHOPLIFTING").offence_class == "robbery"  # the code is what the system keys on
    assert classify("3599 DRUGS").level == 2
    assert classify("3599 DRUGS - SELL").level == 1
    assert classify("lowercase assault").level == 1


def test_a_persons_level_is_the_most_serious_of_charges_and_standing_history() -> None:
    history = [
        HistoryEntry("2015-06-01", "ROBBERY", "dismissed"),
        HistoryEntry("2018-02-11", "BURGLARY", "convicted"),
    ]
    result = priority_of(["TRESPASSING"], history)
    assert result.level == 2 and result.offence_class == "burglary"
    assert result.basis == "criminal history 2018-02-11 (convicted): BURGLARY"

    charged = priority_of(["TRESPASSING"], [*history, HistoryEntry("2022-09-30", "1313 ASSAULT", "charged")])
    assert charged.level == 1 and charged.offence_class == "assault"

    booking = priority_of(["ARMED ROBBERY", "BURGLARY"])
    assert (booking.level, booking.basis) == (1, "booking charge: ARMED ROBBERY")

    assert priority_of(["DRIVING UNDER THE INFLUENCE"], [HistoryEntry("2010-01-01", "MURDER", "acquitted")]).level == 3
    assert priority_of([]).level == 3


def test_the_documented_table_lists_every_class_once() -> None:
    rows = table()
    names = [row["class"] for row in rows]
    assert len(names) == len(set(names))
    assert {name for _, name in LEVEL_1 + LEVEL_2} <= set(names)
    assert {row["level"] for row in rows} == {1, 2}


def test_the_table_in_the_wire_protocol_document_is_the_one_the_central_applies() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "wire-protocol.md").read_text()
    block = doc.split("<!-- priority-table")[1].split("<!-- /priority-table -->")[0]
    rows = [line.split("|")[1:3] for line in block.splitlines() if line.startswith("| ") and "---" not in line]
    documented = {name.strip(): int(level) for name, level in rows[1:]}  # rows[0] is the header
    applied = {str(row["class"]): int(str(row["level"])) for row in table()} | {"other": 3}
    assert documented == applied
