"""The in-memory transaction: tagged records of fields, binary records with their fixed headers.

Values are kept as the bytes found in the file, so a transaction read and written again is identical; helpers give
them as text, subfields (separated by RS) and information items (separated by US). `Field.spelling` remembers a tag
written in a non-canonical way (`1.01:` instead of `1.001:`) so that old files round-trip byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

FS, GS, RS, US = b"\x1c", b"\x1d", b"\x1e", b"\x1f"
BINARY_TYPES = frozenset({3, 4, 5, 6, 7, 8})
IMAGE_FIELD = 999  # the binary data field, always last in its record (not in Type-1, 2 and 9)
TEXT_ONLY_TYPES = frozenset({1, 2, 9})
MAX_FIELD_NUMBER = 9999  # EBTS user-defined Type-2 fields have 4 digits (2.2022)


def holds_binary(rtype: int, number: int) -> bool:
    """True for the field whose value runs to the end of the record as raw bytes."""
    return number == IMAGE_FIELD and rtype not in TEXT_ONLY_TYPES


@dataclass
class Field:
    """One tagged field: `number` is the part after the dot (14.013 -> 13)."""

    number: int
    value: bytes
    spelling: bytes | None = field(default=None, compare=False)  # the tag as written, when not canonical

    @property
    def text(self) -> str:
        """The value as text (UTF-8, undecodable bytes replaced); binary fields should use `value`."""
        return self.value.decode("utf-8", errors="replace")

    @property
    def subfields(self) -> list[list[str]]:
        """[[item, item, ...], ...] — one list per subfield (RS-separated), items US-separated."""
        return [sub.split("\x1f") for sub in self.text.split("\x1e")]


def join_items(subfields: Iterable[Sequence[str | int]]) -> bytes:
    """Encode subfields of information items: [["1", "XX"], ["6", "UP"]] -> b"1\\x1fXX\\x1e6\\x1fUP"."""
    return RS.join(US.join(str(item).encode("utf-8") for item in sub) for sub in subfields)


@dataclass
class TaggedRecord:
    """A tagged-field record (Type-1, 2, 9, 10, 13-99). `fields` excludes x.001 LEN, which the writer computes."""

    type: int
    fields: list[Field] = field(default_factory=list)
    len_spelling: bytes | None = field(default=None, compare=False)

    def get(self, number: int) -> Field | None:
        for f in self.fields:
            if f.number == number:
                return f
        return None

    def text(self, number: int, default: str | None = None) -> str | None:
        f = self.get(number)
        return f.text if f is not None else default

    def set(self, number: int, value: bytes | str | Iterable[Sequence[str | int]]) -> None:
        """Set (or add, in field-number order) a field; lists of lists are joined as subfields of items."""
        if isinstance(value, str):
            raw = value.encode("utf-8")
        elif isinstance(value, bytes | bytearray):
            raw = bytes(value)
        else:
            raw = join_items(value)
        for f in self.fields:
            if f.number == number:
                f.value = raw
                return
        index = next((i for i, f in enumerate(self.fields) if f.number > number), len(self.fields))
        self.fields.insert(index, Field(number, raw))

    def remove(self, number: int) -> None:
        self.fields = [f for f in self.fields if f.number != number]

    @property
    def idc(self) -> int | None:
        """The IDC (x.002) as a number; None for Type-1 or when absent or not numeric."""
        if self.type == 1:
            return None
        value = self.text(2)
        return int(value) if value is not None and value.isascii() and value.isdigit() else None

    @property
    def data(self) -> bytes | None:
        f = self.get(IMAGE_FIELD)
        return f.value if f is not None else None


@dataclass
class BinaryRecord:
    """A legacy binary record (Type-3 to 8). Header fields not used by a type are kept at 0.

    Type-3/4/5/6: IDC, IMP, FGP (6 bytes, unused 255), ISR, HLL, VLL, compression (GCA/BCA).
    Type-7: IDC then user-defined bytes (all in `data`). Type-8: IDC, SIG, SRT, ISR, HLL, VLL.
    """

    type: int
    idc: int
    data: bytes = b""
    imp: int = 0
    fgp: tuple[int, ...] = (0, 255, 255, 255, 255, 255)
    isr: int = 0
    hll: int = 0
    vll: int = 0
    compression: int = 0  # GCA (Type-3/4), BCA (Type-5/6)
    sig: int = 0  # Type-8 signature type
    srt: int = 0  # Type-8 signature representation type

    @property
    def positions(self) -> list[int]:
        """The finger positions in FGP, without the 255 fillers."""
        return [p for p in self.fgp if p != 255]


Record = TaggedRecord | BinaryRecord


@dataclass
class Transaction:
    """A whole file: records[0] is the Type-1. `problems` holds what the reader found (not part of equality)."""

    records: list[Record] = field(default_factory=list)
    problems: list = field(default_factory=list, compare=False)  # list[Problem]

    @property
    def type1(self) -> TaggedRecord:
        first = self.records[0]
        assert isinstance(first, TaggedRecord) and first.type == 1
        return first

    @property
    def tot(self) -> str | None:
        return self.type1.text(4) if self.records else None

    def of_type(self, rtype: int) -> list[Record]:
        return [r for r in self.records if r.type == rtype]

    def content_list(self) -> list[list[str]]:
        """The 1.003 CNT value this transaction's records call for (IDCs written with 2 digits)."""
        rest = self.records[1:]
        return [["1", str(len(rest))]] + [[str(r.type), f"{record_idc(r) or 0:02d}"] for r in rest]

    def refresh_cnt(self) -> None:
        """Rewrite 1.003 CNT from the records (use after adding or removing records)."""
        self.type1.set(3, self.content_list())


def record_idc(record: Record) -> int | None:
    return record.idc
