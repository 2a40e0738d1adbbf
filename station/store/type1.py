"""The few Type-1 (transaction information) fields the outbox needs: TOT, TCN, PRY.

Type-1 is always the first record of an ANSI/NIST-ITL transaction and always tagged ASCII, so reading it needs no
full parser. The complete reader/validator is `station.formats.ansi_nist` (formats area); this module only refuses
what cannot be queued at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from station.errors import FormatError

FS, GS, US, RS = b"\x1c", b"\x1d", b"\x1f", b"\x1e"
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
    if not data.startswith(b"1.001:"):
        raise TransactionHeaderError(
            f"{source} is not an ANSI/NIST-ITL transaction (no Type-1 record at the start)",
            "pass an .eft/.an2 file built by 'station tenprint' or a livescan",
        )
    end = data.find(FS)
    if end < 0:
        raise TransactionHeaderError(f"{source}: the Type-1 record is not terminated", "the file is truncated")
    fields: dict[int, str] = {}
    for raw in data[:end].split(GS):
        tag, sep, value = raw.partition(b":")
        try:
            record_type, number = tag.split(b".")
            if int(record_type) != 1 or not sep:
                raise ValueError(tag)
            fields[int(number)] = value.decode("latin-1")
        except ValueError:
            raise TransactionHeaderError(
                f"{source}: malformed Type-1 field {tag[:20]!r}", "the file is not a valid ANSI/NIST-ITL transaction"
            ) from None
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
