"""What the ANSI/NIST-ITL reader and writer report: located problems, and the two errors of ours they raise.

A `Problem` names where it is (record index in transmission order, record type, field tag) and what was expected, so
an officer or a technician can act on it. The reader collects problems and keeps going; it raises `ParseError` only
when the file cannot be read at all. The writer raises `WriteError` listing every rule a transaction breaks.
"""

from __future__ import annotations

from dataclasses import dataclass

from station.errors import FormatError


@dataclass(frozen=True)
class Problem:
    """One broken rule at one place. `record` is the 0-based index in the file (None: the file as a whole)."""

    message: str
    record: int | None = None
    record_type: int | None = None
    tag: str | None = None  # "14.013", or None for the record as a whole
    rule: str = "encoding"  # short rule name, e.g. "LEN", "CNT", "field-order", "ebts-car"
    severity: str = "error"  # "error" breaks a rule; "warning" is legal but suspect

    def where(self) -> str:
        parts = []
        if self.record is not None:
            parts.append(f"record {self.record}" + (f" (Type-{self.record_type})" if self.record_type else ""))
        if self.tag:
            parts.append(f"field {self.tag}")
        return ", ".join(parts) or "file"

    def __str__(self) -> str:
        return f"{self.where()}: {self.message} [{self.rule}]"


class ParseError(FormatError):
    """The bytes cannot be read as an ANSI/NIST-ITL transaction at all (the only exception the reader raises)."""

    def __init__(self, message: str, offset: int | None = None, hint: str | None = None) -> None:
        located = f"{message} (at byte {offset})" if offset is not None else message
        super().__init__(located, hint or "check that the file is an ANSI/NIST-ITL traditional-encoding transaction")
        self.offset = offset


class WriteError(FormatError):
    """The transaction breaks one or more rules; nothing was written. `problems` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
        super().__init__(f"refusing to write: {first}{more}", "fix the listed fields and write again")
        self.problems = problems
