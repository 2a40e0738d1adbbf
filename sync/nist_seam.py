"""A thin ANSI/NIST-ITL seam for the transport: split a transaction into records, read tagged fields, write
tagged records. Only what the reference central and the sample builder need.

This is a seam, not the format library: `station.formats.ansi_nist` / `station.formats.ebts` (formats area) own
reading, writing and validating transactions; once they are merged, `sync.central.validation` calls them and this
module shrinks to the glue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from station.errors import FormatError

FS, GS, RS, US = b"\x1c", b"\x1d", b"\x1e", b"\x1f"
BINARY_TYPES = {3, 4, 5, 6, 7, 8}


class TransactionError(FormatError):
    """The transaction's record structure is broken."""


@dataclass
class Record:
    type: int
    raw: bytes
    fields: dict[int, bytes] = field(default_factory=dict)

    def text(self, number: int, default: str = "") -> str:
        value = self.fields.get(number)
        return default if value is None else value.decode("latin-1")


def parse_tagged(raw: bytes, record_type: int) -> dict[int, bytes]:
    """Fields of a tagged record; the image field (.999) may hold any bytes, so it is cut off first."""
    fields: dict[int, bytes] = {}
    body = raw[:-1] if raw.endswith(FS) else raw
    image_tag = f"{GS.decode()}{record_type}.999:".encode()
    cut = body.find(image_tag)
    image = None
    if cut >= 0:
        image, body = body[cut + len(image_tag):], body[:cut]
    for item in body.split(GS):
        tag, sep, value = item.partition(b":")
        try:
            rtype, number = tag.split(b".")
            if int(rtype) != record_type or not sep:
                raise ValueError
        except ValueError:
            raise TransactionError(f"malformed field {tag[:16]!r} in a Type-{record_type} record",
                                   "the transaction is corrupt") from None
        fields[int(number)] = value
    if image is not None:
        fields[999] = image
    return fields


def split_records(data: bytes) -> list[Record]:
    """All records of a transaction, typed by the Type-1 CNT field and cut by their own length fields."""
    end = data.find(FS)
    if not data.startswith(b"1.001:") or end < 0:
        raise TransactionError("no Type-1 record at the start", "this is not an ANSI/NIST-ITL transaction")
    first = Record(1, data[:end + 1], parse_tagged(data[:end + 1], 1))
    try:
        length = int(first.text(1))
        cnt = [item.split(US) for item in first.fields[3].split(RS)]
        types = [int(entry[0]) for entry in cnt[1:]]
    except (KeyError, ValueError, IndexError):
        raise TransactionError("Type-1 has no usable length (1.001) or CNT (1.003)", "the transaction is corrupt") \
            from None
    if length != end + 1:
        raise TransactionError(f"Type-1 length says {length} but the record has {end + 1} bytes",
                               "the transaction is corrupt")
    records, offset = [first], length
    for record_type in types:
        if record_type in BINARY_TYPES:
            if offset + 4 > len(data):
                raise TransactionError(f"Type-{record_type} record cut short", "the transaction is truncated")
            size = int.from_bytes(data[offset:offset + 4], "big")
            raw = data[offset:offset + size]
            records.append(Record(record_type, raw))
        else:
            head = data[offset:offset + 24]
            tag, _, rest = head.partition(b":")
            try:
                size = int(rest.split(GS)[0])
                if tag != f"{record_type}.001".encode():
                    raise ValueError
            except ValueError:
                raise TransactionError(f"Type-{record_type} record (per CNT) does not start with its length field",
                                       "the transaction is corrupt") from None
            raw = data[offset:offset + size]
            if len(raw) != size or not raw.endswith(FS):
                raise TransactionError(f"Type-{record_type} record is cut short or unterminated",
                                       "the transaction is truncated")
            records.append(Record(record_type, raw, parse_tagged(raw, record_type)))
        if size <= 0 or offset + size > len(data):
            raise TransactionError(f"Type-{record_type} record length {size} runs past the end",
                                   "the transaction is truncated")
        offset += size
    if offset != len(data):
        raise TransactionError(f"{len(data) - offset} bytes after the last record listed in CNT",
                               "the transaction is corrupt")
    return records


def tagged_record(record_type: int, fields: list[tuple[int, bytes]]) -> bytes:
    """Write a tagged record; the length field (.001) is computed (it counts its own digits)."""
    body = b"".join(GS + f"{record_type}.{n:03d}:".encode() + v for n, v in fields if n != 1) + FS
    prefix = f"{record_type}.001:".encode()
    length = len(prefix) + len(body) + 1
    while len(prefix) + len(str(length)) + len(body) != length:
        length = len(prefix) + len(str(length)) + len(body)
    return prefix + str(length).encode() + body


def assemble(type1_fields: list[tuple[int, bytes]], records: list[tuple[int, int, bytes]]) -> bytes:
    """A transaction from Type-1 fields (without 1.001/1.003) and written records (type, IDC, bytes)."""
    cnt = RS.join([b"1" + US + str(len(records)).encode()]
                  + [str(t).encode() + US + f"{idc:02d}".encode() for t, idc, _ in records])
    type1 = tagged_record(1, [(3, cnt), *type1_fields])
    return type1 + b"".join(raw for _, _, raw in records)
