"""Fixtures of the booking tests: the NIST tenprint card's images, read once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.biometrics.image import FingerImage


@pytest.fixture(scope="session")
def card_path(test_data: Path) -> Path:
    return test_data / "nist_tenprint_eft" / "nist-type-14-tpcard.eft"


@pytest.fixture(scope="session")
def card_images(card_path: Path) -> dict[int, FingerImage]:
    """FGP -> image of every image record of the NIST Type-14 tenprint card."""
    from station.formats.ansi_nist import decode_image, image_infos, read_transaction

    transaction = read_transaction(card_path.read_bytes())
    return {
        info.positions[0]: FingerImage(decode_image(transaction, info.record), info.ppi or 500.0)
        for info in image_infos(transaction)
    }


@pytest.fixture(scope="session")
def sim_person():
    """One synthetic person for every simulated test (its ten master prints are made once)."""
    from drivers.simulated.synthesis import SyntheticPerson

    return SyntheticPerson(11)
