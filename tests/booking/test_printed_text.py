"""Printed captions are found on ink cards and nowhere in friction ridges (real card, live-scan slap, constructed)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from station.biometrics.image import FingerImage, load_image, to_canonical
from station.booking.printed_text import printed_text_mask


def _rows(mask: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero(mask.any(axis=1))
    return int(rows.min()), int(rows.max())


def test_caption_printed_on_white_is_found_and_continued_under_a_print() -> None:
    page = np.full((200, 1200), 255, np.uint8)
    cv2.putText(page, "RIGHT FOUR FINGERS TAKEN", (40, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    page[120:, :] = 255
    mask = printed_text_mask(page)
    top, bottom = _rows(mask)
    assert 40 <= top < 60 and 80 <= bottom < 100
    assert mask[70, 60] and mask[70, 600]
    assert not mask[150:].any()


def test_ridges_alone_are_not_text() -> None:
    y, x = np.mgrid[0:500, 0:500]
    ridges = (127 + 120 * np.sin(2 * np.pi * (x + 0.3 * y) / 9.0)).astype(np.uint8)
    assert not printed_text_mask(ridges).any()


def test_card_slap_caption_found_and_prints_untouched(card_images: dict[int, FingerImage]) -> None:
    right_slap = to_canonical(card_images[13]).pixels
    top, bottom = _rows(printed_text_mask(right_slap))
    assert top >= 15 and bottom <= 90  # "RIGHT FOUR FINGERS TAKEN SIMULTANEOUSLY" only
    for position in range(1, 11):  # rolled boxes: their caption at most, never a band through the print
        mask = printed_text_mask(to_canonical(card_images[position]).pixels)
        assert not mask[100:].any(), position


def test_live_scan_slap_has_no_caption(test_data: Path) -> None:
    slap = load_image(test_data / "openebts_samples" / "slap8.png", 500)
    assert not printed_text_mask(to_canonical(slap).pixels).any()
