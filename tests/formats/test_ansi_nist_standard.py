"""Rules of the standard beyond our samples: every record layout, character sets, field rules."""

from __future__ import annotations

import pytest

from station.formats.ansi_nist import (
    BinaryRecord,
    Field,
    TaggedRecord,
    Transaction,
    WriteError,
    read_transaction,
    validate,
    write_transaction,
)

_IMAGE_BYTES = b"\x00\x1c\x1d\x1e\x1f:" * 20  # binary data full of separators must not confuse the reader


def _t(rtype: int, *fields: tuple[int, bytes | str]) -> TaggedRecord:
    return TaggedRecord(rtype, [Field(n, v if isinstance(v, bytes) else v.encode()) for n, v in fields])


def _type1(*extra: tuple[int, bytes | str]) -> TaggedRecord:
    return _t(
        1,
        (2, "0502"),
        (3, ""),
        (4, "CAR"),
        (5, "20261125"),
        (7, "WVIAFIS0Z"),
        (8, "VA0000000"),
        (9, "VA0000000-1"),
        (11, "00.00"),
        (12, "00.00"),
        *extra,
    )


def test_every_record_layout_round_trips_without_problems() -> None:
    t = Transaction(
        [
            _type1(),
            _t(2, (2, "00"), (18, "DOE,JOHN"), (2085, "EBTS user field")),
            BinaryRecord(3, idc=1, imp=3, fgp=(1, 255, 255, 255, 255, 255), hll=4, vll=5, data=bytes(20)),
            BinaryRecord(
                4,
                idc=2,
                imp=1,
                fgp=(2, 3, 255, 255, 255, 255),
                isr=1,
                hll=4,
                vll=5,
                compression=0,
                data=bytes(range(20)),
            ),
            BinaryRecord(6, idc=3, imp=0, fgp=(3, 255, 255, 255, 255, 255), hll=8, vll=2, data=b"\xff\x00"),
            BinaryRecord(7, idc=4, data=_IMAGE_BYTES),
            BinaryRecord(8, idc=5, sig=0, srt=0, isr=0, hll=3, vll=2, data=bytes(6)),
            _t(9, (2, "02"), (3, "1"), (4, "U"), (128, "4")),
            _t(10, (2, "06"), (3, "FACE"), (6, "4"), (7, "5"), (11, "NONE"), (999, bytes(20))),
            _t(13, (2, "07"), (999, _IMAGE_BYTES)),
            _t(15, (2, "08"), (999, _IMAGE_BYTES)),
            _t(17, (2, "09"), (999, _IMAGE_BYTES)),
            _t(98, (2, "10"), (3, "DEADBEEF")),
            _t(99, (2, "11"), (999, _IMAGE_BYTES)),
        ]
    )
    t.refresh_cnt()
    data = write_transaction(t)
    back = read_transaction(data)
    assert back.problems == []
    assert back.records == t.records
    assert write_transaction(back) == data


def test_leading_zero_record_type_in_tags_is_accepted() -> None:
    body = b"\x1d01.002:0502\x1d01.003:1\x1f0\x1c"
    length = len(b"01.001:") + len(body) + 2
    data = b"01.001:%d" % length + body
    t = read_transaction(data)
    assert t.problems == [] and t.type1.text(2) == "0502"
    assert write_transaction(t) == data


def test_character_sets() -> None:
    name = "MÜLLER,JÖRG".encode()
    plain = Transaction([_type1(), _t(2, (2, "00"), (18, name))])
    plain.refresh_cnt()
    found = read_transaction(write_transaction(plain)).problems
    assert [(p.tag, p.rule, p.severity) for p in found] == [("2.018", "charset", "warning")]

    declared = Transaction([_type1((15, "003\x1fUTF-8")), _t(2, (2, "00"), (18, name))])
    declared.refresh_cnt()
    assert read_transaction(write_transaction(declared)).problems == []

    broken = Transaction([_type1((15, "003\x1fUTF-8")), _t(2, (2, "00"), (18, b"M\xfcLLER,J"))])
    broken.refresh_cnt()
    assert [p.severity for p in read_transaction(write_transaction(broken)).problems] == ["error"]

    t1_latin = Transaction([_type1((13, b"NORAM\xe9"))])
    t1_latin.refresh_cnt()
    with pytest.raises(WriteError) as caught:
        write_transaction(t1_latin)
    assert [(p.tag, p.rule) for p in caught.value.problems] == [("1.013", "charset")]


def test_field_rules_of_image_records() -> None:
    t = Transaction(
        [
            _type1(),
            _t(
                14,
                (2, "01"),
                (3, "1"),
                (4, "VA0000000"),
                (5, "20261125"),
                (6, "4"),
                (7, "5"),
                (8, "1"),
                (9, "500"),
                (10, "250"),
                (11, "WSQ"),
                (12, "8"),
                (13, "1"),
                (999, b"\xff\xa0"),
            ),
        ]
    )
    t.refresh_cnt()
    rules = {(p.tag, p.rule) for p in validate(t)}
    assert ("14.010", "field-value") in rules  # HPS != VPS with SLC 1
    assert ("14.011", "field-value") in rules  # "WSQ" is not a 2011 compression code


def test_records_of_one_type_need_distinct_idcs_but_types_may_share() -> None:
    t = Transaction(
        [
            _type1(),
            _t(9, (2, "01"), (3, "1"), (4, "U")),
            _t(13, (2, "01"), (999, b"x")),
            _t(13, (2, "01"), (999, b"y")),
        ]
    )
    t.refresh_cnt()
    found = [(p.record, p.tag, p.rule) for p in validate(t) if p.rule == "IDC"]
    assert found == [(3, "13.002", "IDC")]


def test_dcs_and_eji_rules() -> None:
    t = Transaction([_type1((15, "3")), _t(14, (2, "01"), (13, "19"), (999, b"\xff\xa0"))])
    t.refresh_cnt()
    found = {(p.tag, p.rule) for p in validate(t)}
    assert ("1.015", "field-value") in found and ("14.014", "mandatory") in found
