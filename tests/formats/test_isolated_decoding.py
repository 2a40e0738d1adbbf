"""Untrusted images are decoded in a child: a crash of the WSQ C decoder becomes our FormatError."""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest

from station.errors import FormatError
from station.formats.ansi_nist import decode_image, decode_image_isolated, read_transaction


def _crashing_wsq(good: bytes) -> bytes:
    """The 290th random mutation (seed 1) of the sample's WSQ: NBIS's decoder segfaults on it (wsq 0.9)."""
    rng = random.Random(1)
    data = bytearray()
    for _ in range(290):
        data = bytearray(good)
        for _ in range(rng.randint(1, 8)):
            kind, offset = rng.randrange(3), rng.randrange(len(data))
            if kind == 0:
                data[offset] = rng.randrange(256)
            elif kind == 1:
                data.insert(offset, rng.randrange(256))
            else:
                del data[offset]
    return bytes(data)


@pytest.fixture(scope="module")
def sample(shared_data):
    return read_transaction((shared_data / "openebts_samples" / "NISTFile.ebts").read_bytes())


def test_isolated_decoding_gives_the_same_pixels(sample) -> None:
    assert np.array_equal(decode_image_isolated(sample, 2), decode_image(sample, 2))


def test_a_decoder_crash_is_reported_as_format_error(sample) -> None:
    damaged = copy.deepcopy(sample)
    damaged.records[2].data = _crashing_wsq(sample.records[2].data)
    with pytest.raises(FormatError, match="record 2"):
        decode_image_isolated(damaged, 2)
