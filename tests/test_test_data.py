"""The committed test data is what its MANIFEST says, stays lean, and the simulated set is what the generator gives."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import numpy as np
from PIL import Image

from tests.conftest import TEST_DATA

LEAN_BYTES = 15_000_000


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"tests_data_{name}", TEST_DATA / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_committed_file_is_in_the_manifest_with_its_sha256() -> None:
    assert _script("manifest").problems() == []


def test_every_set_names_its_source_and_licence() -> None:
    text = (TEST_DATA / "MANIFEST.txt").read_text()
    for folder in sorted(p.name for p in TEST_DATA.iterdir() if p.is_dir() and p.name != "__pycache__"):
        block = text.split(f"[{folder}]\n", 1)[1].split("\n\n", 1)[0]
        assert "source: " in block and "licence: " in block, folder


def test_the_committed_data_stays_lean() -> None:
    total = sum(p.stat().st_size for p in TEST_DATA.rglob("*") if p.is_file())
    assert total < LEAN_BYTES, f"tests/data holds {total / 1e6:.1f} MB"


def test_the_simulated_set_is_what_the_generator_gives_for_its_seed() -> None:
    """A changed generator shows here; if the change is meant, rerun tests/data/make_simulated.py (its docstring)."""
    make = _script("make_simulated")
    for position, number in ((make.POSITIONS[0], make.IMPRESSIONS[0]), (make.POSITIONS[-1], make.IMPRESSIONS[-1])):
        committed = np.asarray(Image.open(make.FOLDER / f"{position}_{number}.png"))
        assert np.array_equal(make.impression(position, number), committed), (position, number)
