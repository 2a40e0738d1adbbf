"""The station template: exact round trips, compactness, and clear errors on foreign or damaged bytes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from station.biometrics.features import FingerFeatures, Minutia, MinutiaKind, SingularKind, SingularPoint
from station.biometrics.template import MAGIC, Template, TemplateError, is_template
from station.errors import FormatError


def _features(n: int = 40, seed: int = 3) -> FingerFeatures:
    rng = np.random.default_rng(seed)
    minutiae = tuple(
        Minutia(
            float(rng.uniform(0, 400)),
            float(rng.uniform(0, 500)),
            float(rng.uniform(0, 2 * math.pi)),
            MinutiaKind(int(rng.integers(0, 3))),
            float(rng.uniform(0, 1)),
        )
        for _ in range(n)
    )
    singular = (SingularPoint(200.5, 240.25, SingularKind.CORE, 1.0), SingularPoint(90, 400, SingularKind.DELTA))
    return FingerFeatures(400, 500, minutiae, singular)


def test_round_trip_is_exact_and_close_to_the_features() -> None:
    features = _features()
    template = Template.from_features(features)
    again = Template.from_bytes(template.to_bytes())
    assert again == template
    assert again.to_bytes() == template.to_bytes()
    for name in ("x", "y", "angle", "kind", "quality"):
        assert np.array_equal(getattr(again, name), getattr(template, name))
    assert again.singular_points == template.singular_points
    original = features.as_arrays()
    assert np.max(np.abs(template.x - original["x"])) <= 0.125
    assert np.max(np.abs(template.y - original["y"])) <= 0.125
    turn = np.abs((template.angle - original["angle"] + np.pi) % (2 * np.pi) - np.pi)
    assert np.max(turn) <= math.pi / 256 + 1e-6
    assert np.array_equal(template.kind, original["kind"])
    assert again.to_features().minutiae[0].kind == features.minutiae[0].kind


def test_template_is_compact() -> None:
    data = Template.from_features(_features(60)).to_bytes()
    assert len(data) == 13 + 6 * 60 + 6 * 2 + 4
    assert is_template(data)
    assert data[:4] == MAGIC


def test_empty_template_round_trips() -> None:
    empty = Template.from_features(FingerFeatures(300, 300, ()))
    assert len(Template.from_bytes(empty.to_bytes())) == 0


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b"II*\x00" + b[4:], "not a station template"),
        (lambda b: b[:2], "not a station template"),
        (lambda b: b[:4], "truncated"),
        (lambda b: b[:-10], "header announces"),
        (lambda b: b[:4] + bytes([9]) + b[5:], "version 9"),
        (lambda b: b[:20] + bytes([b[20] ^ 0xFF]) + b[21:], "checksum"),
    ],
)
def test_corrupt_or_foreign_bytes_fail_clearly(mutate, message: str) -> None:
    data = Template.from_features(_features()).to_bytes()
    with pytest.raises(TemplateError, match=message) as caught:
        Template.from_bytes(mutate(data))
    assert isinstance(caught.value, FormatError)
    assert caught.value.hint


def test_features_must_be_canonical() -> None:
    with pytest.raises(ValueError, match="500 ppi"):
        Template.from_features(FingerFeatures(10, 10, (), ppi=1000))
