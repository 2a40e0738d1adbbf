"""The Immigration Alien Response (IAR): the immigration agency's finding on a person the immigration system matched,
as a text message in the layout of the state message switch (Nlets) that carries it to the booking agency.

    IAR.VA0000000.VTICE0900.          message type, destination ORI, sender ORI (each followed by a period)
    TXT                               normal text follows
    TCR/VA2026T000001.                the booking's TCN (the query this answers)
    CAS/LESC2026000001.               the immigration case number
    FIN/1000000001.                   the immigration system's Fingerprint Identification Number
    NAM/DOE,JOHN Q.                   name and date of birth on the immigration record
    DOB/19800131.
    FND/REMOVABLE.                    the finding: REMOVABLE, LAWFUL STATUS, NO DETERMINATION POSSIBLE, FURTHER REVIEW
    PRI/1.                            enforcement priority level 1 (most serious) .. 3
    BAS/BOOKING CHARGE 1201 ROBBERY.  what set the priority
    RMK/ICE FIELD OFFICE NOTIFIED.    remarks (any number of lines)

The layout follows the Nlets legacy text messages (prefix/value fields ended by a period, upper-case ASCII); the
field prefixes after TXT are ours, since the public record shows the IAR's envelope but not its content. The
reader accepts what the writer writes and refuses anything it cannot link to a booking.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from station.formats.ebts.answer import AnswerError

MESSAGE_TYPE = "IAR"
FINDINGS = {
    "removable": "REMOVABLE",
    "lawful-status": "LAWFUL STATUS",
    "no-determination": "NO DETERMINATION POSSIBLE",
    "further-review": "FURTHER REVIEW",
}
_OUTCOMES = {text: outcome for outcome, text in FINDINGS.items()}
PRIORITY_LEVELS = ("1", "2", "3")
MAX_LINE = 300


class IarError(AnswerError):
    """The bytes are not an IAR we can use (not the layout, no TCR, an unknown finding)."""


@dataclass
class Iar:
    destination: str  # the booking agency's ORI
    sender: str  # the immigration agency's ORI
    tcr: str  # the TCN of the booking this answers
    finding: str  # outcome code: removable / lawful-status / no-determination / further-review
    priority: int | None = None
    case: str | None = None
    fin: str | None = None
    name: str | None = None
    dob: str | None = None  # CCYYMMDD
    basis: str | None = None
    remarks: list[str] = field(default_factory=list)


def _clean(value: str) -> str:
    """Upper-case printable ASCII without the field terminator (a period) or line breaks."""
    text = "".join(c if c.isascii() and c.isprintable() else " " for c in value.upper()).replace(".", " ")
    return " ".join(text.split())[:MAX_LINE]


def _exact(value: str) -> str:
    """A value that must travel unchanged (the TCN): printable ASCII without a period."""
    if not value or not value.isascii() or not value.isprintable() or "." in value:
        raise ValueError(f"{value!r} cannot travel in an IAR field unchanged")
    return value


def write_iar(message: Iar) -> bytes:
    if message.finding not in FINDINGS:
        raise ValueError(f"IAR finding must be one of {sorted(FINDINGS)}, got {message.finding!r}")
    tcr = _exact(message.tcr)
    lines = [f"{MESSAGE_TYPE}.{_clean(message.destination)}.{_clean(message.sender)}.", "TXT"]
    fields = [
        ("TCR", message.tcr),
        ("CAS", message.case),
        ("FIN", message.fin),
        ("NAM", message.name),
        ("DOB", message.dob),
        ("FND", FINDINGS[message.finding]),
        ("PRI", None if message.priority is None else str(message.priority)),
        ("BAS", message.basis),
    ]
    lines += [f"{prefix}/{tcr if prefix == 'TCR' else _clean(value)}." for prefix, value in fields if value]
    lines += [f"RMK/{_clean(remark)}." for remark in message.remarks if remark.strip()]
    return ("\n".join(lines) + "\n").encode("ascii")


def read_iar(data: bytes) -> Iar:
    """Parse an IAR. Raises IarError when it is not one or cannot be linked to a booking."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise IarError("IAR is not ASCII text") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) < 2 or lines[1] != "TXT":
        raise IarError("not an IAR message: expected a header line and TXT")
    header = lines[0].rstrip(".").split(".")
    if len(header) != 3 or header[0] != MESSAGE_TYPE:
        raise IarError(f"header {lines[0][:40]!r} is not IAR.<destination>.<sender>.")
    values: dict[str, str] = {}
    remarks: list[str] = []
    for line in lines[2:]:
        prefix, slash, value = line.partition("/")
        if not slash or not line.endswith("."):
            raise IarError(f"IAR line {line[:40]!r} is not PREFIX/value.")
        value = value[:-1]
        if prefix == "RMK":
            remarks.append(value)
        else:
            values[prefix] = value
    if not values.get("TCR"):
        raise IarError("IAR without TCR/ cannot be linked to a booking")
    finding = _OUTCOMES.get(values.get("FND", ""))
    if finding is None:
        raise IarError(f"IAR finding FND/{values.get('FND', '')} is not one of {sorted(_OUTCOMES)}")
    priority = values.get("PRI")
    if priority is not None and priority not in PRIORITY_LEVELS:
        raise IarError(f"IAR priority PRI/{priority} is not 1, 2 or 3")
    return Iar(
        destination=header[1],
        sender=header[2],
        tcr=values["TCR"],
        finding=finding,
        priority=int(priority) if priority else None,
        case=values.get("CAS"),
        fin=values.get("FIN"),
        name=values.get("NAM"),
        dob=values.get("DOB"),
        basis=values.get("BAS"),
        remarks=remarks,
    )
