"""The fixed headers of the legacy binary records (Type-3 to Type-8), all integers big-endian.

Type-3/4/5/6 share an 18-byte header `>IBB6sBHHB` (LEN, IDC, IMP, FGP x6, ISR, HLL, VLL, GCA/BCA); Type-7 has only
LEN and IDC before user-defined data; Type-8 (signature) has a 12-byte header (LEN, IDC, SIG, SRT, ISR, HLL, VLL).
LEN counts the header and the data.
"""

from __future__ import annotations

import struct

from station.formats.ansi_nist.model import BinaryRecord

_IMAGE = struct.Struct(">IBB6sBHHB")
_USER = struct.Struct(">IB")
_SIGNATURE = struct.Struct(">IBBBBHH")
MAX_LEN = 0xFFFFFFFF


def header_size(rtype: int) -> int:
    if rtype == 7:
        return _USER.size
    if rtype == 8:
        return _SIGNATURE.size
    return _IMAGE.size


def unpack(rtype: int, raw: bytes) -> BinaryRecord:
    """A binary record from its exact bytes (header + data); `raw` must be at least `header_size` long."""
    size = header_size(rtype)
    if rtype == 7:
        _, idc = _USER.unpack_from(raw)
        return BinaryRecord(type=7, idc=idc, data=raw[size:])
    if rtype == 8:
        _, idc, sig, srt, isr, hll, vll = _SIGNATURE.unpack_from(raw)
        return BinaryRecord(type=8, idc=idc, sig=sig, srt=srt, isr=isr, hll=hll, vll=vll, data=raw[size:])
    _, idc, imp, fgp, isr, hll, vll, comp = _IMAGE.unpack_from(raw)
    return BinaryRecord(
        type=rtype, idc=idc, imp=imp, fgp=tuple(fgp), isr=isr, hll=hll, vll=vll, compression=comp, data=raw[size:]
    )


def pack(record: BinaryRecord) -> bytes:
    """The record's bytes; the caller has checked ranges (see writer rules)."""
    length = header_size(record.type) + len(record.data)
    if record.type == 7:
        return _USER.pack(length, record.idc) + record.data
    if record.type == 8:
        head = _SIGNATURE.pack(length, record.idc, record.sig, record.srt, record.isr, record.hll, record.vll)
        return head + record.data
    head = _IMAGE.pack(
        length, record.idc, record.imp, bytes(record.fgp), record.isr, record.hll, record.vll, record.compression
    )
    return head + record.data


def range_problems(record: BinaryRecord) -> list[tuple[str, str]]:
    """(tag, message) for every header value that does not fit its field."""
    out: list[tuple[str, str]] = []
    t = record.type

    def need(tag: str, value: int, top: int) -> None:
        if not isinstance(value, int) or not 0 <= value <= top:
            out.append((f"{t}.{tag}", f"value {value!r} does not fit (0-{top})"))

    need("002", record.idc, 99)
    if t == 8:
        need("003", record.sig, 255)
        need("004", record.srt, 255)
        need("005", record.isr, 255)
        need("006", record.hll, 0xFFFF)
        need("007", record.vll, 0xFFFF)
    elif t != 7:
        need("003", record.imp, 255)
        if len(record.fgp) != 6:
            out.append((f"{t}.004", f"FGP needs exactly 6 bytes (unused ones 255), got {len(record.fgp)}"))
        for value in record.fgp:
            need("004", value, 255)
        need("005", record.isr, 255)
        need("006", record.hll, 0xFFFF)
        need("007", record.vll, 0xFFFF)
        need("008", record.compression, 255)
    if header_size(t) + len(record.data) > MAX_LEN:
        out.append((f"{t}.001", "record longer than 4 GiB cannot be expressed in its 4-byte LEN"))
    return out
