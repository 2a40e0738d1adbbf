"""The subject form's messages for people: each problem under the field's own label, in the desk's words.

The EBTS rules (`station.formats.ebts.subject`) speak to engineers: tags, mnemonics, code lists (`'' is not a
code: M, F, X`, `needs 1-40 offences`, `e.g. 510`). The form shows what to do instead, with one format per field in
the hint and in the message alike (height is always feet and inches, `5 10`). A message the form does not know is
shown without its EBTS tag; one that carries a program's own text (an exception) is never shown as it is.
"""

from __future__ import annotations

import re

#: form field -> its label (the messages and the summary use these, never the internal names)
LABELS = {
    "surname": "Surname",
    "given": "Given names",
    "dob": "Date of birth",
    "pob": "Place of birth",
    "height": "Height",
    "weight": "Weight",
    "doa": "Date of arrest",
    "offense": "Arrest offence",
    "cri": "Controlling agency (ORI)",
    "sex": "Sex",
    "race": "Race",
    "eyes": "Eye colour",
    "hair": "Hair colour",
}
#: EBTS mnemonic (as the daemon names a problem's field, "2.022 DOB") -> form field
FIELD_OF_MNEMONIC = {
    "NAM": "surname",
    "DOB": "dob",
    "POB": "pob",
    "HGT": "height",
    "WGT": "weight",
    "DOA": "doa",
    "ASL": "offense",
    "CRI": "cri",
    "SEX": "sex",
    "RAC": "race",
    "EYE": "eyes",
    "HAI": "hair",
}
HEIGHT_HINT = "feet and inches, e.g. 5 10"
DATE_HINT = "YYYY-MM-DD"

#: (field, a pattern of the rule's message) -> what the form says
PHRASES: tuple[tuple[str, str, str], ...] = (
    ("*", r"is not a code", "choose one from the list"),
    ("*", r"^must be a date", f"a date as {DATE_HINT}, e.g. 1980-04-30"),
    ("height", r"feet then two-digit inches", HEIGHT_HINT),
    ("height", r"outside 4 ft", "check it: outside 4 ft to 7 ft 11 in (" + HEIGHT_HINT + ")"),
    ("weight", r"whole number", "a whole number of pounds, e.g. 180"),
    ("offense", r"needs 1-40", "enter the offence, e.g. BURGLARY"),
    ("offense", r"literal must be", "enter the offence, e.g. BURGLARY (at most 300 characters)"),
    ("cri", r"upper-case letters or digits", "the agency's ORI: 9 letters or digits, e.g. TX0000000"),
    ("pob", r"2-letter", "the 2-letter state or country code, e.g. TX (YY if unknown)"),
    ("surname", r"must be \d+-\d+ characters", "enter the surname and the given names (at most 30 letters in all)"),
    ("surname", r"exactly one comma|no space after the comma", "no commas in the names"),
    ("surname", r"upper-case letters", "letters, spaces, hyphens and apostrophes only"),
)
PROGRAM_TEXT = re.compile(r"__init__|\(\)|positional argument|Traceback|Error:|unknown field|incomplete", re.I)


def friendly(field: str, message: str) -> str:
    """The form's words for a rule's message about `field`."""
    for which, pattern, words in PHRASES:
        if which in ("*", field) and re.search(pattern, message):
            return words
    if PROGRAM_TEXT.search(message):
        return "the station could not read this; check it and try again"
    return re.sub(r"^\d\.\d{3} [A-Z]{3}: ", "", message)


def field_of(daemon_field: str) -> str | None:
    """The form field of a problem the daemon names by tag and mnemonic ("2.022 DOB"), if it is one of the form's."""
    mnemonic = daemon_field.split()[-1] if daemon_field.strip() else ""
    return FIELD_OF_MNEMONIC.get(mnemonic)


def labels(fields: list[str]) -> str:
    return ", ".join(LABELS.get(f, f) for f in fields)
