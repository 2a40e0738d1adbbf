"""Hostile input at scale (slow soak) and the memory bound on forged lengths (fast)."""

from __future__ import annotations

import contextlib
import tracemalloc

import pytest

from bench.bench_formats import fuzz_soak
from station.formats.ansi_nist import ParseError, read_transaction
from tests.formats.ansi_nist_samples import sample_files


def _peak_while_reading(data: bytes) -> int:
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        with contextlib.suppress(ParseError):
            read_transaction(data)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_forged_lengths_do_not_allocate_what_they_claim(test_data) -> None:
    card = (test_data / "nist_tenprint_eft" / "nist-type-4-14-flats.eft").read_bytes()
    type4 = card.index(b"\x1c", card.index(b"2.001:")) + 1
    forged = [
        b"1.001:4294967296\x1d1.002:0502\x1d1.003:1\x1f0\x1c",
        card[:type4] + b"\xff\xff\xff\xff" + card[type4 + 4 :],
        card.replace(b"14.001:", b"14.001:4294967296", 1),
    ]
    for data in forged:
        assert _peak_while_reading(data) < 4 * len(data) + 256 * 1024


@pytest.mark.slow
def test_ten_thousand_mutations_raise_only_parse_error_quickly_and_in_bounded_memory(test_data) -> None:
    result = fuzz_soak(sample_files(test_data), 10_000)
    assert result.count == 10_000
    assert result.ok, (result.foreign + result.slow + result.over_memory)[:5]
