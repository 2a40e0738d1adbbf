"""Regression inputs that once crashed a C decoder, shared by the tests of every area that decodes them.

Importable from any test as `crash_inputs`: pytest puts `tests/` on sys.path because `tests/conftest.py` lives there.
"""

from __future__ import annotations

import random
from pathlib import Path

SAMPLE_TRANSACTION = ("openebts_samples", "NISTFile.ebts")
SAMPLE_WSQ_RECORD = 2


SEGFAULT_MUTATION = 1555  # of the sample's record 2, NBIS (wsq 0.9) dies of SIGSEGV decoding this one


def mutated_wsq(good: bytes, count: int) -> bytes:
    """The `count`-th random mutation (seed 1) of a WSQ image: 1 to 8 bytes changed, inserted or deleted."""
    rng = random.Random(1)
    data = bytearray()
    for _ in range(count):
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


def crashing_wsq(good: bytes) -> bytes:
    """The 290th mutation of a WSQ image; of the sample's record 2, NBIS segfaults on it (wsq 0.9) or fails its
    allocation."""
    return mutated_wsq(good, 290)


def segfaulting_wsq(good: bytes) -> bytes:
    """A mutation of the sample's record 2 that kills the decoding process with SIGSEGV."""
    return mutated_wsq(good, SEGFAULT_MUTATION)


def sample_wsq(test_data: Path) -> bytes:
    """The WSQ image of record 2 of the OpenEBTS sample transaction in tests/data."""
    from station.formats.ansi_nist import read_transaction

    transaction = read_transaction(test_data.joinpath(*SAMPLE_TRANSACTION).read_bytes())
    return transaction.records[SAMPLE_WSQ_RECORD].data


def crashing_sample_wsq(test_data: Path) -> bytes:
    """The WSQ bytes known to crash NBIS's decoder."""
    return crashing_wsq(sample_wsq(test_data))
