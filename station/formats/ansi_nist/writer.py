"""Writing the traditional encoding, strictly: a transaction that breaks an encoding rule is refused, naming the rule.

Rules checked (each `Problem.rule`):
  first-record  records[0] is the only Type-1, a tagged record
  record-type   tagged types 1,2,9-99; binary types 3-8 as BinaryRecord
  fields        1.002 VER and 1.003 CNT present; every other record has x.002 IDC; LEN (x.001) is not given
  field-order   field numbers 2..9999, strictly ascending; the binary .999 field last
  separators    no FS or GS inside a text value (only .999 may hold binary bytes)
  charset       Type-1 text is 7-bit ASCII
  IDC           0-99, digits
  CNT           1.003 lists every following record, in order, with its type and IDC (`Transaction.refresh_cnt()`)
  binary-header every binary header value fits its field
LEN is computed exactly: for tagged records the byte count of the whole record including the LEN digits themselves
(iterated until stable), for binary records header + data as a 4-byte big-endian integer.
"""

from __future__ import annotations

from station.formats.ansi_nist import binary
from station.formats.ansi_nist.errors import Problem, WriteError
from station.formats.ansi_nist.model import (
    BINARY_TYPES,
    FS,
    GS,
    MAX_FIELD_NUMBER,
    BinaryRecord,
    TaggedRecord,
    Transaction,
    holds_binary,
)


def check_transaction(transaction: Transaction) -> list[Problem]:
    """Every encoding rule the transaction breaks (empty when it can be written)."""
    out: list[Problem] = []
    records = transaction.records
    if not records or not isinstance(records[0], TaggedRecord) or records[0].type != 1:
        return [Problem("the first record must be the tagged Type-1", 0, None, None, "first-record")]
    for index, record in enumerate(records):
        if index and record.type == 1:
            out.append(Problem("only one Type-1 record is allowed", index, 1, None, "first-record"))
        if isinstance(record, BinaryRecord):
            if record.type not in BINARY_TYPES:
                out.append(
                    Problem(
                        f"Type-{record.type} is not a binary record type (3-8)", index, record.type, None, "record-type"
                    )
                )
                continue
            for tag, message in binary.range_problems(record):
                out.append(Problem(message, index, record.type, tag, "binary-header"))
            if not isinstance(record.data, bytes | bytearray):
                out.append(Problem("data must be bytes", index, record.type, None, "binary-header"))
        else:
            out.extend(_tagged_problems(record, index))
    out.extend(_cnt_problems(transaction))
    return out


def _tagged_problems(record: TaggedRecord, index: int) -> list[Problem]:
    out: list[Problem] = []
    t = record.type
    if not isinstance(t, int) or not 1 <= t <= 99 or t in BINARY_TYPES:
        return [Problem(f"Type-{t} cannot be a tagged record", index, t, None, "record-type")]
    numbers = [f.number for f in record.fields]
    required = {1: (2, 3)}.get(t, (2,))
    for number in required:
        if number not in numbers:
            out.append(Problem("mandatory field is missing", index, t, f"{t}.{number:03d}", "fields"))
    last = 1
    for f in record.fields:
        tag = f"{t}.{f.number:03d}"
        if f.number == 1:
            out.append(Problem("LEN is computed by the writer; remove the field", index, t, tag, "fields"))
            continue
        if not 2 <= f.number <= MAX_FIELD_NUMBER or f.number <= last:
            out.append(
                Problem(
                    f"field numbers must ascend from 2 to {MAX_FIELD_NUMBER} (after {t}.{last:03d})",
                    index,
                    t,
                    tag,
                    "field-order",
                )
            )
        elif holds_binary(t, f.number) and f is not record.fields[-1]:
            out.append(Problem("the binary data field must be the last field", index, t, tag, "field-order"))
        last = max(last, f.number)
        if not isinstance(f.value, bytes | bytearray):
            out.append(Problem("value must be bytes", index, t, tag, "fields"))
            continue
        if not holds_binary(t, f.number) and (FS in f.value or GS in f.value):
            out.append(Problem("FS or GS inside a text value", index, t, tag, "separators"))
        if t == 1 and not f.value.isascii():
            out.append(Problem("Type-1 text must be 7-bit ASCII", index, t, tag, "charset"))
    if t != 1:
        idc = record.text(2)
        if idc is not None and not (idc.isascii() and idc.isdigit() and int(idc) <= 99):
            out.append(Problem(f"IDC must be a number 0-99, got {idc!r}", index, t, f"{t}.002", "IDC"))
    return out


def _cnt_problems(transaction: Transaction) -> list[Problem]:
    cnt = transaction.type1.get(3)
    if cnt is None:
        return []  # reported as a missing field
    subs = cnt.subfields
    rest = transaction.records[1:]
    fix = "1.003 CNT must list every record that follows, in order"
    head = subs[0]
    if len(head) != 2 or head[0] != "1" or not head[1].isascii() or not head[1].isdigit():
        return [Problem(f"first subfield must be 1<US><count>; {fix}", 0, 1, "1.003", "CNT")]
    if int(subs[0][1]) != len(rest) or len(subs) - 1 != len(rest):
        return [
            Problem(
                f"CNT lists {len(subs) - 1} records (count {subs[0][1]}) but there are {len(rest)}; {fix}",
                0,
                1,
                "1.003",
                "CNT",
            )
        ]
    out = []
    for index, (sub, record) in enumerate(zip(subs[1:], rest, strict=True), start=1):
        ok = (
            len(sub) == 2
            and sub[0] == str(record.type)
            and sub[1].isascii()
            and sub[1].isdigit()
            and int(sub[1]) == record.idc
        )
        if not ok:
            out.append(
                Problem(
                    f"CNT entry {'/'.join(sub)} does not match Type-{record.type} IDC {record.idc}; {fix}",
                    index,
                    record.type,
                    "1.003",
                    "CNT",
                )
            )
    return out


def encode_tagged(record: TaggedRecord) -> bytes:
    """One tagged record with its exact LEN (no rule checks: use `write_transaction`)."""
    t = record.type
    parts = []
    for f in record.fields:
        spelling = f.spelling if f.spelling is not None and _spelled(f.spelling, t, f.number) else None
        parts.append(GS + (spelling or b"%d.%03d" % (t, f.number)) + b":" + bytes(f.value))
    tail = b"".join(parts) + FS
    head = record.len_spelling if record.len_spelling and _spelled(record.len_spelling, t, 1) else b"%d.001" % t
    head += b":"
    total = len(head) + len(tail) + 1
    while len(str(total)) + len(head) + len(tail) != total:
        total = len(str(total)) + len(head) + len(tail)
    return head + str(total).encode() + tail


def _spelled(spelling: bytes, rtype: int, number: int) -> bool:
    left, _, right = spelling.partition(b".")
    return left.isdigit() and right.isdigit() and int(left) == rtype and int(right) == number


def write_transaction(transaction: Transaction) -> bytes:
    """The transaction's bytes; raises WriteError listing every broken rule, writing nothing."""
    problems = check_transaction(transaction)
    if problems:
        raise WriteError(problems)
    return b"".join(binary.pack(r) if isinstance(r, BinaryRecord) else encode_tagged(r) for r in transaction.records)
