"""Sequence check logic on real prints whose truth is known, and the acceptance checks on the NIST tenprint card.

The logic tests use ten real fingers of FVC2002 DB1_B as one "person" (impression 1 plays the rolled print,
impression 2 the slap segment) with NIST's MINDTCT + Bozorth3; the card tests use the station's core matcher and
run as soon as `station.biometrics.api` is installed.
"""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import numpy as np
import pytest

from station.biometrics.image import load_image
from station.booking.sequence import Comparator, check_sequence, nbis_comparator

FINGERS = range(1, 11)


@pytest.fixture(scope="module")
def person(fvc_data: Path):
    comparator = nbis_comparator()
    folder = fvc_data / "fvc2002_db1_b"
    rolled = {p: comparator.extract(load_image(folder / f"{100 + p}_1.tif", 500)) for p in FINGERS}
    flat = {p: comparator.extract(load_image(folder / f"{100 + p}_2.tif", 500)) for p in FINGERS}
    return comparator, rolled, flat


def _check(person, placement: dict[int, int]):
    """Rolled box p holds finger placement[p]."""
    comparator, rolled, flat = person
    return check_sequence({p: rolled[placement.get(p, p)] for p in FINGERS}, flat, comparator, templates=True)


def test_a_correct_sequence_passes(person) -> None:
    report = _check(person, {})
    assert report.ok and report.flagged == () and report.duplicates == ()
    assert all(report.verdicts[p].verdict == "ok" for p in FINGERS)


@pytest.mark.parametrize(("a", "b"), [(2, 3), (1, 7), (4, 5)])
def test_two_swapped_fingers_are_flagged_and_named(person, a: int, b: int) -> None:
    report = _check(person, {a: b, b: a})
    assert report.flagged == (min(a, b), max(a, b))
    assert len(report.errors) == 1 and "swapped" in report.errors[0]
    assert report.verdicts[a].best_segment == b and report.verdicts[b].best_segment == a


def test_swapped_hands_are_named(person) -> None:
    report = _check(person, {p: (p + 5 if p <= 5 else p - 5) for p in FINGERS})
    assert report.flagged == tuple(FINGERS)
    assert len(report.errors) == 1 and "hands swapped" in report.errors[0]


def test_shift_by_one_is_named(person) -> None:
    # The officer skipped the right middle box: index, ring, little rolled one box late (3 <- 2, 4 <- 3, 5 <- 4).
    report = _check(person, {3: 2, 4: 3, 5: 4})
    assert set(report.flagged) >= {3, 4, 5}
    assert any("shifted by one" in e for e in report.errors)


def test_same_finger_in_two_positions_is_detected(person) -> None:
    report = _check(person, {4: 3})  # the right middle was rolled again in the ring's box
    assert (3, 4) in report.duplicates
    assert any("same finger" in e for e in report.errors)
    assert 4 in report.flagged


def test_missing_rolled_and_segment_are_reported_not_flagged(person) -> None:
    comparator, rolled, flat = person
    report = check_sequence(
        {p: rolled[p] for p in FINGERS if p != 9}, {p: flat[p] for p in FINGERS if p != 9}, comparator, templates=True
    )
    assert report.ok and report.verdicts[9].verdict == "no rolled"


# -- acceptance on the NIST tenprint card, with the core matcher ---------------------------------------------------
needs_core = pytest.mark.skipif(
    importlib.util.find_spec("station.biometrics.api") is None,
    reason="the core matcher facade station.biometrics.api is not installed yet",
)


@pytest.fixture(scope="module")
def card_check(card_path: Path):
    from station.booking.sequence import core_comparator
    from station.booking.tenprint import load_tenprint, run_check

    comparator = core_comparator()
    cache: dict = {}  # the swap tests re-check permutations of the same templates: each pair is matched once
    check = run_check(load_tenprint(card_path.read_bytes()), comparator, quality=False, cache=cache)
    return comparator, check, cache


@needs_core
def test_card_all_ten_rolled_agree_with_their_segments(card_check) -> None:
    _, check, _ = card_check
    assert check.problems == []
    assert check.report.ok, check.report.errors


@needs_core
@pytest.mark.parametrize("pair", list(itertools.combinations(FINGERS, 2)))
def test_card_swapped_rolled_records_are_flagged(card_check, pair) -> None:
    from station.booking.sequence import check_sequence as check

    comparator, result, cache = card_check
    a, b = pair
    rolled = dict(result.rolled_templates)
    rolled[a], rolled[b] = rolled[b], rolled[a]
    report = check(rolled, result.flat_templates, comparator, templates=True, cache=cache)
    assert report.flagged == pair and "swapped" in report.errors[0]


@needs_core
def test_card_swapped_hands_are_flagged(card_check) -> None:
    from station.booking.sequence import check_sequence as check

    comparator, result, cache = card_check
    rolled = {(p + 5 if p <= 5 else p - 5): t for p, t in result.rolled_templates.items()}
    report = check(rolled, result.flat_templates, comparator, templates=True, cache=cache)
    assert report.flagged == tuple(FINGERS) and "hands swapped" in report.errors[0]


def _as_type4_card(card: bytes, swap: tuple[int, int] | None = None) -> bytes:
    """The card as a legacy card scanner sends it: every image a binary Type-4 record (WSQ, 500 ppi, IMP kept)."""
    from station.formats.ansi_nist import read_transaction, write_transaction
    from station.formats.ansi_nist.model import BinaryRecord

    transaction = read_transaction(card)
    mapping = {swap[0]: swap[1], swap[1]: swap[0]} if swap else {}
    for index, record in enumerate(transaction.records):
        if record.type == 14:
            fgp = int(record.text(13))
            transaction.records[index] = BinaryRecord(
                type=4,
                idc=int(record.text(2)),
                imp=int(record.text(3)),
                fgp=(mapping.get(fgp, fgp), 255, 255, 255, 255, 255),
                isr=0,
                hll=int(record.text(6)),
                vll=int(record.text(7)),
                compression=1,  # WSQ
                data=record.get(999).value,
            )
    transaction.refresh_cnt()
    return write_transaction(transaction)


@needs_core
def test_the_card_as_type4_records_agrees_and_a_swap_in_it_is_flagged(card_path: Path) -> None:
    from station.booking.sequence import core_comparator
    from station.booking.tenprint import load_tenprint, run_check

    comparator = core_comparator()
    check = run_check(load_tenprint(_as_type4_card(card_path.read_bytes())), comparator, quality=False)
    assert check.problems == [] and check.report.ok, (check.problems, check.report.errors)
    swapped = run_check(load_tenprint(_as_type4_card(card_path.read_bytes(), (4, 9))), comparator, quality=False)
    assert swapped.report.flagged == (4, 9) and "swapped" in swapped.report.errors[0]


def _card_with_right_little_amputated(card: bytes, erase: bool) -> bytes:
    """The card as if the right little finger were amputated: its rolled record gone, 2.084 AMP "05 XX", and (with
    `erase`) the finger whitened out of the right slap, where the check found it."""
    from station.formats import wsq
    from station.formats.ansi_nist import read_transaction, write_transaction

    transaction = read_transaction(card)
    transaction.records = [r for r in transaction.records if not (r.type == 14 and r.text(13) == "5")]
    if erase:
        slap = next(r for r in transaction.records if r.type == 14 and r.text(13) == "13")
        pixels = wsq.decode(slap.get(999).value).pixels.copy()
        pixels[376:775, 1176:1527] = 255  # the right little finger's segment box, with a margin
        slap.set(999, wsq.encode(pixels, 500))
    next(r for r in transaction.records if r.type == 2).set(84, [["05", "XX"]])
    for idc, record in enumerate(transaction.records[2:], start=1):
        record.set(2, f"{idc:02d}")
    transaction.refresh_cnt()
    return write_transaction(transaction)


@needs_core
def test_an_amputated_finger_declared_in_amp_is_excused(card_path: Path) -> None:
    from station.booking.sequence import core_comparator
    from station.booking.tenprint import load_tenprint, run_check

    comparator = core_comparator()
    check = run_check(load_tenprint(_card_with_right_little_amputated(card_path.read_bytes(), True)), comparator)
    assert check.problems == [] and check.report.ok, (check.problems, check.report.errors)
    assert check.amputated == {5: "XX"} and check.report.verdicts[5].verdict == "no rolled"
    assert check.segmentations[13].count_ok and [f.position for f in check.segmentations[13].fingers] == [2, 3, 4]
    # Declared amputated, yet the finger is in the slap: the count disagrees with the annotation and is reported.
    present = run_check(
        load_tenprint(_card_with_right_little_amputated(card_path.read_bytes(), False)), comparator, quality=False
    )
    assert present.problems and "FGP 13" in present.problems[0]


def _matrix_comparator(matrix: np.ndarray) -> Comparator:
    """A comparator over a known score matrix: rolled templates are ("r", p), segments ("s", p)."""
    return Comparator(
        lambda x: x,
        lambda a, b: float(matrix[a[1] - 1, b[1] - 1]),
        threshold=0.04,
        name="matrix",
        weak_threshold=0.03,
        floor_threshold=0.02,
    )


def test_a_weak_pair_counts_when_the_closed_set_assigns_it_and_no_rival_is_strong() -> None:
    scores = np.full((10, 10), 0.015)
    np.fill_diagonal(scores, 0.2)
    scores[5, 5], scores[5, 9] = 0.024, 0.028  # roll 6: weak on its own segment, a weak rival at segment 10
    rolled = {p: ("r", p) for p in range(1, 11)}
    segments = {p: ("s", p) for p in range(1, 11)}
    report = check_sequence(rolled, segments, _matrix_comparator(scores), templates=True)
    assert report.ok, report.errors
    scores[5, 9] = 0.3  # a strong rival: roll 6 is really finger 10 (the same finger captured twice)
    report = check_sequence(rolled, segments, _matrix_comparator(scores), templates=True)
    assert not report.ok and 6 in report.flagged
    scores[5, 9], scores[5, 5] = 0.015, 0.018  # below the floor: recapture, however alone it is
    report = check_sequence(rolled, segments, _matrix_comparator(scores), templates=True)
    assert report.flagged == (6,)


@needs_core
@pytest.mark.parametrize("variant", ["slaps turned 10 degrees", "everything at 1000 ppi"])
def test_the_card_presented_differently_still_agrees(card_path: Path, variant: str) -> None:
    """The same card with its slaps at an angle (the matcher and the cut-outs must not care), or scanned at 1000 ppi
    (every stage resamples to 500 ppi): still ten agreeing rolled prints."""
    import cv2

    from station.biometrics.image import FingerImage
    from station.booking.sequence import core_comparator
    from station.booking.tenprint import load_tenprint, run_check

    check = load_tenprint(card_path.read_bytes())
    if variant.startswith("slaps"):
        for fgp in (13, 14):
            canvas = cv2.copyMakeBorder(check.flats[fgp].pixels, 300, 300, 300, 300, cv2.BORDER_CONSTANT, value=255)
            h, w = canvas.shape
            turn = cv2.getRotationMatrix2D((w / 2, h / 2), 10, 1.0)
            check.flats[fgp] = FingerImage(cv2.warpAffine(canvas, turn, (w, h), borderValue=255), 500.0)
    else:
        for images in (check.rolled, check.flats):
            for key, image in images.items():
                doubled = cv2.resize(image.pixels, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
                images[key] = FingerImage(doubled, 1000.0)
    run_check(check, core_comparator(), quality=False)
    assert check.problems == [] and check.report.ok, (check.problems, check.report.errors)
