"""What the screens say about data, in the words of the desk: names, heights, times, the subject in one line.

One place for these, so the review, the confirmation, the bookings list and the diagnostics say the same thing the
same way (a height is always `5 ft 10 in`, a time always local `2026-12-07 14:03` or `3 min ago`).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from station.formats.ebts import codes


def person_name(ebts_name: str) -> str:
    """'QUIXOTE,ALONSO' -> 'QUIXOTE, ALONSO' (the EBTS NAM is surname, comma, given names)."""
    surname, _, given = str(ebts_name or "").partition(",")
    return f"{surname.strip()}, {given.strip()}".strip(", ") or "(no name yet)"


def height_words(ebts_height: Any) -> str:
    """'510' (feet then two-digit inches, as EBTS HGT) -> '5 ft 10 in'."""
    text = str(ebts_height or "").strip()
    if len(text) == 3 and text.isdigit():
        return f"{text[0]} ft {int(text[1:])} in"
    return text or "-"


def when(at: float | str | None, now: float | None = None) -> str:
    """A time as the desk reads it: local date and minute, with 'n min ago' for the last hours."""
    if at in (None, ""):
        return "-"
    if isinstance(at, str):
        try:
            moment = dt.datetime.fromisoformat(at.replace(" UTC", "+00:00"))
        except ValueError:
            return at
        stamp = moment.timestamp()
    else:
        stamp = float(at)
    now = time.time() if now is None else now
    local = dt.datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M")
    ago = now - stamp
    if 0 <= ago < 60:
        return f"{local} (just now)"
    if 0 <= ago < 6 * 3600:
        minutes = int(ago // 60)
        return f"{local} ({minutes} min ago)" if minutes < 120 else f"{local} ({minutes // 60} h ago)"
    return local


def subject_lines(subject: dict[str, Any]) -> list[str]:
    """The subject in two lines: who (name, sex, race, birth, build), then the arrest."""
    if not subject:
        return ["No subject details yet."]
    sex = codes.SEX.get(str(subject.get("sex", "")), subject.get("sex") or "-")
    race = codes.RACE.get(str(subject.get("race", "")), subject.get("race") or "-")
    weight = subject.get("weight")
    first = [
        person_name(str(subject.get("name", ""))),
        str(sex),
        str(race),
        f"born {subject.get('date_of_birth') or '-'} in {subject.get('place_of_birth') or '-'}",
        height_words(subject.get("height")),
        f"{weight} lb" if weight not in (None, "") else "-",
    ]
    offences = ", ".join(str(o.get("literal", o)) for o in subject.get("offenses") or [] if o) or "-"
    agencies = ", ".join(map(str, subject.get("controlling_agencies") or [])) or "-"
    second = [f"arrested {subject.get('date_of_arrest') or '-'} for {offences}", f"ORI {agencies}"]
    return [" | ".join(first), " | ".join(second)]
