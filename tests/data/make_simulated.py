"""Regenerate tests/data/simulated_seed7: what the simulated scanner's synthetic person of seed 7 gives as flats.

Four fingers (right index and middle, left index and middle) x four impressions, 500 ppi, 400 x 500, named
`{position}_{impression}.png` like the FVC sets, so every tool that takes an FVC-style folder (the replay scanner,
the emulators, the evaluation pairs) takes this one. Run from the project root after an intended change to the
generator: `.venv/bin/python tests/data/make_simulated.py`, then update the sha256 lines of tests/data/MANIFEST.txt
(`.venv/bin/python tests/data/manifest.py`). tests/drivers/test_simulated_data.py checks that the generator still
gives these pixels.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

SEED = 7
POSITIONS = (2, 3, 7, 8)
IMPRESSIONS = (1, 2, 3, 4)
FOLDER = Path(__file__).resolve().parent / f"simulated_seed{SEED}"


def impression(position: int, number: int):
    """The pixels the generator gives for one flat (impression `number` is the generator's impression seed)."""
    from drivers.simulated.synthesis import SyntheticPerson

    return SyntheticPerson(SEED).flat_impression(position, number).image


def main() -> int:
    FOLDER.mkdir(exist_ok=True)
    for position in POSITIONS:
        for number in IMPRESSIONS:
            image = Image.fromarray(impression(position, number))
            image.save(FOLDER / f"{position}_{number}.png", dpi=(500, 500), optimize=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main())
