"""The subject form as the booking keeps it and the API carries it (JSON), and as EBTS wants it (`Subject`).

Field names are the Subject's attribute names; dates are ISO `YYYY-MM-DD`; offenses are
`[{"literal": "...", "date": "YYYY-MM-DD"}]`. The session keeps the form as typed (an unfinished form is kept too);
conversion errors name the field; the EBTS rule checks are formats'.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from station.errors import InputError
from station.formats.ebts import Offense, Subject, validate_subject

DATE_FIELDS = ("date_of_birth", "date_of_arrest")


def _date(name: str, value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"subject field {name}: {value!r} is not a date", "write it as YYYY-MM-DD") from None


def to_subject(fields: dict[str, Any]) -> Subject:
    values = dict(fields)
    try:
        for name in DATE_FIELDS:
            if name in values:
                values[name] = _date(name, values[name])
        values["offenses"] = [
            Offense(str(o["literal"]), _date("offenses.date", o["date"]) if o.get("date") else None)
            for o in values.get("offenses", [])
        ]
        if "weight" in values:
            values["weight"] = int(values["weight"])
        return Subject(**values)
    except (TypeError, KeyError, ValueError) as exc:
        raise InputError(
            f"subject form is incomplete or has an unknown field: {exc}",
            "send every Subject field (see docs/local-api.md, booking.subject)",
        ) from None


def to_fields(subject: Subject) -> dict[str, Any]:
    """The form of a `Subject` (the inverse of `to_subject`)."""
    fields = dataclasses.asdict(subject)
    for name in DATE_FIELDS:
        fields[name] = fields[name].isoformat()
    fields["offenses"] = [
        {"literal": o.literal, "date": o.date.isoformat() if o.date else None} for o in subject.offenses
    ]
    return fields


def problems(fields: dict[str, Any]) -> list[dict[str, str]]:
    """Every problem of the form: conversion first (incomplete form), then formats' EBTS Type-2 rules."""
    try:
        subject = to_subject(fields)
    except InputError as exc:
        return [{"field": "", "message": exc.message, "severity": "error"}]
    return [
        {"field": f"{p.tag} {p.mnemonic}", "message": p.message, "severity": p.severity}
        for p in validate_subject(subject)
    ]
