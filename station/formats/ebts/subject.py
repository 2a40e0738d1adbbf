"""The person being booked (EBTS Type-2 for a CAR/CNA) and the value rules of each field, usable one at a time.

The booking form calls `validate_text("DOB", "1980-01-31")` (or `validate_field("DOB", date)`) as the officer
types, and `validate_subject(subject)` before saving; `build_car` refuses a subject with errors. Each validator
takes the typed value a `Subject` holds and returns `FieldProblem`s: errors break an EBTS rule; warnings are legal
values we cannot confirm (a place-of-birth code outside our table, a weight outside the usual range).

Value rules (EBTS, Type-2 of CAR): RET Y/N; NAM `SURNAME,GIVEN MIDDLE`, 3-50 characters, upper-case letters, space,
hyphen, apostrophe, one comma (no space after it); POB a 2-letter NCIC code; DOB CCYYMMDD, not in the future; SEX,
RAC, EYE, HAI from the NCIC tables in `codes`; HGT 3 characters, feet then two-digit inches (`510`); WGT 3 digits,
pounds; DOA CCYYMMDD, not before DOB, at most one day ahead; ASL 1-40 offences, each an optional offence date and a
1-300 character literal; CRI 1-3 controlling agency ids of 1-9 letters or digits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from station.formats.ebts import codes

NAME_LENGTH = (3, 50)  # EBTS 9.4 and later allow 50 characters (30 before)
_NAME = re.compile(r"[A-Z][A-Z' -]*,[A-Z][A-Z' -]*")
_CRI = re.compile(r"[A-Z0-9]{1,9}")
_HGT = re.compile(r"[1-9](0\d|1[01])")
OLDEST_DOB = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class Offense:
    """One arrest segment literal (2.047 ASL): what the person was arrested for."""

    literal: str
    date: dt.date | None = None  # date of offence


@dataclass
class Subject:
    """Biographic data of the person booked, as typed values (dates as `date`, weight in pounds)."""

    name: str  # NAM: "SURNAME,GIVEN MIDDLE"; unknown person "DOE,JOHN" / "DOE,JANE"
    place_of_birth: str  # POB: NCIC state/country code
    date_of_birth: dt.date  # DOB
    sex: str  # SEX: M / F / X
    race: str  # RAC: A / B / I / W / U
    height: str  # HGT: feet then inches, "510" = 5 ft 10 in (see `height_code`)
    weight: int  # WGT: pounds
    eye_color: str  # EYE: NCIC code
    hair_color: str  # HAI: NCIC code
    date_of_arrest: dt.date  # DOA
    offenses: list[Offense]  # ASL: 1-40
    controlling_agencies: list[str]  # CRI: 1-3 agency ids (usually the arresting ORI)
    retain: bool = True  # RET: keep the prints in the criminal file
    aliases: list[str] = field(default_factory=list)  # 2.019 AKA, same form as NAM
    case_number: str | None = None  # 2.009 OCA: originating agency case number


@dataclass(frozen=True)
class FieldProblem:
    """A value a form field must fix (`severity` "error") or may want to check ("warning")."""

    tag: str  # "2.022"
    mnemonic: str  # "DOB"
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.tag} {self.mnemonic}: {self.message}" + (" (warning)" if self.severity == "warning" else "")


def height_code(feet: int, inches: int) -> str:
    """HGT text for a height in feet and inches: (5, 10) -> "510"."""
    return f"{feet}{inches:02d}"


def _err(tag: str, mnemonic: str, message: str, severity: str = "error") -> list[FieldProblem]:
    return [FieldProblem(tag, mnemonic, message, severity)]


def validate_name(value: str, tag: str = "2.018", mnemonic: str = "NAM") -> list[FieldProblem]:
    if not isinstance(value, str) or not NAME_LENGTH[0] <= len(value) <= NAME_LENGTH[1]:
        return _err(tag, mnemonic, f"must be {NAME_LENGTH[0]}-{NAME_LENGTH[1]} characters")
    if value.count(",") != 1:
        return _err(tag, mnemonic, "must be SURNAME,GIVEN MIDDLE with exactly one comma")
    if ", " in value:
        return _err(tag, mnemonic, "no space after the comma: SURNAME,GIVEN MIDDLE")
    if not _NAME.fullmatch(value):
        return _err(tag, mnemonic, "use upper-case letters, spaces, hyphens and apostrophes around one comma")
    return []


def validate_place_of_birth(value: str) -> list[FieldProblem]:
    if not isinstance(value, str) or len(value) != 2 or not value.isalpha() or not value.isupper():
        return _err("2.020", "POB", "must be a 2-letter upper-case NCIC state or country code")
    if value not in codes.PLACE_OF_BIRTH:
        return _err(
            "2.020",
            "POB",
            f"{value} is not in our NCIC table (US states, Canadian provinces); check it in the NCIC code manual",
            "warning",
        )
    return []


def _date_problems(value: object, tag: str, mnemonic: str) -> list[FieldProblem] | None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        return _err(tag, mnemonic, "must be a date (CCYYMMDD)")
    return None


def validate_date_of_birth(value: dt.date, today: dt.date | None = None) -> list[FieldProblem]:
    bad = _date_problems(value, "2.022", "DOB")
    if bad:
        return bad
    today = today or dt.date.today()
    if value > today:
        return _err("2.022", "DOB", "cannot be in the future")
    if value < OLDEST_DOB:
        return _err("2.022", "DOB", f"cannot be before {OLDEST_DOB:%Y}")
    return []


def _coded(table: dict[str, str], tag: str, mnemonic: str) -> Callable[[str], list[FieldProblem]]:
    def check(value: str) -> list[FieldProblem]:
        if value not in table:
            return _err(tag, mnemonic, f"{value!r} is not a code: {', '.join(table)}")
        return []

    check.__name__ = f"validate_{mnemonic.lower()}"
    check.__doc__ = f"{tag} {mnemonic}: one of the codes in the table."
    return check


validate_sex = _coded(codes.SEX, "2.024", "SEX")
validate_race = _coded(codes.RACE, "2.025", "RAC")
validate_eye_color = _coded(codes.EYE_COLOR, "2.031", "EYE")
validate_hair_color = _coded(codes.HAIR_COLOR, "2.032", "HAI")


def validate_height(value: str) -> list[FieldProblem]:
    if not isinstance(value, str) or not _HGT.fullmatch(value):
        return _err("2.027", "HGT", "must be feet then two-digit inches 00-11, e.g. 510 for 5 ft 10 in")
    if not "400" <= value <= "711":
        return _err("2.027", "HGT", f"{value[0]} ft {value[1:]} in is outside 4 ft - 7 ft 11 in", "warning")
    return []


def validate_weight(value: int) -> list[FieldProblem]:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 999:
        return _err("2.029", "WGT", "must be a whole number of pounds, 1-999")
    if not 50 <= value <= 499:
        return _err("2.029", "WGT", f"{value} lb is outside the usual 50-499 lb", "warning")
    return []


def validate_date_of_arrest(
    value: dt.date, date_of_birth: dt.date | None = None, today: dt.date | None = None
) -> list[FieldProblem]:
    bad = _date_problems(value, "2.045", "DOA")
    if bad:
        return bad
    today = today or dt.date.today()
    if value > today + dt.timedelta(days=1):
        return _err("2.045", "DOA", "cannot be more than one day in the future")
    if isinstance(date_of_birth, dt.date) and value < date_of_birth:
        return _err("2.045", "DOA", "cannot be before the date of birth")
    return []


def validate_offenses(value: list[Offense], date_of_arrest: dt.date | None = None) -> list[FieldProblem]:
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= 40:
        return _err("2.047", "ASL", "needs 1-40 offences")
    out: list[FieldProblem] = []
    for number, offense in enumerate(value, start=1):
        literal = offense.literal if isinstance(offense, Offense) else None
        if not isinstance(literal, str) or not 1 <= len(literal) <= 300:
            out += _err("2.047", "ASL", f"offence {number}: the literal must be 1-300 characters")
        elif not literal.isascii() or not literal.isprintable():
            out += _err("2.047", "ASL", f"offence {number}: use printable ASCII characters")
        when = offense.date if isinstance(offense, Offense) else None
        if when is not None and not isinstance(when, dt.date):
            out += _err("2.047", "ASL", f"offence {number}: the offence date must be a date")
        elif when is not None and isinstance(date_of_arrest, dt.date) and when > date_of_arrest:
            out += _err("2.047", "ASL", f"offence {number}: offence date after the date of arrest", "warning")
    return out


def validate_controlling_agencies(value: list[str]) -> list[FieldProblem]:
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= 3:
        return _err("2.073", "CRI", "needs 1-3 controlling agency identifiers")
    bad = [v for v in value if not isinstance(v, str) or not _CRI.fullmatch(v)]
    if bad:
        return _err("2.073", "CRI", f"{bad[0]!r} must be 1-9 upper-case letters or digits")
    return []


def validate_retain(value: bool) -> list[FieldProblem]:
    return [] if isinstance(value, bool) else _err("2.005", "RET", "must be yes (Y) or no (N)")


def validate_aliases(value: list[str]) -> list[FieldProblem]:
    out: list[FieldProblem] = []
    if len(value) > 10:
        out += _err("2.019", "AKA", "at most 10 aliases")
    for alias in value:
        out += validate_name(alias, "2.019", "AKA")
    return out


def validate_case_number(value: str | None) -> list[FieldProblem]:
    if value is None:
        return []
    if not 1 <= len(value) <= 20 or not value.isascii() or not value.isprintable():
        return _err("2.009", "OCA", "must be 1-20 printable ASCII characters")
    return []


FIELD_VALIDATORS: dict[str, Callable[..., list[FieldProblem]]] = {
    "RET": validate_retain,
    "NAM": validate_name,
    "AKA": validate_aliases,
    "POB": validate_place_of_birth,
    "DOB": validate_date_of_birth,
    "SEX": validate_sex,
    "RAC": validate_race,
    "HGT": validate_height,
    "WGT": validate_weight,
    "EYE": validate_eye_color,
    "HAI": validate_hair_color,
    "DOA": validate_date_of_arrest,
    "ASL": validate_offenses,
    "CRI": validate_controlling_agencies,
    "OCA": validate_case_number,
}


def validate_field(mnemonic: str, value: object) -> list[FieldProblem]:
    """Check one form field on its own, by its EBTS mnemonic ("DOB", "HGT", ...)."""
    try:
        validator = FIELD_VALIDATORS[mnemonic]
    except KeyError:
        raise KeyError(f"no validator for {mnemonic!r}; known: {', '.join(FIELD_VALIDATORS)}") from None
    return validator(value)


_TAGS = {
    "RET": "2.005",
    "NAM": "2.018",
    "AKA": "2.019",
    "POB": "2.020",
    "DOB": "2.022",
    "SEX": "2.024",
    "RAC": "2.025",
    "HGT": "2.027",
    "WGT": "2.029",
    "EYE": "2.031",
    "HAI": "2.032",
    "DOA": "2.045",
    "CRI": "2.073",
    "OCA": "2.009",
}


def parse_text(mnemonic: str, text: str) -> object:
    """The typed value a `Subject` holds for what an officer typed in a form field.

    Dates accept CCYYMMDD or CCYY-MM-DD; RET accepts Y/N; WGT digits; AKA and CRI a comma- or semicolon-separated
    list (AKA: semicolons only, names contain commas). Raises ValueError with a message for the form when the text
    cannot be read at all; the value rules are then checked by `validate_field`.
    """
    text = text.strip()
    if mnemonic in ("DOB", "DOA"):
        digits = text.replace("-", "")
        if len(digits) != 8 or not digits.isdigit():
            raise ValueError("enter the date as CCYYMMDD or CCYY-MM-DD")
        try:
            return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        except ValueError:
            raise ValueError(f"{text} is not a calendar date") from None
    if mnemonic == "RET":
        if text.upper() not in ("Y", "N"):
            raise ValueError("enter Y or N")
        return text.upper() == "Y"
    if mnemonic == "WGT":
        if not text.isdigit():
            raise ValueError("enter the weight in whole pounds")
        return int(text)
    if mnemonic == "AKA":
        return [a.strip() for a in text.split(";") if a.strip()]
    if mnemonic == "CRI":
        return [c.strip() for c in text.replace(";", ",").split(",") if c.strip()]
    if mnemonic == "OCA":
        return text or None
    return text


def validate_text(mnemonic: str, text: str) -> list[FieldProblem]:
    """`validate_field` for a form's raw text: unreadable text is a problem too, never an exception."""
    try:
        value = parse_text(mnemonic, text)
    except ValueError as exc:
        return [FieldProblem(_TAGS.get(mnemonic, "2.000"), mnemonic, str(exc))]
    return validate_field(mnemonic, value)


def validate_subject(subject: Subject, today: dt.date | None = None) -> list[FieldProblem]:
    """Every problem of the subject, field by field, including the rules that link fields (DOA after DOB)."""
    s = subject
    return [
        *validate_retain(s.retain),
        *validate_name(s.name),
        *validate_aliases(s.aliases),
        *validate_place_of_birth(s.place_of_birth),
        *validate_date_of_birth(s.date_of_birth, today),
        *validate_sex(s.sex),
        *validate_race(s.race),
        *validate_height(s.height),
        *validate_weight(s.weight),
        *validate_eye_color(s.eye_color),
        *validate_hair_color(s.hair_color),
        *validate_date_of_arrest(s.date_of_arrest, s.date_of_birth, today),
        *validate_offenses(s.offenses, s.date_of_arrest),
        *validate_controlling_agencies(s.controlling_agencies),
        *validate_case_number(s.case_number),
    ]


def type2_fields(subject: Subject) -> list[tuple[int, list[list[str]] | str]]:
    """The Type-2 fields of the subject (without LEN and IDC), in field-number order."""
    s = subject
    fields: list[tuple[int, list[list[str]] | str]] = [(5, "Y" if s.retain else "N")]
    if s.case_number:
        fields.append((9, s.case_number))
    fields.append((18, s.name))
    if s.aliases:
        fields.append((19, [[a] for a in s.aliases]))
    fields += [
        (20, s.place_of_birth),
        (22, f"{s.date_of_birth:%Y%m%d}"),
        (24, s.sex),
        (25, s.race),
        (27, s.height),
        (29, f"{s.weight:03d}"),
        (31, s.eye_color),
        (32, s.hair_color),
        (45, f"{s.date_of_arrest:%Y%m%d}"),
        (47, [[f"{o.date:%Y%m%d}" if o.date else "", o.literal] for o in s.offenses]),
        (73, [[c] for c in s.controlling_agencies]),
    ]
    return fields
