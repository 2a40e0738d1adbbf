"""Box borders of ink cards are found and cut away; ridges, however straight or heavily inked, are never a border."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from station.biometrics.image import FingerImage, load_image, to_canonical
from station.booking import segmentation
from station.booking.ruled_lines import find_and_exclude
from station.booking.segmentation import crop_to_print


def _print_on_card(fvc_data: Path) -> tuple[np.ndarray, np.ndarray]:
    """A real FVC print laid on a white card 200 px below the top, and its print mask."""
    finger = load_image(fvc_data / "fvc2002_db1_b" / "101_1.tif", 500).pixels
    card = np.full((finger.shape[0] + 300, finger.shape[1] + 300), 255, np.uint8)
    card[150 : 150 + finger.shape[0], 150 : 150 + finger.shape[1]] = finger
    mask = np.zeros(card.shape, bool)
    mask[150 : 150 + finger.shape[0], 150 : 150 + finger.shape[1]] = finger < 200
    return card, mask


def test_border_across_the_lower_print_is_found_and_the_smaller_side_dropped(fvc_data: Path) -> None:
    card, mask = _print_on_card(fvc_data)
    rows = np.flatnonzero(mask.any(axis=1))
    line_row = int(rows.min() + 0.75 * (rows.max() - rows.min()))
    skew = np.deg2rad(1.2)  # scanned a little askew
    y0 = line_row - int(np.tan(skew) * card.shape[1] / 2)
    cv2.line(card, (0, y0), (card.shape[1] - 1, y0 + int(np.tan(skew) * card.shape[1])), 0, 4)
    lines, excluded = find_and_exclude(card, mask)
    assert len(lines) == 1 and lines[0].horizontal
    assert abs(abs(lines[0].angle_deg) - 1.2) <= 0.5
    middle = card.shape[1] // 2
    assert not excluded[: line_row - 10, middle].any()  # the print above the border is kept
    assert excluded[line_row + 10 :, middle].all()  # the border and what lies beyond it are dropped


def test_a_vertical_border_at_the_print_side_is_found(fvc_data: Path) -> None:
    card, mask = _print_on_card(fvc_data)
    columns = np.flatnonzero(mask.any(axis=0))
    cv2.line(card, (int(columns.min()) + 20, 0), (int(columns.min()) + 20, card.shape[0] - 1), 0, 3)
    lines, excluded = find_and_exclude(card, mask)
    assert [line.horizontal for line in lines] == [False]
    assert excluded[:, : int(columns.min()) + 20].all() and not excluded[:, int(columns.min()) + 40 :].any()


@pytest.mark.parametrize("folder", ["fvc2002_db1_b", "fvc2002_db3_b", "fvc2004_db2_b"])
def test_prints_without_a_card_lose_nothing(fvc_data: Path, folder: str) -> None:
    for path in sorted((fvc_data / folder).iterdir())[::7]:
        if path.suffix.lower() not in (".tif", ".bmp", ".png"):
            continue
        pixels = to_canonical(load_image(path, 500)).pixels
        mask = pixels < 200
        _, excluded = find_and_exclude(pixels, mask)
        assert not (excluded & mask).any(), path.name


def _ink(image: FingerImage) -> int:
    return int((image.pixels < 128).sum())


def _crops(image: FingerImage, monkeypatch: pytest.MonkeyPatch) -> tuple[FingerImage, FingerImage]:
    """The print cut out with its box borders honoured, and without (the border step switched off)."""
    bounded = crop_to_print(image)
    with monkeypatch.context() as patch:
        patch.setattr(segmentation, "find_and_exclude", lambda pixels, mask, ppi=500.0: ([], np.zeros_like(mask)))
        unbounded = crop_to_print(image)
    return bounded, unbounded


def test_heavily_inked_scanned_cards_keep_their_prints(test_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scanned card prints at 1000 ppi: thick dark ridges running straight for a centimetre are not borders."""
    for path in sorted((test_data / "nbis_sivv_rolled_1000ppi").glob("*.bmp")):
        bounded, unbounded = _crops(FingerImage(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), 1000.0), monkeypatch)
        assert _ink(bounded) >= 0.9 * _ink(unbounded), path.name


def test_card_rolled_prints_are_cut_at_their_box(
    card_images: dict[int, FingerImage], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every rolled box of the NIST card: no border is left inside the crop, and most of the print is kept."""
    bordered = 0
    for position in range(1, 11):
        bounded, unbounded = _crops(card_images[position], monkeypatch)
        found, _ = find_and_exclude(unbounded.pixels, unbounded.pixels < 200)
        bordered += bool(found)
        left, _ = find_and_exclude(bounded.pixels, bounded.pixels < 200)
        assert left == [], position
        assert _ink(bounded) >= 0.6 * _ink(unbounded), position
    assert bordered >= 8  # the card's boxes show their borders in nearly every record
