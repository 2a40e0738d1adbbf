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


def test_reading_and_checking_in_one_go_equals_the_two_steps(pool, card_path) -> None:
    """`check_tenprint` (rolled records decoded, cut and analysed by one job each) = load_tenprint + run_check."""
    from station.booking.sequence import core_comparator
    from station.booking.tenprint import check_tenprint, load_tenprint, run_check

    comparator = core_comparator()
    data = card_path.read_bytes()
    two_steps = run_check(load_tenprint(data, parallel=False), comparator, parallel=False)
    one_go = check_tenprint(data, comparator)
    assert one_go.as_dict()["positions"] == two_steps.as_dict()["positions"]
    assert one_go.nfiq2 == two_steps.nfiq2 and one_go.minutiae == two_steps.minutiae
    for p, image in two_steps.rolled.items():
        np.testing.assert_array_equal(one_go.rolled[p].pixels, image.pixels)
        assert one_go.rolled_templates[p] == two_steps.rolled_templates[p]
    assert {"read", "segmentation", "analysis", "matching"} <= set(one_go.timings)


def test_a_corrupt_rolled_record_is_a_format_error_and_the_pool_lives_on(pool, card_path) -> None:
    from station.booking.sequence import core_comparator
    from station.booking.tenprint import check_tenprint
    from station.errors import FormatError
    from station.formats.ansi_nist import read_transaction, write_transaction

    transaction = read_transaction(card_path.read_bytes())
    rolled = next(r for r in transaction.records if r.type == 14 and r.text(13) == "3")
    rolled.set(999, rolled.get(999).value[:2000])  # the WSQ stream cut short
    with pytest.raises(FormatError):
        check_tenprint(write_transaction(transaction), core_comparator(), quality=False)
    restarted, _ = parallel.start_pool()
    assert restarted is not None and restarted.submit(sum, (1, 2)).result() == 3
