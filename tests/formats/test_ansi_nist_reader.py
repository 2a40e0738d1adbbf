"""Reading and writing the traditional encoding: real samples, exact LEN, located problems, strict refusals."""

from __future__ import annotations

import pytest

from station.formats.ansi_nist import (
    BinaryRecord,
    Field,
    ParseError,
    TaggedRecord,
    Transaction,
    WriteError,
    decode_image,
    encode_tagged,
    image_infos,
    read_transaction,
    write_transaction,
)
from tests.formats.ansi_nist_samples import sample_files

TPCARD = "nist_tenprint_eft/nist-type-14-tpcard.eft"


def test_every_sample_reads_without_a_problem_and_round_trips_byte_for_byte(test_data) -> None:
    files = sample_files(test_data)
    assert len(files) >= 11
    for path in files:
        data = path.read_bytes()
        transaction = read_transaction(data)
        assert transaction.problems == [], (path.name, [str(p) for p in transaction.problems])
        written = write_transaction(transaction)
        assert written == data, path.name
        assert read_transaction(written).records == transaction.records


def test_tenprint_card_has_14_images_matching_their_records(test_data) -> None:
    transaction = read_transaction((test_data / TPCARD).read_bytes())
    infos = image_infos(transaction)
    assert sorted(p for i in infos for p in i.positions) == list(range(1, 15))
    for info in infos:
        record = transaction.records[info.record]
        pixels = decode_image(transaction, info.record)
        assert pixels.shape == (int(record.text(7)), int(record.text(6)))
        assert info.ppi == 500 and info.compression == "WSQ20"


def _tagged(rtype: int, *fields: tuple[int, str]) -> TaggedRecord:
    return TaggedRecord(rtype, [Field(n, v.encode()) for n, v in fields])


def _small() -> Transaction:
    t = Transaction(
        [
            _tagged(1, (2, "0502"), (3, ""), (4, "CAR")),
            _tagged(2, (2, "00"), (18, "DOE,JOHN")),
            BinaryRecord(
                4, idc=1, imp=1, fgp=(1, 255, 255, 255, 255, 255), hll=2, vll=2, compression=0, data=b"\x00\x1c\x1d\xff"
            ),
        ]
    )
    t.refresh_cnt()
    return t


def test_len_is_exact_when_the_digit_count_changes() -> None:
    for length in range(1, 300):
        record = _tagged(2, (2, "00"), (3, "x" * length))
        raw = encode_tagged(record)
        declared = int(raw.split(b":", 1)[1].split(b"\x1d", 1)[0])
        assert declared == len(raw)


def test_written_transaction_reads_back_with_cnt_and_binary_header() -> None:
    t = _small()
    data = write_transaction(t)
    assert b"1.003:1\x1f2\x1e2\x1f00\x1e4\x1f01" in data
    back = read_transaction(data)
    assert back.problems == [] and back.records == t.records
    assert data[-22:-4] == (22).to_bytes(4, "big") + bytes([1, 1, 1, 255, 255, 255, 255, 255, 0, 0, 2, 0, 2, 0])


def test_reader_locates_wrong_len_and_wrong_idc() -> None:
    data = bytearray(write_transaction(_small()))
    type2 = data.index(b"2.001:")
    data[type2 + 6 : type2 + 8] = b"99"  # Type-2 LEN 2x -> 99
    data[-18] = 7  # Type-4 IDC byte 1 -> 7
    t = read_transaction(bytes(data))
    found = {(p.record, p.tag, p.rule) for p in t.problems}
    assert (1, "2.001", "LEN") in found
    assert (2, "4.002", "IDC") in found
    assert t.records[1].text(18) == "DOE,JOHN"


def test_forged_binary_len_is_reported_not_allocated() -> None:
    data = bytearray(write_transaction(_small()))
    data[-22:-18] = (0xFFFFFFF0).to_bytes(4, "big")
    t = read_transaction(bytes(data))
    assert [p.rule for p in t.problems] == ["LEN", "truncated"]
    assert len(t.records) == 2


@pytest.mark.parametrize("data", [b"", b"hello world, not nist", b"1.001:9999999999999999\x1d", b"2.001:20\x1d"])
def test_unreadable_input_raises_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError):
        read_transaction(data)


def test_writer_refuses_broken_rules_naming_them() -> None:
    t = _small()
    t.records[1].fields.append(Field(5, b"bad\x1dvalue"))
    t.records[1].fields.append(Field(3, b"late"))
    t.records[2].idc = 2
    with pytest.raises(WriteError) as caught:
        write_transaction(t)
    rules = {p.rule for p in caught.value.problems}
    assert {"separators", "field-order", "CNT"} <= rules


def test_non_canonical_tags_are_kept() -> None:
    raw = b"1.01:41\x1d1.02:0201\x1d1.03:1\x1f1\x1e2\x1f00\x1d1.04:CAR\x1c"
    type2 = encode_tagged(_tagged(2, (2, "00")))
    t = read_transaction(raw + type2)
    assert t.problems == []
    assert write_transaction(t) == raw + type2
