"""The subject form: the EBTS Type-2 descriptors of the person being booked, checked as they are typed.

Each field is checked on its own with the EBTS rules of `station.formats.ebts.subject` as soon as it changes (a
message under the field), and the whole record is checked again by the daemon when the officer moves on. Coded
fields (sex, race, eyes, hair) are choices from the code tables, so they cannot be mistyped.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from station.formats.ebts import codes
from station.formats.ebts.subject import Offense, validate_field
from ui.form_words import DATE_HINT, HEIGHT_HINT, field_of, friendly, labels
from ui.screens.base import StationScreen

UPPER_CASE = ("surname", "given", "pob", "offense", "cri")  # shown upper-case as typed (EBTS takes no other)


def parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def height_from(text: str) -> str:
    """Feet and inches as typed ('5 10', "5'10\"", '5 ft 10 in', '5-10', '510') -> EBTS '510'."""
    parts = re.findall(r"\d+", text)
    if len(parts) == 2:
        return f"{int(parts[0])}{int(parts[1]):02d}"
    if len(parts) == 1 and len(parts[0]) == 3:
        return parts[0]
    if len(parts) == 1 and len(parts[0]) == 1:  # whole feet
        return f"{parts[0]}00"
    return text.strip()


# field id -> (label, EBTS mnemonic, placeholder)
TEXT_FIELDS: dict[str, tuple[str, str, str]] = {
    "surname": ("Surname", "NAM", "as on ID, e.g. DOE"),
    "given": ("Given names", "NAM", "e.g. JOHN PAUL"),
    "dob": ("Date of birth", "DOB", DATE_HINT),
    "pob": ("Place of birth (state / country code)", "POB", "e.g. CA, TX, YY unknown"),
    "height": ("Height (feet and inches)", "HGT", f"{HEIGHT_HINT}"),
    "weight": ("Weight (pounds)", "WGT", "e.g. 180"),
    "doa": ("Date of arrest", "DOA", DATE_HINT),
    "offense": ("Arrest offence", "ASL", "e.g. BURGLARY"),
    "cri": ("Controlling agency (ORI)", "CRI", "9 characters"),
}
CODED_FIELDS: dict[str, tuple[str, str, dict[str, str]]] = {
    "sex": ("Sex", "SEX", codes.SEX),
    "race": ("Race", "RAC", codes.RACE),
    "eyes": ("Eye colour", "EYE", codes.EYE_COLOR),
    "hair": ("Hair colour", "HAI", codes.HAIR_COLOR),
}


def field_value(field_id: str, raw: str) -> Any:
    """The typed value a field's EBTS validator takes."""
    if field_id in ("dob", "doa"):
        return parse_date(raw) or raw
    if field_id == "weight":
        return int(raw) if raw.strip().isdigit() else -1
    if field_id == "height":
        return height_from(raw)
    if field_id == "offense":
        return [Offense(raw.strip())] if raw.strip() else []
    if field_id == "cri":
        return [raw.strip().upper()] if raw.strip() else []
    return raw.strip().upper()


def field_problems(field_id: str, raw: str, surname: str = "", given: str = "") -> list[str]:
    """What is wrong with one field, in the form's words (errors only: a warning does not stop the officer)."""
    if field_id in ("surname", "given"):
        if not raw.strip():
            return [f"enter the {'surname' if field_id == 'surname' else 'given names'}"]
        name = f"{surname.strip().upper()},{given.strip().upper()}"
        found = validate_field("NAM", name)
    elif field_id in ("dob", "doa") and parse_date(raw) is None:
        return [f"a date as {DATE_HINT}, e.g. 1980-04-30"]
    else:
        mnemonic = TEXT_FIELDS.get(field_id, CODED_FIELDS.get(field_id, ("", "", {})))[1]  # type: ignore[arg-type]
        found = validate_field(mnemonic, field_value(field_id, raw))
    return [friendly(field_id, p.message) for p in found if p.severity == "error"]


class SubjectScreen(StationScreen):
    HELP = (
        "The person being booked. Enter moves to the next field; each field is checked as you type; Ctrl+S saves "
        "and goes on to the prints. Esc leaves (it asks first when something was typed)."
    )
    BINDINGS = [("ctrl+s", "save", "Save and capture"), ("escape", "back", "Back")]

    def __init__(self, booking: str, subject: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.booking = booking
        self.initial = subject or {}

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="subject-form"):
            yield Static(f"Booking {self.booking} - subject", classes="screen-title")
            for field_id, (label, _, placeholder) in TEXT_FIELDS.items():
                with Horizontal(classes="form-row"):
                    yield Label(label, classes="form-label")
                    yield Input(id=field_id, placeholder=placeholder, value=self._initial(field_id))
                yield Static("", id=f"{field_id}-problem", classes="field-problem")
            for field_id, (label, _, table) in CODED_FIELDS.items():
                with Horizontal(classes="form-row"):
                    yield Label(label, classes="form-label")
                    options = [(f"{code} - {meaning}", code) for code, meaning in table.items()]
                    value = self._initial(field_id)
                    yield Select(options, id=field_id, value=value if value in table else Select.NULL, prompt="choose")
                yield Static("", id=f"{field_id}-problem", classes="field-problem")
            yield Static("", id="subject-problems")
            with Horizontal(classes="buttons"):
                yield Button("Save and capture prints", id="save", variant="primary")
                yield Button("Back", id="back")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#surname", Input))  # at once: the first key typed lands here
        self.saved = self.values()

    def changed(self) -> bool:
        """Whether anything was typed or chosen since the form was opened (or saved)."""
        return self.values() != getattr(self, "saved", self.values())

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.focus_next()  # Enter moves on, as on a paper form; ctrl+s saves

    def _initial(self, field_id: str) -> str:
        if field_id == "doa" and not self.initial:
            return dt.date.today().isoformat()
        return str(self.initial.get(field_id, ""))

    def values(self) -> dict[str, str]:
        out = {f: self.query_one(f"#{f}", Input).value for f in TEXT_FIELDS}
        for f in CODED_FIELDS:
            value = self.query_one(f"#{f}", Select).value
            out[f] = "" if value is Select.NULL else str(value)
        return out

    def check(self, field_id: str) -> list[str]:
        values = self.values()
        problems = field_problems(field_id, values[field_id], values["surname"], values["given"])
        note = self.query_one(f"#{field_id}-problem", Static)
        note.update("; ".join(problems))
        note.display = bool(problems)
        if field_id in ("surname", "given"):  # one EBTS name (NAM): the other half's note follows this one
            other = self.query_one(f"#{'given' if field_id == 'surname' else 'surname'}-problem", Static)
            if not problems:
                other.update("")
                other.display = False
        return problems

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        field = event.input.id
        if field in UPPER_CASE and event.value != event.value.upper():
            cursor = event.input.cursor_position
            event.input.value = event.value.upper()  # shown as it will be sent; checked on the Changed this posts
            event.input.cursor_position = cursor
            return
        if field and event.value:
            self.check(field)

    @on(Select.Changed)
    def _chosen(self, event: Select.Changed) -> None:
        if event.select.id:
            self.check(event.select.id)

    def subject_fields(self) -> dict[str, Any]:
        """The form as the daemon's booking.subject takes it: Subject attribute names, ISO dates."""
        v = self.values()
        return {
            "name": f"{v['surname'].strip().upper()},{v['given'].strip().upper()}",
            "date_of_birth": v["dob"].strip(),
            "place_of_birth": v["pob"].strip().upper(),
            "sex": v["sex"],
            "race": v["race"],
            "height": height_from(v["height"]),
            "weight": int(v["weight"]) if v["weight"].strip().isdigit() else v["weight"],
            "eye_color": v["eyes"],
            "hair_color": v["hair"],
            "date_of_arrest": v["doa"].strip(),
            "offenses": [{"literal": v["offense"].strip().upper(), "date": v["doa"].strip()}],
            "controlling_agencies": [v["cri"].strip().upper()],
        }

    def action_back(self) -> None:
        if not self.changed():
            self.app.pop_screen()
            return
        from ui.screens.confirm import ConfirmScreen

        def decided(leave: bool | None) -> None:
            if leave:
                self.app.pop_screen()

        question = "Leave the subject form? What you typed is not saved (the booking stays open under Bookings)."
        self.app.push_screen(ConfirmScreen(question, yes="Leave", no="Stay"), decided)

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.action_back()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.save()

    @work(exclusive=True, group="subject_savers")
    async def save(self) -> None:
        local = {f: self.check(f) for f in (*TEXT_FIELDS, *CODED_FIELDS)}
        bad = [f for f, problems in local.items() if problems]
        summary = self.query_one("#subject-problems", Static)
        if bad:
            summary.update(f"Fix the marked fields first: {labels(bad)}")
            self.query_one(f"#{bad[0]}").focus()
            return
        result = await self.call("booking.subject", booking=self.booking, fields=self.subject_fields())
        if result is None:
            return
        refused = [p for p in result.get("problems", []) if p.get("severity", "error") == "error"]
        if refused:
            fields: list[str] = []
            for problem in refused:
                field = field_of(str(problem.get("field", "")))
                if field is None:
                    summary.update("The station could not read the form; check every field and save again.")
                    return
                note = self.query_one(f"#{field}-problem", Static)
                note.update(friendly(field, str(problem.get("message", ""))))
                note.display = True
                fields.append(field)
            summary.update(f"The station asks you to check: {labels(fields)}")
            self.query_one(f"#{fields[0]}").focus()
            return
        self.saved = self.values()
        from ui.screens.capture import CaptureScreen

        self.app.switch_screen(CaptureScreen(self.booking))
