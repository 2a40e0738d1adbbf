"""The process-pool path of the tenprint check gives exactly what the in-process path gives, on real card images."""

from __future__ import annotations

import numpy as np
import pytest

from station.biometrics.image import FingerImage
from station.booking import parallel
from station.booking.segmentation import crop_to_print


@pytest.fixture(scope="module")
def pool():
    pool, _ = parallel.start_pool()
    if pool is None:
        pytest.skip("one core: the check runs in-process only")
    return pool


def test_worker_analysis_equals_in_process(pool, card_images: dict[int, FingerImage]) -> None:
    from station.booking.sequence import core_comparator

    comparator = core_comparator()
    assert parallel.picklable(comparator.extract, comparator.prepare)
    for image in (crop_to_print(card_images[2]), card_images[11]):  # a rolled print, a plain thumb
        here = parallel.analyse(image.pixels, image.ppi, True, comparator.extract, comparator.prepare)
        there = pool.submit(
            parallel.analyse, image.pixels, image.ppi, True, comparator.extract, comparator.prepare
        ).result()
        assert there.quality == here.quality and here.quality.score is not None
        assert there.template == here.template and len(here.template) > 10
        prepared_here, prepared_there = comparator.prepare(here.template), comparator.prepare(there.template)
        for name, value in vars(prepared_here).items():  # the cylinders came back with the template, identical
            np.testing.assert_array_equal(getattr(prepared_there, name), value)
        assert comparator.match(there.template, here.template) == comparator.match(here.template, here.template)


def test_closures_stay_in_process() -> None:
    from station.booking.sequence import nbis_comparator

    comparator = nbis_comparator()
    assert not parallel.picklable(comparator.extract, comparator.prepare)  # extracted in the main process


def test_pool_decoding_equals_in_process(pool, card_path) -> None:
    from station.booking.tenprint import load_tenprint

    data = card_path.read_bytes()
    here, there = load_tenprint(data, parallel=False), load_tenprint(data, parallel=True)
    assert sorted(here.rolled) == sorted(there.rolled) == list(range(1, 11))
    for p, image in here.rolled.items():
        np.testing.assert_array_equal(there.rolled[p].pixels, image.pixels)
    for fgp, image in here.flats.items():
        np.testing.assert_array_equal(there.flats[fgp].pixels, image.pixels)
