"""Hostile input: whatever the bytes, the reader returns a transaction or raises our ParseError, nothing else."""

from __future__ import annotations

import contextlib
import functools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from station.errors import FormatError
from station.formats.ansi_nist import (
    ParseError,
    decode_image_isolated,
    image_infos,
    read_transaction,
    validate,
    write_transaction,
)
from station.formats.ebts import AnswerError, read_answer, validate_car


@functools.cache
def _seed() -> bytes:
    """The OpenEBTS sample every mutation starts from, read at the first test that needs it (not at import)."""
    from tests.conftest import TEST_DATA

    return (TEST_DATA / "openebts_samples" / "NISTFile.ebts").read_bytes()


def _read_or_parse_error(data: bytes) -> None:
    try:
        transaction = read_transaction(data)
    except ParseError:
        return
    if not transaction.problems:
        # What reads cleanly must also be writable and read back the same.
        assert read_transaction(write_transaction(transaction)).records == transaction.records


def _apply(edits: list[tuple[int, int, str]]) -> bytes:
    data = bytearray(_seed())
    for offset, value, kind in edits:
        offset = min(offset, len(data) - 1)
        if kind == "set":
            data[offset] = value
        elif kind == "insert":
            data.insert(offset, value)
        elif len(data) > 1:
            del data[offset]
    return bytes(data)


def _mutation() -> st.SearchStrategy[list[tuple[int, int, str]]]:
    return st.lists(
        st.tuples(st.integers(0, len(_seed()) - 1), st.integers(0, 255), st.sampled_from(["set", "insert", "delete"])),
        min_size=1,
        max_size=8,
    )


#: Up to 8 edits of the sample; built when first drawn, so the sample is read by a test, not at import.
mutation = st.deferred(_mutation)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation)
def test_mutated_sample_raises_only_parse_error(edits) -> None:
    _read_or_parse_error(_apply(edits))


separator_heavy = st.binary(max_size=400).map(lambda b: b"1.001:" + bytes(c if c % 5 else (0x1C + c % 4) for c in b))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), separator_heavy, st.binary(max_size=200).map(lambda b: _seed()[:300] + b)))
def test_random_bytes_raise_only_parse_error(data) -> None:
    _read_or_parse_error(data)


@settings(max_examples=200, deadline=None)
@given(st.deferred(lambda: st.integers(0, len(_seed()))))
def test_truncated_sample_raises_only_parse_error(cut) -> None:
    _read_or_parse_error(_seed()[:cut])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation)
def test_checks_and_images_of_mutated_files_never_crash(edits) -> None:
    """What the CLI does after reading (validate, profile, image summaries, decoding) copes with any damage."""
    data = _apply(edits)
    try:
        transaction = read_transaction(data)
    except ParseError:
        return
    validate(transaction)
    validate_car(transaction)
    for info in image_infos(transaction):
        with contextlib.suppress(FormatError):  # in a child: the WSQ C decoder can crash on corrupt data
            decode_image_isolated(transaction, info.record)
    with contextlib.suppress(AnswerError):
        read_answer(data)
