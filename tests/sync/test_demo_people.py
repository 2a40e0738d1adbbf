"""The demo central's known persons: booked with the simulated scanner, seed 7 is known to both systems, 8 to
criminal history only, 9 to immigration only, 10 to neither (what `station run` and the README promise). The
persons' fingers are the simulated scanner's; galleries and bookings hold different impressions."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.simulated.synthesis import SyntheticPerson
from station.biometrics import api
from station.biometrics.image import FingerImage
from sync.central.demo import FINGERS, NOBODY_SEED, PEOPLE, seed_demo
from sync.central.galleries import CRIMINAL_HISTORY, IMMIGRATION, counts
from sync.central.search import GallerySearch
from sync.central.state import CentralState

EXPECTED = {7: (True, True), 8: (True, False), 9: (False, True), NOBODY_SEED: (False, False)}


def _flat_templates(seed: int, impression: int, fingers: tuple[int, ...]) -> dict[int, bytes]:
    person = SyntheticPerson(seed)
    return {
        p: api.extract(FingerImage(pixels=person.flat_impression(p, impression).image, ppi=500.0)).to_bytes()
        for p in fingers
    }


@pytest.fixture(scope="module")
def demo_central(tmp_path_factory: pytest.TempPathFactory) -> CentralState:
    state = CentralState(Path(tmp_path_factory.mktemp("demo-central")))
    enrolled = seed_demo(state, lambda seed: _flat_templates(seed, 500, FINGERS))
    assert [(p.seed, systems) for p, systems in enrolled] == [
        (7, "criminal history and immigration"),
        (8, "criminal history"),
        (9, "immigration"),
    ]
    return state


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_each_simulated_person_is_known_to_the_systems_the_docs_say(demo_central: CentralState, seed: int) -> None:
    search = GallerySearch(demo_central)
    probes = _flat_templates(seed, 3, (1, 2))  # the booking: other impressions of two of the fingers
    found = (search.identify(probes, CRIMINAL_HISTORY) is not None, search.identify(probes, IMMIGRATION) is not None)
    assert found == EXPECTED[seed]


def test_seeding_twice_changes_nothing(demo_central: CentralState) -> None:
    before = counts(demo_central)
    assert seed_demo(demo_central, lambda seed: _flat_templates(seed, 500, FINGERS)) == []
    assert counts(demo_central) == before == {"criminal-history": 2, "immigration": 2}
    assert {p.seed for p in PEOPLE} | {NOBODY_SEED} == set(EXPECTED)
