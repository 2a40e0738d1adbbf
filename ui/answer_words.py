"""The central's answers in the desk's words: per system, its outcome, when it came, and what the officer does next.

The daemon sends each booking's timeline (`booking.list` / `booking.get`): the station's own steps, then each
system's answers in the central's order, then the steps still awaited with their due times. These functions turn it
into one line per system (criminal history, immigration, the immigration determination) with the next step.
"""

from __future__ import annotations

from typing import Any

from ui.words import when

SYSTEMS = (
    ("criminal-history", "Criminal history"),
    ("immigration", "Immigration"),
    ("immigration-determination", "Immigration determination"),
)
SYSTEM_NAMES = dict(SYSTEMS)

NEXT_BY_OUTCOME = {
    "hit": "Identified: check the record and follow the hit procedure before release.",
    "red": "Identified: check the record and follow the hit procedure before release.",
    "yellow": "Possible match: hold for the final answer; do not release on this one.",
    "green": "No record: continue the booking.",
    "no-hit": "No record found: continue the booking.",
    "rejected": "Rejected by the central: correct what it names and book again.",
    "match": "Known to immigration: wait for the determination before release.",
    "no-match": "Not known to immigration: nothing to do.",
    "removable": "Removable: notify immigration before release, per the detainer policy.",
    "lawful-status": "Lawful status: no immigration action.",
    "no-determination": "No determination possible: nothing more will come; follow local policy.",
    "further-review": "Further review: immigration will contact the agency.",
}
STATION_STEPS = {
    "open": "Finish the subject and the prints, then submit.",
    "submitting": "Nothing: being sealed for sending.",
    "queued": "Nothing: the station sends it when the central is reachable.",
    "sent": "Nothing: the central has it; the answers follow.",
    "answered": "",
    "cancelled": "Nothing: cancelled, its data shredded.",
    "abandoned": "Nothing: left unfinished and shredded.",
}


def answers_of(row: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in row.get("timeline") or [] if e.get("step") == "answer"]


def needs_acknowledging(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers the officer must see and acknowledge (a hit, a match) and has not yet."""
    return [a for a in answers_of(row) if a.get("attention") and not a.get("acknowledged") and a.get("answer_id")]


def next_for_answer(entry: dict[str, Any]) -> str:
    if entry.get("step") == "awaiting":
        if entry.get("late"):
            return "Late: call the central's help desk and give the TCN."
        return "Nothing yet: it comes by itself."
    return NEXT_BY_OUTCOME.get(str(entry.get("outcome")), "Read the answer and follow local policy.")


def per_system(row: dict[str, Any]) -> list[dict[str, str]]:
    """One entry per system that answered or is awaited: system, what, when, next."""
    latest: dict[str, dict[str, Any]] = {}
    for entry in row.get("timeline") or []:
        system = entry.get("system")
        if entry.get("step") in ("answer", "awaiting") and system:
            if entry.get("step") == "awaiting" and system in latest:
                continue  # an answer already in; an awaited later step of the same system is listed on its own
            latest[str(system)] = entry
    out = []
    for system, name in SYSTEMS:
        entry = latest.get(system)
        if entry is None:
            continue
        what = str(entry.get("label") or entry.get("what") or "")
        what = what.split(": ", 1)[1] if ": " in what else what
        if entry.get("subject_id"):
            what += f" - subject {entry['subject_id']}"
        at = when(entry.get("at")) if entry.get("step") == "answer" else f"due {when(entry.get('due_at'))}"
        out.append({"system": name, "what": what, "when": at, "next": next_for_answer(entry)})
    return out


def answer_cell(row: dict[str, Any]) -> str:
    """The bookings list's short Answer column: each system's outcome in a word or two."""
    words = []
    short = {"criminal-history": "CH", "immigration": "IMM", "immigration-determination": "DET"}
    for entry in answers_of(row):
        outcome = str(entry.get("outcome", "")).upper().replace("-", " ")
        words.append(f"{short.get(str(entry.get('system')), '?')} {outcome}")
    if not words and row.get("answer"):
        words.append(str(row["answer"].get("outcome", "")).upper())
    return ", ".join(words) or "-"


def next_step(row: dict[str, Any]) -> str:
    """What the officer does next about the booking as a whole."""
    pending = needs_acknowledging(row)
    if pending:
        return "Acknowledge the answer that needs you (Enter)."
    systems = per_system(row)
    for entry in systems:
        if entry["next"] and not entry["next"].startswith("Nothing"):
            return entry["next"]
    return STATION_STEPS.get(str(row.get("state")), "") or (systems[-1]["next"] if systems else "")
