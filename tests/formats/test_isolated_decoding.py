"""Untrusted images are decoded in a child: a crash of the WSQ C decoder becomes our FormatError, the process lives."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import numpy as np
import pytest
from crash_inputs import crashing_wsq

from station.biometrics.image import load_image
from station.errors import FormatError, InputError
from station.formats import wsq
from station.formats.ansi_nist import decode_image, decode_image_isolated, read_transaction


@pytest.fixture(scope="module")
def sample(test_data):
    return read_transaction((test_data / "openebts_samples" / "NISTFile.ebts").read_bytes())


def test_isolated_decoding_gives_the_same_pixels(sample) -> None:
    assert np.array_equal(decode_image_isolated(sample, 2), decode_image(sample, 2))


def test_a_decoder_crash_is_reported_as_format_error(sample) -> None:
    damaged = copy.deepcopy(sample)
    damaged.records[2].data = crashing_wsq(sample.records[2].data)
    with pytest.raises(FormatError, match="record 2"):
        decode_image_isolated(damaged, 2)


def test_untrusted_wsq_decodes_as_the_plain_decoder_does(sample) -> None:
    data = sample.records[2].data
    trusted, untrusted = wsq.decode(data), wsq.decode_untrusted(data)
    assert np.array_equal(untrusted.pixels, trusted.pixels) and untrusted.ppi == trusted.ppi


def test_a_wsq_that_crashes_nbis_is_a_format_error_from_the_untrusted_decoder(sample) -> None:
    # NBIS either fails its huge allocation (WSQ Error -2: the child's memory bound, or a machine short of memory)
    # or crashes the child; either way the caller gets a FormatError that says what to do (tests/test_isolation.py
    # checks a real crash of the child).
    with pytest.raises(FormatError, match="corrupt WSQ data") as caught:
        wsq.decode_untrusted(crashing_wsq(sample.records[2].data))
    assert caught.value.hint
    with pytest.raises(FormatError, match="FFA0"):
        wsq.decode_untrusted(b"not a wsq image")


def test_load_image_survives_a_wsq_that_crashes_the_decoder(sample, tmp_path: Path) -> None:
    path = tmp_path / "crash.wsq"
    path.write_bytes(crashing_wsq(sample.records[2].data))
    pid = os.getpid()
    with pytest.raises(InputError, match=r"crash\.wsq: corrupt WSQ data") as caught:
        load_image(path)
    assert isinstance(caught.value.__cause__, FormatError)  # load_image reports format errors as bad input
    assert os.getpid() == pid  # still this process, and it still decodes
    assert load_image(sample.records[2].data, 500, name="sample.wsq").pixels.size
