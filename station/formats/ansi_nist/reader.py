"""Reading the traditional encoding: tolerant (collects every problem it can locate) and safe on hostile input.

The reader follows 1.003 CNT to know each record's type, because binary records (Type-3..8) carry no tag. Records are
delimited by their LEN, never by scanning for FS (compressed images contain 0x1C). When a tagged record's LEN is
wrong but the record has no binary field, the reader falls back on the FS and reports the LEN. What cannot be located
(a binary LEN running past the end, a truncated file) ends the reading with a problem; only a file whose Type-1
cannot be read raises `ParseError`. Memory stays within a small multiple of the input: every value is a slice of it.
"""

from __future__ import annotations

import re

from station.formats.ansi_nist import binary
from station.formats.ansi_nist.errors import ParseError, Problem
from station.formats.ansi_nist.model import (
    BINARY_TYPES,
    FS,
    GS,
    MAX_FIELD_NUMBER,
    BinaryRecord,
    Field,
    Record,
    TaggedRecord,
    Transaction,
    holds_binary,
)

_TAG = re.compile(rb"(\d{1,3})\.(\d{1,9}):")
_LEN_DIGITS = 12  # a LEN value longer than this cannot be a real length
_UTF8_NAMES = {"003", "UTF-8", "UTF8"}


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.problems: list[Problem] = []

    def problem(
        self, message: str, index: int | None, rtype: int | None, tag: str | None, rule: str, severity: str = "error"
    ) -> None:
        self.problems.append(Problem(message, index, rtype, tag, rule, severity))

    # -- tagged records -------------------------------------------------------------------------------------------
    def record_end(self, pos: int, index: int, rtype: int) -> tuple[int, int, bytes | None] | None:
        """(end, position after the LEN value, LEN spelling) of the tagged record at pos, or None if unlocatable."""
        data = self.data
        m = _TAG.match(data, pos)
        if m is None or int(m.group(2)) != 1:
            self.problem(f"expected the tag {rtype}.001: (LEN) at byte {pos}", index, rtype, f"{rtype}.001", "LEN")
            return None
        limit = min(len(data), m.end() + _LEN_DIGITS + 1)
        stop = m.end()
        while stop < limit and data[stop] not in (0x1C, 0x1D):
            stop += 1
        digits = data[m.end() : stop]
        spelling = m.group(0)[:-1]
        tag = f"{rtype}.001"
        if stop >= limit or not digits.isdigit():
            self.problem(f"LEN must be digits followed by GS, found {digits[:16]!r}", index, rtype, tag, "LEN")
            return None
        declared = int(digits)
        if pos + declared <= len(data) and declared > stop - pos and data[pos + declared - 1] == 0x1C:
            return pos + declared, stop, spelling
        fs = data.find(FS, stop)
        if fs < 0:
            self.problem(f"LEN is {declared} but no FS ends the record", index, rtype, tag, "LEN")
            return None
        self.problem(
            f"LEN is {declared} but the record ends with FS after {fs + 1 - pos} bytes", index, rtype, tag, "LEN"
        )
        return fs + 1, stop, spelling

    def tagged(self, pos: int, index: int, rtype: int) -> tuple[TaggedRecord, int] | None:
        located = self.record_end(pos, index, rtype)
        if located is None:
            return None
        end, cursor, len_spelling = located
        data = self.data
        record = TaggedRecord(type=rtype, len_spelling=None if len_spelling == b"%d.001" % rtype else len_spelling)
        last = 1
        body_end = end - 1  # the FS
        while cursor < body_end:
            if data[cursor] != 0x1D:
                self.problem(f"expected GS between fields at byte {cursor}", index, rtype, None, "separators")
                nxt = data.find(GS, cursor, body_end)
                if nxt < 0:
                    break
                cursor = nxt
            cursor += 1
            m = _TAG.match(data, cursor, body_end)
            if m is None:
                nxt = data.find(GS, cursor, body_end)
                shown = data[cursor : min(cursor + 12, body_end)]
                self.problem(f"malformed field tag {shown!r} (expected {rtype}.NNN:)", index, rtype, None, "tag")
                cursor = body_end if nxt < 0 else nxt
                continue
            ftype, number = int(m.group(1)), int(m.group(2))
            tag = f"{rtype}.{number:03d}"
            if ftype != rtype:
                self.problem(f"tag says Type-{ftype} inside a Type-{rtype} record", index, rtype, tag, "tag")
            if holds_binary(rtype, number):
                value, cursor = data[m.end() : body_end], body_end
            else:
                nxt = data.find(GS, m.end(), body_end)
                stop = body_end if nxt < 0 else nxt
                value, cursor = data[m.end() : stop], stop
                if FS in value:
                    self.problem("FS inside a text field (the LEN is probably wrong)", index, rtype, tag, "separators")
            if number > MAX_FIELD_NUMBER:
                self.problem(f"field number {number} is above {MAX_FIELD_NUMBER}", index, rtype, tag, "field-order")
            if number == 1 or number == 0:
                self.problem(f"field number {number} is not allowed here", index, rtype, tag, "field-order")
            elif len(record.fields) == 0 and number != 2:
                expected = "VER" if rtype == 1 else "IDC"
                self.problem(f"the second field must be {rtype}.002 {expected}", index, rtype, tag, "field-order")
            elif number <= last:
                self.problem(
                    f"field {tag} comes after field {rtype}.{last:03d} (ascending order expected)",
                    index,
                    rtype,
                    tag,
                    "field-order",
                )
            last = max(last, number)
            spelling = m.group(0)[:-1]
            canonical = b"%d.%03d" % (rtype, number)
            record.fields.append(Field(number, value, None if spelling == canonical else spelling))
        return record, end

    # -- binary records -------------------------------------------------------------------------------------------
    def binary(self, pos: int, index: int, rtype: int) -> tuple[BinaryRecord, int] | None:
        data = self.data
        size = binary.header_size(rtype)
        tag = f"{rtype}.001"
        if pos + 4 > len(data):
            self.problem(f"file ends inside the Type-{rtype} LEN", index, rtype, tag, "truncated")
            return None
        declared = int.from_bytes(data[pos : pos + 4], "big")
        if declared < size:
            self.problem(f"LEN {declared} is shorter than the {size}-byte header", index, rtype, tag, "LEN")
            return None
        if pos + declared > len(data):
            self.problem(
                f"LEN {declared} runs past the end of the file ({len(data) - pos} bytes left)", index, rtype, tag, "LEN"
            )
            return None
        return binary.unpack(rtype, data[pos : pos + declared]), pos + declared

    # -- the transaction ------------------------------------------------------------------------------------------
    def content(self, type1: TaggedRecord) -> list[tuple[int | None, str | None]] | None:
        """The (type, IDC text) entries of 1.003 CNT after the first subfield, or None when CNT is unusable."""
        cnt = type1.get(3)
        if cnt is None:
            self.problem("1.003 CNT is missing; records are read by their tags only", 0, 1, "1.003", "CNT")
            return None
        subs = cnt.subfields
        head = subs[0]
        entries: list[tuple[int | None, str | None]] = []
        for sub in subs[1:]:
            if len(sub) != 2 or not sub[0].isascii() or not sub[0].isdigit() or not 1 < int(sub[0]) < 100:
                self.problem(f"CNT entry {sub!r} is not <record type><US><IDC>", 0, 1, "1.003", "CNT")
                entries.append((None, None))
            else:
                entries.append((int(sub[0]), sub[1]))
        if len(head) != 2 or head[0] != "1" or not head[1].isascii() or not head[1].isdigit():
            self.problem(f"first CNT subfield must be 1<US><record count>, found {head!r}", 0, 1, "1.003", "CNT")
        elif int(head[1]) != len(entries):
            self.problem(f"CNT announces {int(head[1])} records but lists {len(entries)}", 0, 1, "1.003", "CNT")
        return entries

    def check_text(self, transaction: Transaction) -> None:
        """Type-1 must be 7-bit ASCII; other text needs 1.015 DCS for anything beyond ASCII."""
        dcs = transaction.type1.get(15)
        names = {item.strip().upper() for sub in dcs.subfields for item in sub} if dcs else set()
        utf8 = bool(names & _UTF8_NAMES)
        for index, record in enumerate(transaction.records):
            if not isinstance(record, TaggedRecord):
                continue
            for f in record.fields:
                if holds_binary(record.type, f.number) or f.value.isascii():
                    continue
                tag = f"{record.type}.{f.number:03d}"
                if record.type == 1:
                    self.problem("Type-1 text must be 7-bit ASCII", index, 1, tag, "charset")
                elif not utf8:
                    self.problem(
                        "non-ASCII text but 1.015 DCS declares no other character set",
                        index,
                        record.type,
                        tag,
                        "charset",
                        "warning",
                    )
                else:
                    try:
                        f.value.decode("utf-8")
                    except UnicodeDecodeError:
                        self.problem(
                            "text is not valid UTF-8 although 1.015 DCS declares UTF-8",
                            index,
                            record.type,
                            tag,
                            "charset",
                        )

    def read(self) -> Transaction:
        data = self.data
        m = _TAG.match(data, 0)
        if m is None or int(m.group(1)) != 1 or int(m.group(2)) != 1:
            raise ParseError("not an ANSI/NIST-ITL transaction: it must start with the Type-1 tag 1.001:", 0)
        first = self.tagged(0, 0, 1)
        if first is None:
            detail = "; ".join(str(p) for p in self.problems) or "unreadable Type-1"
            raise ParseError(f"the Type-1 record cannot be read: {detail}", 0)
        type1, pos = first
        transaction = Transaction(records=[type1], problems=self.problems)
        entries = self.content(type1)
        index = 1
        while pos < len(data) and (entries is None or index <= len(entries)):
            expected, idc_text = entries[index - 1] if entries is not None else (None, None)
            record = self.next_record(pos, index, expected)
            if record is None:
                break
            rec, pos = record
            if idc_text is not None:
                self.check_idc(rec, idc_text, index)
            transaction.records.append(rec)
            index += 1
        if entries is not None and index <= len(entries):
            self.problem(
                f"CNT lists {len(entries)} records but only {index - 1} could be read", 0, 1, "1.003", "truncated"
            )
        if pos < len(data) and entries is not None and index > len(entries):
            self.problem(
                f"{len(data) - pos} bytes follow the last record listed in 1.003 CNT", None, None, None, "trailing-data"
            )
        self.check_text(transaction)
        return transaction

    def next_record(self, pos: int, index: int, expected: int | None) -> tuple[Record, int] | None:
        if expected in BINARY_TYPES:
            return self.binary(pos, index, expected)
        m = _TAG.match(self.data, pos)
        actual = int(m.group(1)) if m is not None else None
        if actual is None or actual in BINARY_TYPES or not 1 < actual < 100:
            self.problem(f"expected a tagged record at byte {pos}", index, expected, None, "CNT")
            return None
        if expected is not None and actual != expected:
            self.problem(f"CNT says Type-{expected} but the record is Type-{actual}", index, actual, None, "CNT")
        return self.tagged(pos, index, actual)

    def check_idc(self, record: Record, idc_text: str, index: int) -> None:
        tag = f"{record.type}.002"
        if record.idc is None or record.idc > 99:
            self.problem("IDC must be a number 0-99", index, record.type, tag, "IDC")
        elif not idc_text.isascii() or not idc_text.isdigit():
            self.problem(f"CNT gives IDC {idc_text!r}, not a number", 0, 1, "1.003", "IDC")
        elif record.idc != int(idc_text):
            self.problem(
                f"IDC {record.idc} differs from {idc_text} given for this record in 1.003 CNT",
                index,
                record.type,
                tag,
                "IDC",
            )


def read_transaction(data: bytes | bytearray | memoryview) -> Transaction:
    """Read a traditional-encoding ANSI/NIST-ITL file; `Transaction.problems` lists what breaks the encoding rules.

    Raises ParseError (and nothing else) when the bytes are not a readable transaction.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ParseError(f"expected bytes, got {type(data).__name__}")
    raw = bytes(data)
    if len(raw) < 8:
        raise ParseError(f"{len(raw)} bytes is too short for an ANSI/NIST-ITL transaction", 0)
    return _Reader(raw).read()
