"""Type-2 value rules as the booking form uses them, TCNs, and reading SRE/ERRT answers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest

from station.formats.ansi_nist import Field, TaggedRecord, Transaction, write_transaction
from station.formats.ebts import (
    AnswerError,
    Offense,
    TcnGenerator,
    read_answer,
    validate_field,
    validate_subject,
    validate_text,
)
from tests.formats.tenprint_booking import sample_subject

TODAY = dt.date(2026, 11, 25)


def test_sample_subject_is_clean() -> None:
    assert validate_subject(sample_subject(), TODAY) == []


@pytest.mark.parametrize(
    ("mnemonic", "value", "fragment"),
    [
        ("NAM", "DOE JOHN", "one comma"),
        ("NAM", "DOE, JOHN", "no space after the comma"),
        ("NAM", "doe,john", "upper-case"),
        ("NAM", "D,", "3-50"),
        ("POB", "V1", "2-letter"),
        ("SEX", "Q", "not a code"),
        ("RAC", "H", "not a code"),
        ("EYE", "BRN", "not a code"),
        ("HAI", "BRN", "not a code"),
        ("HGT", "5-10", "feet then two-digit inches"),
        ("HGT", "512", "feet then two-digit inches"),
        ("WGT", 1200, "1-999"),
        ("CRI", ["VA0000000", "X" * 10], "1-9"),
        ("CRI", [], "1-3"),
        ("ASL", [], "1-40"),
        ("ASL", [Offense("")], "1-300"),
        ("DOB", "19800131", "must be a date"),
    ],
)
def test_each_field_rule_names_the_field(mnemonic, value, fragment) -> None:
    problems = validate_field(mnemonic, value)
    assert problems and problems[0].mnemonic == mnemonic and fragment in problems[0].message
    assert problems[0].severity == "error"


def test_warnings_do_not_block() -> None:
    assert validate_field("POB", "IT")[0].severity == "warning"
    assert validate_field("WGT", 30)[0].severity == "warning"
    assert validate_field("HGT", "311")[0].severity == "warning"


def test_linked_dates() -> None:
    subject = dataclasses.replace(sample_subject(), date_of_arrest=dt.date(1979, 1, 1))
    assert [p.mnemonic for p in validate_subject(subject, TODAY) if p.severity == "error"] == ["DOA"]
    future = dataclasses.replace(sample_subject(), date_of_birth=dt.date(2027, 1, 1))
    assert "DOB" in [p.mnemonic for p in validate_subject(future, TODAY)]


def test_tcns_are_unique_across_instances_and_threads(tmp_path) -> None:
    state = tmp_path / "tcn.seq"
    now = dt.datetime(2026, 11, 25, 12, 0, 0, tzinfo=dt.UTC)
    seen: list[str] = []

    def worker() -> None:
        generator = TcnGenerator("VA0000000", "ST01", state)
        seen.extend(generator.next(now) for _ in range(25))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 100
    assert all(10 <= len(tcn) <= 40 for tcn in seen)
    restarted = TcnGenerator("VA0000000", "ST01", state).next(now)
    assert restarted.endswith("-00101")


def _answer(tot: str, **type2: str) -> bytes:
    t1 = TaggedRecord(
        1,
        [
            Field(2, b"0502"),
            Field(3, b""),
            Field(4, tot.encode()),
            Field(5, b"20261125"),
            Field(7, b"VA0000000"),
            Field(8, b"WVIAFIS0Z"),
            Field(9, b"FBI-0000000001"),
            Field(10, b"VA0000000-20261125143005-ST01-00001"),
            Field(11, b"00.00"),
            Field(12, b"00.00"),
        ],
    )
    fields = {"IDC": 2, "NAM": 18, "UCN": 14, "SRF": 59, "MSG": 60}
    t2 = TaggedRecord(2, [Field(2, b"00")] + [Field(fields[k], v.encode()) for k, v in type2.items()])
    t2.fields.sort(key=lambda f: f.number)
    transaction = Transaction([t1, t2])
    transaction.refresh_cnt()
    return write_transaction(transaction)


def test_sre_hit_and_no_hit_link_to_our_tcn() -> None:
    hit = read_answer(_answer("SRE", NAM="DOE,JOHN Q", UCN="123456789", SRF="I"))
    assert hit.hit is True and hit.answers("VA0000000-20261125143005-ST01-00001")
    assert hit.name == "DOE,JOHN Q" and hit.ucn == "123456789" and hit.problems == []
    assert read_answer(_answer("SRE", NAM="DOE,JOHN Q", SRF="N")).hit is False


def test_errt_gives_the_reasons() -> None:
    answer = read_answer(_answer("ERRT", MSG="FINGERPRINT QUALITY\x1eSEQUENCE ERROR"))
    assert answer.rejected and answer.hit is None
    assert answer.messages == ["FINGERPRINT QUALITY", "SEQUENCE ERROR"]


def test_non_answers_are_refused() -> None:
    with pytest.raises(AnswerError, match="not an answer"):
        read_answer(_answer("CAR"))
    with pytest.raises(AnswerError, match="unreadable"):
        read_answer(b"<html>gateway timeout</html>")


def test_rapid_search_answer_colours() -> None:
    assert read_answer(_answer("RPISR", SRF="R")).hit is True
    assert read_answer(_answer("RPISR", SRF="Y")).hit is True
    assert read_answer(_answer("RPISR", SRF="G")).hit is False
    odd = read_answer(_answer("RPISR", SRF="Q"))
    assert odd.hit is None and [p.tag for p in odd.problems] == ["2.059"]


@pytest.mark.parametrize(
    ("mnemonic", "text", "ok"),
    [
        ("DOB", "1980-01-31", True),
        ("DOB", "19800131", True),
        ("DOB", "1980-02-30", False),
        ("DOB", "31/01/1980", False),
        ("WGT", "180", True),
        ("WGT", "180 lb", False),
        ("RET", "n", True),
        ("CRI", "VA0000000, VA0000001", True),
        ("AKA", "DOE,JON;SMITH,JOHN", True),
        ("HGT", "510", True),
        ("SEX", "m", False),
    ],
)
def test_form_text_is_parsed_then_checked(mnemonic, text, ok) -> None:
    problems = validate_text(mnemonic, text)
    assert (problems == []) is ok, problems
    assert all(p.mnemonic == mnemonic for p in problems)
