"""Segmentation holds on real slaps presented differently: turned on the platen, the other hand (mirrored), another
resolution, light or heavy ink, sensor noise, and two plain thumbs laid side by side as a two-thumb slap.

Slaps of other people, ink cards and live-scan, will be checked where we cannot see them; these variants of the two
real slaps we have (the OpenEBTS live-scan slap, the NIST card) stand in for that variety.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from station.biometrics.image import FingerImage, load_image
from station.booking.segmentation import segment_slap

RIGHT, LEFT = (2, 3, 4, 5), (10, 9, 8, 7)


def _turned(pixels: np.ndarray, degrees: float) -> np.ndarray:
    """The image turned on a white canvas large enough to keep every finger in view."""
    canvas = cv2.copyMakeBorder(pixels, 300, 300, 300, 300, cv2.BORDER_CONSTANT, value=255)
    h, w = canvas.shape
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(canvas, turn, (w, h), borderValue=255)


def _numbered(image: FingerImage, hand: str) -> tuple[tuple[int, ...], bool]:
    seg = segment_slap(image, hand)
    return tuple(f.position for f in seg.fingers), seg.count_ok


@pytest.fixture(scope="module")
def live_scan(test_data: Path) -> np.ndarray:
    return load_image(test_data / "openebts_samples" / "slap8.png", 500).pixels


@pytest.mark.parametrize("degrees", [-25, -10, 10, 25])
def test_live_scan_slap_turned(live_scan: np.ndarray, degrees: float) -> None:
    assert _numbered(FingerImage(_turned(live_scan, degrees), 500.0), "right") == (RIGHT, True)


def test_live_scan_right_slap_mirrored_is_a_left_slap(live_scan: np.ndarray) -> None:
    mirrored = np.ascontiguousarray(live_scan[:, ::-1])
    assert _numbered(FingerImage(mirrored, 500.0), "left") == (LEFT, True)


def test_live_scan_slap_at_1000_ppi(live_scan: np.ndarray) -> None:
    doubled = cv2.resize(live_scan, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    assert _numbered(FingerImage(doubled, 1000.0), "right") == (RIGHT, True)


@pytest.mark.parametrize("variant", ["light", "heavy", "noisy"])
def test_live_scan_slap_ink_and_noise(live_scan: np.ndarray, variant: str) -> None:
    grey = live_scan.astype(np.float32)
    if variant == "light":
        grey = 255 - (255 - grey) * 0.45
    elif variant == "heavy":
        grey = grey * 0.6
    else:
        grey = grey + np.random.default_rng(1).normal(0, 12, grey.shape)
    image = FingerImage(np.clip(grey, 0, 255).astype(np.uint8), 500.0)
    assert _numbered(image, "right") == (RIGHT, True)


@pytest.mark.parametrize(("fgp", "hand", "mirror_hand"), [(13, "right", "left"), (14, "left", "right")])
@pytest.mark.parametrize("degrees", [-15, 0, 15])
def test_card_slaps_turned_and_mirrored(card_images, fgp: int, hand: str, mirror_hand: str, degrees: float) -> None:
    """The ink card's slaps (captions, handwriting, a neighbour box's print at the edge), turned either way."""
    pixels = _turned(card_images[fgp].pixels, degrees) if degrees else card_images[fgp].pixels
    order = {"right": RIGHT, "left": LEFT}
    assert _numbered(FingerImage(pixels, 500.0), hand) == (order[hand], True)
    mirrored = np.ascontiguousarray(pixels[:, ::-1])
    assert _numbered(FingerImage(mirrored, 500.0), mirror_hand) == (order[mirror_hand], True)


def test_two_plain_thumbs_side_by_side_are_a_two_thumb_slap(card_images) -> None:
    left, right = card_images[12].pixels, card_images[11].pixels  # as printed: left thumb on the left
    height = max(left.shape[0], right.shape[0])

    def padded(p: np.ndarray) -> np.ndarray:
        return cv2.copyMakeBorder(p, 0, height - p.shape[0], 0, 0, cv2.BORDER_CONSTANT, value=255)

    slap = np.hstack([padded(left), np.full((height, 150), 255, np.uint8), padded(right)])
    assert _numbered(FingerImage(slap, 500.0), "thumbs") == ((6, 1), True)
