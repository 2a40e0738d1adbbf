"""The few Type-1 (transaction information) fields the outbox needs: TOT, TCN, PRY.

Read with the one ANSI/NIST-ITL reader (`station.formats.ansi_nist`), so a Type-1 is found however the standard lets
it be spelt (`1.001:` or `1.01:`); this module only refuses what cannot be queued at all. Whether a file keeps the
rules of its EBTS profile and its images decode is `station.formats.ebts.admission`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from station.errors import FormatError
from station.formats.ansi_nist import ParseError, read_transaction

_TCN = re.compile(r"^[\x20-\x7e]{1,64}$")
DEFAULT_PRIORITY = 9


class TransactionHeaderError(FormatError):
    """The file does not start with a usable ANSI/NIST-ITL Type-1 record."""


@dataclass(frozen=True)
class TransactionHeader:
    tot: str
    tcn: str
    priority: int
    fields: dict[int, str]


def read_type1(data: bytes, source: str = "transaction") -> TransactionHeader:
    """Parse the Type-1 record at the start of `data`."""
    try:
        type1 = read_transaction(data).type1
    except ParseError as exc:
        raise TransactionHeaderError(
            f"{source} is not an ANSI/NIST-ITL transaction ({exc.message})",
            "pass an .eft/.an2 file built by 'station tenprint' or a livescan",
        ) from exc
    fields = {f.number: f.value.decode("latin-1") for f in type1.fields}
    tot, tcn = fields.get(4, "").strip(), fields.get(9, "").strip()
    if not tot:
        raise TransactionHeaderError(f"{source}: Type-1 has no TOT (1.004)", "set the type of transaction")
    if not _TCN.match(tcn):
        raise TransactionHeaderError(
            f"{source}: Type-1 has no usable TCN (1.009): {tcn!r}",
            "every submission needs its own transaction control number",
        )
    pry = fields.get(6, "").strip()
    if pry and not (pry.isdigit() and 1 <= int(pry) <= 9):
        raise TransactionHeaderError(f"{source}: PRY (1.006) must be 1-9, not {pry!r}", "fix the priority field")
    return TransactionHeader(tot=tot, tcn=tcn, priority=int(pry) if pry else DEFAULT_PRIORITY, fields=fields)
