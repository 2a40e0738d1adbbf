"""The synthetic fingerprint generator behind the simulated scanner: determinism, realism and ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.simulated.synthesis import Impression, SyntheticPerson, blank_platen
from station.biometrics.features import MinutiaKind


@pytest.fixture(scope="module")
def person() -> SyntheticPerson:
    return SyntheticPerson(11)


def test_same_seeds_give_the_same_pixels(person: SyntheticPerson) -> None:
    a = person.flat_impression(2, 3)
    b = SyntheticPerson(11).flat_impression(2, 3)
    assert isinstance(a, Impression)
    assert a.image.dtype == np.uint8 and a.ppi == 500
    assert np.array_equal(a.image, b.image)
    assert a.minutiae == b.minutiae
    assert not np.array_equal(a.image, person.flat_impression(2, 4).image)


def test_flat_impression_looks_like_a_print(person: SyntheticPerson) -> None:
    imp = person.flat_impression(2, 0)
    fg = imp.foreground
    assert fg is not None and 0.25 < fg.mean() < 0.9
    # Dark ridges on a light platen, with strong ridge contrast inside the finger.
    assert imp.image[~fg].mean() > 180
    assert imp.image[fg].std() > 30
    kinds = {m.kind for m in imp.minutiae}
    assert kinds == {MinutiaKind.ENDING, MinutiaKind.BIFURCATION}
    assert 20 <= len(imp.minutiae) <= 150


def test_blank_platen_has_no_finger() -> None:
    frame = blank_platen(3)
    assert frame.dtype == np.uint8
    assert frame.mean() > 180 and frame.std() < 15
    assert np.array_equal(frame, blank_platen(3))


def test_unknown_condition_and_bad_position_are_refused(person: SyntheticPerson) -> None:
    with pytest.raises(TypeError, match="valid"):
        person.flat_impression(2, 0, wetness=1)
    with pytest.raises(ValueError, match="1-10"):
        person.flat_impression(11, 0)
