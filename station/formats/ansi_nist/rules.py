"""Field rules of ANSI/NIST-ITL 1-2011 (Update 2015) beyond the encoding: mandatory fields and value formats.

`validate(transaction)` returns located problems for the fields the station reads or writes (Type-1, Type-2 IDC,
Type-4 headers, the image records Type-13/14/15, Type-9 and Type-10 basics). It does not know every field of every
record type: unknown fields are left alone, as the standard allows user-defined ones. Profiles (EBTS CAR) add their
own rules on top, in `station.formats.ebts.profile`.
"""

from __future__ import annotations

import datetime as dt
import re

from station.formats.ansi_nist.codes import COMPRESSION_BINARY, COMPRESSION_TEXT
from station.formats.ansi_nist.errors import Problem
from station.formats.ansi_nist.images import coded_dimensions, image_info
from station.formats.ansi_nist.model import BinaryRecord, TaggedRecord, Transaction
from station.formats.ansi_nist.writer import check_transaction

VERSIONS = ("0200", "0201", "0300", "0400", "0500", "0501", "0502", "0600")
_PPMM = re.compile(r"\d\d\.\d\d")
_GMT = re.compile(r"\d{14}Z")
# Type-13/14/15 fields .001-.013 except .002 (checked by the writer rules) and .005 (FCD is optional in 13 pre-2011).
_IMAGE_MANDATORY = (3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 999)
T4_POSITIONS = range(15)


def parse_date(text: str | None) -> dt.date | None:
    """A CCYYMMDD date, or None when the text is not one."""
    if text is None or len(text) != 8 or not text.isascii() or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _digits(text: str | None) -> int | None:
    return int(text) if text is not None and text.isascii() and text.isdigit() else None


class _Check:
    def __init__(self) -> None:
        self.out: list[Problem] = []

    def add(self, index: int, rtype: int, number: int | None, message: str, rule: str = "field-value") -> None:
        tag = f"{rtype}.{number:03d}" if number is not None else None
        self.out.append(Problem(message, index, rtype, tag, rule))

    def mandatory(self, record: TaggedRecord, index: int, numbers: tuple[int, ...]) -> None:
        present = {f.number for f in record.fields}
        for n in numbers:
            if n not in present:
                self.add(index, record.type, n, "mandatory field is missing", "mandatory")


def _type1(check: _Check, record: TaggedRecord) -> None:
    check.mandatory(record, 0, (2, 3, 4, 5, 7, 8, 9, 11, 12))
    ver = record.text(2)
    if ver is not None and ver not in VERSIONS:
        check.add(0, 1, 2, f"VER {ver!r} is not a known version ({', '.join(VERSIONS)})")
    tot = record.text(4)
    if tot is not None and not (1 <= len(tot) <= 16 and tot.isalnum()):
        check.add(0, 1, 4, f"TOT {tot!r} must be 1-16 letters or digits")
    if record.get(5) is not None and parse_date(record.text(5)) is None:
        check.add(0, 1, 5, f"DAT {record.text(5)!r} is not a CCYYMMDD date")
    pry = record.text(6)
    if pry is not None and pry not in tuple("123456789"):
        check.add(0, 1, 6, f"PRY {pry!r} must be 1-9")
    for number in (11, 12):
        value = record.text(number)
        if value is not None and not _PPMM.fullmatch(value):
            check.add(0, 1, number, f"{value!r} must be NN.NN pixels per millimetre (19.69 = 500 ppi)")
    gmt = record.text(14)
    if gmt is not None and not _GMT.fullmatch(gmt):
        check.add(0, 1, 14, f"GMT {gmt!r} must be CCYYMMDDhhmmssZ")
    dcs = record.get(15)
    for sub in dcs.subfields if dcs is not None else []:
        if len(sub) not in (2, 3) or _digits(sub[0]) is None or int(sub[0]) > 999 or not sub[1]:
            check.add(0, 1, 15, f"DCS entry {sub} must be <index 000-999><US><name>[<US><version>]")


def _binary_image(check: _Check, record: BinaryRecord, index: int) -> None:
    t = record.type
    if t == 4:
        if record.imp not in (0, 1, 2, 3):
            check.add(index, t, 3, f"IMP {record.imp} is not a Type-4 impression type (0-3)")
        first, *rest = record.fgp
        if first not in T4_POSITIONS or any(p not in T4_POSITIONS and p != 255 for p in rest):
            check.add(index, t, 4, f"FGP {list(record.fgp)} must hold finger codes 0-14, unused bytes 255")
        if record.compression not in COMPRESSION_BINARY:
            check.add(index, t, 8, f"GCA {record.compression} is not a compression code (0-6)")
    if t in (3, 4, 5, 6):
        if record.isr not in (0, 1):
            check.add(index, t, 5, f"ISR {record.isr} must be 0 (minimum resolution) or 1 (native)")
        if record.hll == 0 or record.vll == 0:
            check.add(index, t, 6, f"image size {record.hll}x{record.vll} cannot be empty")


def _tagged_image(check: _Check, record: TaggedRecord, index: int) -> None:
    t = record.type
    check.mandatory(record, index, _IMAGE_MANDATORY)
    for number in (3, 6, 7, 9, 10, 12):
        value = record.text(number)
        if value is not None and _digits(value) is None:
            check.add(index, t, number, f"{value!r} must be a number")
    slc = record.text(8)
    if slc is not None and slc not in ("0", "1", "2"):
        check.add(index, t, 8, f"SLC {slc!r} must be 0 (aspect only), 1 (px/inch) or 2 (px/cm)")
    if slc in ("1", "2") and record.text(9) != record.text(10):
        check.add(index, t, 10, f"HPS {record.text(9)} and VPS {record.text(10)} must be equal when SLC is {slc}")
    cga = record.text(11)
    if cga is not None and cga not in COMPRESSION_TEXT:
        check.add(index, t, 11, f"CGA {cga!r} is not one of {', '.join(COMPRESSION_TEXT)}")
    fgp = record.get(13)
    if fgp is not None:
        for sub in fgp.subfields:
            code = _digits(sub[0])
            if code is None or code > 99:
                check.add(index, t, 13, f"position code {sub[0]!r} must be a number")
            elif code == 19 and t in (13, 14) and (record.get(14) is None or record.get(15) is None):
                check.add(index, t, 14, "FGP 19 (EJI or tip) needs PPD (.014) and PPC (.015)", "mandatory")


def _image_data(check: _Check, transaction: Transaction, index: int) -> None:
    """The image data must be what the record says: its compression and its size."""
    info = image_info(transaction, index)
    if info is None:
        return
    binary = info.type in (3, 4, 5, 6)
    if not info.consistent:
        check.add(
            index,
            info.type,
            8 if binary else 11,
            f"compression says {info.compression} but the data is {info.codec}",
            "compression",
        )
    record = transaction.records[index]
    coded = coded_dimensions(record.data or b"", info.codec)
    if coded is not None and (info.width, info.height) != coded:
        check.add(
            index,
            info.type,
            6,
            f"HLL x VLL say {info.width}x{info.height} but the {info.codec} data is {coded[0]}x{coded[1]}",
            "image-size",
        )


def validate(transaction: Transaction) -> list[Problem]:
    """Encoding rules (as the writer checks them) plus the field rules above."""
    problems = check_transaction(transaction)
    if problems and problems[0].rule == "first-record":
        return problems
    check = _Check()
    _type1(check, transaction.type1)
    seen: dict[tuple[int, int], int] = {}
    for index, record in enumerate(transaction.records[1:], start=1):
        key = (record.type, record.idc)
        if record.idc is not None and key in seen:
            check.add(
                index,
                record.type,
                2,
                f"IDC {record.idc} is already used by record {seen[key]} of the same "
                "type (records of one type need distinct IDCs; only different types may share one)",
                "IDC",
            )
        seen.setdefault(key, index)
    for index, record in enumerate(transaction.records[1:], start=1):
        if isinstance(record, BinaryRecord):
            _binary_image(check, record, index)
        elif record.type in (13, 14, 15):
            _tagged_image(check, record, index)
        elif record.type == 9:
            check.mandatory(record, index, (3, 4))
        elif record.type == 10:
            check.mandatory(record, index, (3, 6, 7, 11, 999))
        _image_data(check, transaction, index)
    return problems + check.out
