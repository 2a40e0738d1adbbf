"""ISO 19794-2:2005, INCITS 378-2004 and Type-9: exact bytes, conventions, round trips, and safe decoding."""

from __future__ import annotations

import contextlib
import math
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.biometrics.features import FingerFeatures, Minutia, MinutiaKind, SingularKind, SingularPoint
from station.formats.ansi_nist import Transaction, read_transaction, write_transaction
from station.formats.ansi_nist.model import TaggedRecord
from station.formats.templates import (
    FingerView,
    TemplateError,
    decode_type9,
    encode_type9,
    incits378,
    iso19794_2,
)


def _features(n: int = 40, seed: int = 3) -> FingerFeatures:
    rng = np.random.default_rng(seed)
    minutiae = tuple(
        Minutia(
            float(rng.integers(0, 400)),
            float(rng.integers(0, 500)),
            float(rng.uniform(0, 2 * math.pi)),
            MinutiaKind(int(rng.integers(1, 3))),
            float(rng.integers(1, 101)) / 100,
        )
        for _ in range(n)
    )
    singular = (
        SingularPoint(200.0, 240.0, SingularKind.CORE, math.pi / 2),
        SingularPoint(90.0, 400.0, SingularKind.DELTA),
    )
    return FingerFeatures(400, 500, minutiae, singular)


def test_iso_bytes_of_one_minutia() -> None:
    features = FingerFeatures(400, 500, (Minutia(76, 324, math.radians(78), MinutiaKind.ENDING, 0.5),))
    data = iso19794_2.encode([FingerView(features, position=2, impression=1, quality=60)])
    assert data[:8] == b"FMR\x00 20\x00"
    assert struct.unpack(">I", data[8:12])[0] == len(data) == 24 + 4 + 6 + 2
    assert data[14:24] == struct.pack(">HHHHBB", 400, 500, 197, 197, 1, 0)
    assert data[24:28] == bytes([2, 1, 60, 1])
    assert data[28:34] == struct.pack(">HHBB", 0x4000 | 76, 324, round(78 * 256 / 360), 50)


def test_incits_angle_is_in_two_degree_units() -> None:
    # formats.md 9.4: the minutia "76 324 39" of mindtct -m1 is INCITS 378 x 76, y 324, angle 39 (78 degrees).
    features = FingerFeatures(800, 750, (Minutia(76, 324, math.radians(78), MinutiaKind.BIFURCATION, 1.0),))
    data = incits378.encode(features)
    assert len(data) == struct.unpack(">H", data[8:10])[0] == 26 + 4 + 6 + 2
    assert data[30:36] == struct.pack(">HHBB", 0x8000 | 76, 324, 39, 100)


@pytest.mark.parametrize("codec", [iso19794_2, incits378])
def test_round_trip_keeps_positions_and_angles_within_one_unit(codec) -> None:
    features = _features()
    view = FingerView(features, position=7, view_number=1, impression=1, quality=77)
    record = codec.decode(codec.encode([view, FingerView(features, position=8)]))
    assert record.width == 400 and record.height == 500 and len(record.views) == 2
    back = record.views[0]
    assert (back.position, back.view_number, back.impression, back.quality) == (7, 1, 1, 77)
    step = 2 * math.pi / codec.ANGLE.steps
    for a, b in zip(features.minutiae, back.features.minutiae, strict=True):
        assert (a.x, a.y, a.kind) == (b.x, b.y, b.kind)
        assert abs((a.angle - b.angle + math.pi) % (2 * math.pi) - math.pi) <= step / 2 + 1e-9
        assert abs(a.quality - b.quality) < 0.006
    core, delta = back.features.singular_points
    assert (core.x, core.y, core.kind) == (200, 240, SingularKind.CORE)
    assert core.angle == pytest.approx(math.pi / 2, abs=step)
    assert (delta.x, delta.y, delta.kind, delta.angle) == (90, 400, SingularKind.DELTA, None)


def test_incits_long_record_uses_the_four_byte_length() -> None:
    views = [FingerView(_features(255, seed=s), position=s % 11) for s in range(50)]
    data = incits378.encode(views)
    assert len(data) > 0xFFFF and data[8:10] == b"\x00\x00"
    assert len(incits378.decode(data).views) == 50


def test_encoding_refuses_what_does_not_fit() -> None:
    outside = FingerFeatures(100, 100, (Minutia(150, 10, 0.0, MinutiaKind.ENDING),))
    with pytest.raises(TemplateError, match="outside"):
        iso19794_2.encode(outside)
    with pytest.raises(TemplateError, match="255"):
        incits378.encode(_features(256))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120), st.integers(0, 200))
def test_decoders_raise_only_template_error(noise, cut) -> None:
    seeds = [iso19794_2.encode(_features(5)), incits378.encode(_features(5))]
    for codec, seed in zip((iso19794_2, incits378), seeds, strict=True):
        for data in (seed[:cut] + noise, seed[:24] + noise, noise):
            with contextlib.suppress(TemplateError):
                codec.decode(data)


def test_type9_round_trip_inside_a_transaction() -> None:
    features = _features()
    record = encode_type9(FingerView(features, position=3, impression=1, quality=55), idc=3)
    t = Transaction([TaggedRecord(1, []), record])
    t.records[0].set(2, "0502")
    t.records[0].set(3, "")
    t.refresh_cnt()
    back = read_transaction(write_transaction(t))
    assert back.problems == []
    view = decode_type9(back.records[1])
    assert back.records[1].text(137).split("\x1e")[0].split("\x1f")[0] == "1"
    assert (view.position, view.impression, view.quality) == (3, 1, 55)
    for a, b in zip(features.minutiae, view.features.minutiae, strict=True):
        assert (a.x, a.y, a.kind) == (b.x, b.y, b.kind)
        assert abs((a.angle - b.angle + math.pi) % (2 * math.pi) - math.pi) <= math.radians(1) + 1e-9


def test_legacy_type9_of_an_nbis_sample_converts_to_our_convention(test_data) -> None:
    from station.formats.templates import decode_type9_legacy

    t = read_transaction((test_data / "nbis_an2k_samples" / "valid1.14.an2").read_bytes())
    image, minutiae = t.records[2], t.records[3]
    view = decode_type9_legacy(minutiae, image.hll, image.vll)
    (m,) = view.features.minutiae
    # 9.012 "25002500000": 25.00 mm from the bottom-left, 0 degrees pointing away -> 180 degrees our way.
    assert m.x == pytest.approx(2500 * 500 / 2540) and m.y == pytest.approx(image.vll - 2500 * 500 / 2540)
    assert m.angle == pytest.approx(math.pi) and m.kind == MinutiaKind.ENDING
    assert view.position == 10 and [p.kind for p in view.features.singular_points] == [
        SingularKind.CORE,
        SingularKind.DELTA,
    ]


_items = st.text(alphabet="0123456789AB ,-\x1f\x1e²", max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from([3, 6, 8, 9, 10, 12, 128, 129, 130, 131, 132, 135, 136, 137, 139, 140]), _items))
def test_type9_decoders_raise_only_template_error(fields) -> None:
    from station.formats.templates import decode_type9_legacy

    record = TaggedRecord(9)
    for number, value in fields.items():
        record.set(number, value)
    for decode in (decode_type9, lambda r: decode_type9_legacy(r, 400, 500)):
        with contextlib.suppress(TemplateError):
            decode(record)
